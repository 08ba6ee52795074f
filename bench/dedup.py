"""Benchmark: duplicate detection (``pilkada.engine.dedup``) beside a plain Splink baseline.

For each size (default 1,000,000 and 8,214,007 DP4 rows of the synthetic generator, seed
2024, generated under ``bench/data/synth_population_<N>/`` if missing, reused otherwise):

* **pipeline** -- ``find_duplicates(dp4.csv)`` in a child process, ``--repeat`` times (default
  3 at 1 M and once at 8.2 M, ``--repeat-large``): wall time of the child (median), the
  pipeline's own time and stage timings, peak RSS of the child (its own ``VmHWM``; see
  :data:`HWM` for why not ``os.wait4``'s ``ru_maxrss``). Quality: ``evaluate()`` against
  the truth file, computed here from the result the child left in its work directory (so
  the truth never inflates the child's RSS).
* **baseline** (1 M only, once) -- Splink on DuckDB as a typical user writes it: the
  comparison library's name, date-of-birth and exact-match comparisons, blocking on NIK, on
  name + birth date and on NKK, u by random sampling, EM blocked on birth date and on NKK,
  predict at 0.9. Same time / memory / quality figures (pairs with equal NIKs count as
  exact-NIK pairs).
* **ceiling** (1 M, not timed) -- what the evidence allows: the pipeline's candidate pairs
  grouped by their evidence pattern (the level of every comparison and the name's frequency,
  in powers of two); ranking patterns by their *true* share of duplicates (read from the
  truth file: an oracle) gives the best recall any classifier on that evidence reaches at a
  given precision.

**Variants** (``--variants``, default ``none 0 0.3``): ``none`` is the pipeline without the
synchronisation evidence (as before it existed). A number S runs the flow of PKPU 7/2024:
a previous DPT is derived from the same population with
:func:`pilkada.synth.previous_dpt.write_previous_dpt` (seed ``--seed``,
``share_copies_listed`` = S: the share of duplicate copies that were on the previous DPT
too; 0 is the generator's default, untimed, under ``bench/data/previous_dpt_<N>_c<S>/``),
then **sync** -- ``pilkada.engine.sync.synchronise(dp4.csv, previous_dpt.csv)`` in a child
process, timed on its own (wall, peak RSS) -- writes the per-row outcome, and the pipeline
runs with ``sync_outcomes`` = that outcome. The sync outcome comes from the engine's
matching, never from the generator's truth.

Results are merged into ``bench/results/dedup.json`` (one entry per size and variant, each
with its time and the load average before and after: the machine is shared), with the
**operating points** of each run: precision, recall and the model's expected precision at
fixed thresholds and at the threshold the rule picks for several targets of expected
precision (from the pairs the run kept, no new scoring). ``--seed`` other than 2024 uses its
own data directories and result entries (``<size>_s<seed>``): a population the settings
were not chosen on.

    .venv/bin/python bench/dedup.py [--sizes 1000000 8214007] [--variants none 0 0.3]
        [--repeat 3] [--repeat-large 1] [--seed 2024] [--no-baseline] [--no-ceiling]
    .venv/bin/python bench/dedup.py --ceiling-only [--sizes 1000000 8214007] [--variants ...]

``--ceiling-only`` computes the oracle again from the pairs an earlier run kept (P >= 0.01),
without running the pipeline; it writes ``bench/results/dedup_ceiling.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1_000_000, 8_214_007)
#: The seed of the committed figures; another seed gets its own data directories and
#: result entries (``<size>_s<seed>``), e.g. to check a setting on a population it was not
#: chosen on.
DEFAULT_SEED = 2024
#: Operating points reported beside the pipeline's own: fixed thresholds, and the threshold
#: :func:`suggestion_threshold` picks for each target of expected precision.
FIXED_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9)
TARGET_PRECISIONS = (0.990, 0.991, 0.992, 0.993, 0.994, 0.995)
RESULTS = ROOT / "bench" / "results" / "dedup.json"
LARGE = 2_000_000

#: The child's own peak RSS (VmHWM of its address space, which starts at exec). wait4's
#: ru_maxrss is not used for it: a child started with vfork (as subprocess does on Linux)
#: inherits the parent's high-water mark at exec, so a parent that once held more memory
#: (the in-process ceiling run) would be reported as the child's peak.
HWM = """
def _hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
"""

PIPELINE_CHILD = (
    HWM
    + """
import json, sys, time
from pathlib import Path
from pilkada.engine.dedup import find_duplicates
src, work = Path(sys.argv[1]), Path(sys.argv[2])
sync = Path(sys.argv[3]) if len(sys.argv) > 3 else None
started = time.perf_counter()
result = find_duplicates(src, work_dir=work, sync_outcomes=sync)
seconds = time.perf_counter() - started
result.pairs.write_parquet(work / "pairs.parquet")
result.exact_pairs.write_parquet(work / "exact_pairs.parquet")
result.exact_groups.write_parquet(work / "exact_groups.parquet")
result.members.write_parquet(work / "members.parquet")
print(json.dumps({"seconds": seconds, "stats": result.stats, "vm_hwm_mb": _hwm()}, default=str))
"""
)

SYNC_CHILD = (
    HWM
    + """
import datetime as dt, json, sys, time
from pilkada.engine.sync import synchronise
dp4, prev, out = sys.argv[1:4]
started = time.perf_counter()
result = synchronise(dp4, prev, voting_day=dt.date(2024, 11, 27),
                     previous_voting_day=dt.date(2024, 2, 14))
seconds = time.perf_counter() - started
result.dp4.select("voter_id", "method", "turns_17").write_parquet(out)
print(json.dumps({"seconds": seconds, "stats": result.stats, "vm_hwm_mb": _hwm()}, default=str))
"""
)

BASELINE_CHILD = """
import json, sys, time
import polars as pl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
import splink.comparison_library as cl
src, out = sys.argv[1], sys.argv[2]
started = time.perf_counter()
df = pl.read_csv(src, infer_schema=False, row_index_name="line", row_index_offset=2)
df = df.with_columns(pl.col("line").cast(pl.Int64))
settings = SettingsCreator(
    link_type="dedupe_only",
    unique_id_column_name="line",
    comparisons=[
        cl.NameComparison("nama"),
        cl.DateOfBirthComparison("tanggal_lahir", input_is_string=True),
        cl.LevenshteinAtThresholds("nik", [1, 2]),
        cl.ExactMatch("nkk"),
        cl.ExactMatch("jenis_kelamin"),
        cl.ExactMatch("tempat_lahir").configure(term_frequency_adjustments=True),
        cl.ExactMatch("kode_kelurahan"),
    ],
    blocking_rules_to_generate_predictions=[
        block_on("nik"),
        block_on("nama", "tanggal_lahir"),
        block_on("nkk"),
    ],
    retain_matching_columns=True,
)
import duckdb, pathlib
tmp = pathlib.Path(out).parent / "duckdb_tmp"  # spill beside the outputs, never in the cwd
tmp.mkdir(parents=True, exist_ok=True)
con = duckdb.connect()
con.execute(f"SET temp_directory = '{tmp.as_posix()}'")
db_api = DuckDBAPI(connection=con)
linker = Linker(db_api.register(df.to_arrow()), settings)
linker.training.estimate_probability_two_random_records_match(
    [block_on("nik"), block_on("nama", "tanggal_lahir", "nkk")], recall=0.7
)
linker.training.estimate_u_using_random_sampling(max_pairs=1e7, seed=1)
linker.training.estimate_parameters_using_expectation_maximisation(block_on("tanggal_lahir"))
linker.training.estimate_parameters_using_expectation_maximisation(block_on("nkk"))
pred = linker.inference.predict(threshold_match_probability=0.9)
pairs = pl.from_arrow(
    pred.as_duckdbpyrelation().select("line_l, line_r, nik_l, nik_r, match_probability")
    .to_arrow_table()
)
seconds = time.perf_counter() - started
pairs.write_parquet(out)
print(json.dumps({"seconds": seconds, "pairs": pairs.height}))
"""


def _run_child(code: str, args: list[str]) -> tuple[float, float, dict]:
    """Run ``code`` in a child Python; return (wall seconds, peak RSS MB, its JSON line).
    The peak is the child's own VmHWM when it reports one (see :data:`HWM`), else wait4's
    ru_maxrss."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + os.pathsep + env.get("PYTHONPATH", "")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit(f"child failed: {args}")
    info = json.loads(out.decode().strip().splitlines()[-1])
    peak = info.get("vm_hwm_mb") or usage.ru_maxrss / 1024.0
    info["ru_maxrss_mb"] = round(usage.ru_maxrss / 1024.0, 1)
    return seconds, peak, info


def _seeded(name: str, seed: int) -> str:
    """A data directory's or result entry's name: as is for the default seed."""
    return name if seed == DEFAULT_SEED else f"{name}_s{seed}"


def _population_dir(voters: int, seed: int) -> Path:
    return ROOT / "bench" / "data" / _seeded(f"synth_population_{voters}", seed)


def _ensure_population(voters: int, seed: int) -> Path:
    out = _population_dir(voters, seed)
    from pilkada.synth.population import GENERATOR_VERSION, PopulationParams, write_population

    if (out / "dp4.csv").exists() and (out / "truth.csv").exists():
        manifest = json.loads((out / "manifest.json").read_text())
        # Files of an older generator (other names) are made again.
        if manifest["parameters"]["seed"] == seed and manifest["version"] == GENERATOR_VERSION:
            return out

    print(f"generating {voters:,} rows under {out} ...", flush=True)
    write_population(PopulationParams(voters=voters, seed=seed), out)
    return out


def _result_from(work: Path):
    import polars as pl

    from pilkada.engine.dedup import DedupResult

    return DedupResult(
        pairs=pl.read_parquet(work / "pairs.parquet"),
        exact_pairs=pl.read_parquet(work / "exact_pairs.parquet"),
        exact_groups=pl.read_parquet(work / "exact_groups.parquet"),
        members=pl.read_parquet(work / "members.parquet"),
        model=json.loads((work / "model.json").read_text()),
    )


def _summary(scores: dict) -> dict:
    different = scores["different_nik"]
    return {
        "exact_nik": {k: scores["exact_nik"][k] for k in ("precision", "recall", "actual")},
        "different_nik": {k: different[k] for k in ("precision", "recall", "actual", "predicted")},
        "different_nik_recall_by_kind": {
            k: round(v["recall"], 4) for k, v in different["by_kind"].items()
        },
        "different_nik_recall_by_note": {
            k: round(v["recall"], 4) for k, v in different["by_note"].items()
        },
        "twin_pairs_suggested": scores["twins"]["suggested_pairs"],
        "groups": {k: scores["groups"][k] for k in ("precision", "recall")},
    }


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _work(src: Path, variant: str) -> Path:
    """The work directory of a size and variant (``none``: the name used before variants)."""
    name = src.name if variant == "none" else f"{src.name}__sync_c{variant}"
    return ROOT / "bench" / "data" / "dedup_work" / name


def _previous_dpt(src: Path, voters: int, seed: int, share: float) -> tuple[Path, dict]:
    """The previous DPT of the population (generated if missing), untimed."""
    from pilkada.synth.previous_dpt import PreviousDptParams, write_previous_dpt

    out = ROOT / "bench" / "data" / _seeded(f"previous_dpt_{voters}_c{share:g}", seed)
    params = PreviousDptParams(seed=seed, share_copies_listed=share)
    manifest_path = out / "previous_manifest.json"
    if (out / "previous_dpt.csv").exists() and manifest_path.exists():
        manifest = json.loads(manifest_path.read_text())
        if manifest["params"].get("seed") == str(seed) and float(
            manifest["params"].get("share_copies_listed", 0)
        ) == float(share):
            return out, manifest
    print(f"  deriving the previous DPT (copies listed {share:g}) under {out} ...", flush=True)
    started = time.perf_counter()
    manifest = write_previous_dpt(src, out, params)
    manifest["seconds_to_generate"] = round(time.perf_counter() - started, 1)
    return out, manifest


def _sync(src: Path, previous: Path, work: Path) -> dict:
    """The engine's synchronisation of the DP4 with the previous DPT, in a child, timed."""
    work.mkdir(parents=True, exist_ok=True)
    out = work / "sync_outcomes.parquet"
    load_before = _load()
    wall, rss, info = _run_child(
        SYNC_CHILD, [str(src / "dp4.csv"), str(previous / "previous_dpt.csv"), str(out)]
    )
    print(f"  sync: {wall:.1f} s, {rss:,.0f} MB", flush=True)
    stats = info["stats"]
    return {
        "wall_seconds": round(wall, 2),
        "sync_seconds": round(info["seconds"], 2),
        "peak_rss_mb": round(rss, 1),
        "load_average_before": load_before,
        "load_average_after": _load(),
        "counts": {k: stats[k] for k in ("dp4_rows", "found_by_nik", "found_by_fuzzy", "new",
                                         "new_turning_17", "previous_rows", "missing")},
        "outcomes": str(out),
    }  # fmt: skip


def _pipeline(src: Path, repeat: int, work: Path, sync: Path | None = None) -> dict:
    from pilkada.engine.dedup import evaluate

    runs = []
    args = [str(src / "dp4.csv"), str(work)] + ([str(sync)] if sync else [])
    for i in range(repeat):
        load_before = _load()
        wall, rss, info = _run_child(PIPELINE_CHILD, args)
        runs.append(
            {
                "wall_seconds": wall,
                "peak_rss_mb": rss,
                "load_average_before": load_before,
                "load_average_after": _load(),
                **info,
            }
        )
        print(
            f"  pipeline run {i + 1}/{repeat}: {wall:.1f} s, {rss:,.0f} MB "
            f"(load {load_before} -> {_load()})",
            flush=True,
        )
    scores = evaluate(_result_from(work), src / "truth.csv")
    return {
        "wall_seconds_median": statistics.median(r["wall_seconds"] for r in runs),
        "pipeline_seconds_median": statistics.median(r["seconds"] for r in runs),
        "peak_rss_mb_max": max(r["peak_rss_mb"] for r in runs),
        "runs": [
            {
                "wall_seconds": round(r["wall_seconds"], 2),
                "pipeline_seconds": round(r["seconds"], 2),
                "peak_rss_mb": round(r["peak_rss_mb"], 1),
                "load_average_before": r["load_average_before"],
                "load_average_after": r["load_average_after"],
                "stage_seconds": r["stats"]["timings"],
            }
            for r in runs
        ],
        "stats": {k: v for k, v in runs[-1]["stats"].items() if k != "timings"},
        "quality": _summary(scores),
        "evaluation": scores,
    }


def _pair_scores(pairs, truth_csv: Path) -> dict:
    """Precision/recall of a plain list of predicted pairs (id_a, id_b, same_nik)."""
    import polars as pl

    truth = pl.read_csv(truth_csv, infer_schema=False).select(
        pl.col("line").cast(pl.Int64), pl.col("person_id").cast(pl.Int64)
    )
    multi = truth.filter(pl.col("person_id").is_duplicated())
    true_pairs = (
        multi.join(multi, on="person_id", suffix="_r")
        .filter(pl.col("line") < pl.col("line_r"))
        .select(a="line", b="line_r")
    )
    pred = pairs.join(truth.rename({"line": "a", "person_id": "pa"}), on="a").join(
        truth.rename({"line": "b", "person_id": "pb"}), on="b"
    )
    pred = pred.with_columns(tp=pl.col("pa") == pl.col("pb"))
    # Which true pairs share a NIK is read from the DP4 file through the predictions and
    # the generator's defect kinds: same-NIK copies are 'duplicate_same_nik'.
    kinds = pl.read_csv(truth_csv, infer_schema=False).select(
        b=pl.col("line").cast(pl.Int64), of=pl.col("of_line").cast(pl.Int64), defect="defect"
    )
    copies = kinds.filter(pl.col("of").is_not_null()).select(
        a=pl.min_horizontal("b", "of"), b=pl.max_horizontal("b", "of"), defect="defect"
    )
    true_pairs = true_pairs.join(copies, on=["a", "b"], how="left")
    out = {}
    for name, same in (("exact_nik", True), ("different_nik", False)):
        p = pred.filter(pl.col("same_nik") == same)
        actual = true_pairs.filter((pl.col("defect") == "duplicate_same_nik") == same).height
        tp = int(p["tp"].sum())
        out[name] = {
            "predicted": p.height,
            "actual": actual,
            "precision": tp / p.height if p.height else 1.0,
            "recall": tp / actual if actual else 1.0,
        }
    return out


def _baseline(src: Path) -> dict:
    import polars as pl

    out = ROOT / "bench" / "data" / "dedup_work" / f"baseline_{src.name}.parquet"
    out.parent.mkdir(parents=True, exist_ok=True)
    wall, rss, info = _run_child(BASELINE_CHILD, [str(src / "dp4.csv"), str(out)])
    print(f"  baseline: {wall:.1f} s, {rss:,.0f} MB", flush=True)
    pairs = pl.read_parquet(out).select(
        a="line_l", b="line_r", same_nik=(pl.col("nik_l") == pl.col("nik_r")).fill_null(False)
    )
    return {
        "wall_seconds": round(wall, 2),
        "splink_seconds": round(info["seconds"], 2),
        "peak_rss_mb": round(rss, 1),
        "pairs_at_0.9": info["pairs"],
        "quality": _pair_scores(pairs, src / "truth.csv"),
        "description": "Splink DuckDB: NameComparison(nama), DateOfBirthComparison, "
        "Levenshtein(nik, 1, 2), exact nkk / jenis_kelamin / tempat_lahir (tf) / kelurahan; "
        "blocking nik | nama+tanggal_lahir | nkk; u by random sampling (1e7 pairs), EM on "
        "tanggal_lahir and on nkk (EM on nama alone, the other obvious choice, went past 19 GB "
        "at 1 M rows: SITI, SRI and MUHAMMAD make blocks of tens of thousands); predict at "
        "match probability 0.9",
    }


def _operating_points(src: Path, work: Path) -> list[dict]:
    """Different-NIK precision and recall of the run's kept pairs (P >= keep_floor) at other
    thresholds: each of :data:`FIXED_THRESHOLDS`, and the threshold the pipeline's rule picks
    for each of :data:`TARGET_PRECISIONS`. ``expected`` is the mean match probability of the
    pairs at or above the threshold (what the model expects the precision to be)."""
    import dataclasses

    import polars as pl

    from pilkada.engine.dedup import DedupSettings, evaluate, suggestion_threshold

    result = _result_from(work)
    probability = result.pairs["match_probability"]

    def rule(target: float) -> float:
        return suggestion_threshold(probability, DedupSettings(target_precision=target))

    points = [("threshold", t, t) for t in FIXED_THRESHOLDS]
    points += [("target_precision", p, rule(p)) for p in TARGET_PRECISIONS]
    truth = src / "truth.csv"
    out = []
    for kind, value, threshold in points:
        suggested = pl.col("match_probability") >= threshold
        variant = dataclasses.replace(result, pairs=result.pairs.with_columns(suggested=suggested))
        scores = evaluate(variant, truth)["different_nik"]
        out.append(
            {
                "by": kind,
                "value": value,
                "threshold": round(threshold, 4),
                "suggested": scores["predicted"],
                "precision": round(scores["precision"], 4),
                "recall": round(scores["recall"], 4),
                "expected": round(float(probability.filter(probability >= threshold).mean()), 4),
            }
        )
    print("  operating points (by, value, threshold, precision, recall, expected):", flush=True)
    for p in out:
        print(
            f"    {p['by']:>16} {p['value']:.3f}  t={p['threshold']:.3f}  P={p['precision']:.4f} "
            f"R={p['recall']:.4f}  E={p['expected']:.4f}",
            flush=True,
        )
    return out


def _ceiling(src: Path, variant: str = "none", sync: Path | None = None) -> dict:
    """The oracle bound described in the module docstring (not timed): all candidate pairs."""
    from pilkada.engine.dedup import DedupSettings, find_duplicates

    work = _work(src, variant).with_name("ceiling_" + _work(src, variant).name)
    result = find_duplicates(
        src / "dp4.csv", work_dir=work, settings=DedupSettings(keep_floor=0), sync_outcomes=sync
    )
    return _oracle(src, work, result.pairs)


def _oracle(src: Path, work: Path, scored) -> dict:
    """Best recall at precision 0.99 / 0.995 of any rule on the evidence patterns of the
    scored pairs ``scored`` (a ``DedupResult.pairs`` frame; ``work`` has its features)."""
    import polars as pl

    from pilkada.engine.dedup_model import COMPARISONS

    truth = pl.read_csv(
        src / "truth.csv", infer_schema=False, columns=["line", "person_id", "defect"]
    ).select(pl.col("line").cast(pl.Int64), pl.col("person_id").cast(pl.Int64), "defect")
    actual = truth.filter(
        pl.col("defect").is_in(
            ["duplicate_nik_typo", "duplicate_nik_transposed", "duplicate_new_serial"]
        )
    ).height
    feats = pl.read_parquet(work / "features.parquet", columns=["rid", "nkey_tf"])
    freq = feats.group_by("nkey_tf").len()
    feats = feats.join(freq, on="nkey_tf", how="left").select("rid", n="len")
    pairs = (
        scored.join(truth.select(id_a="line", pa="person_id"), on="id_a")
        .join(truth.select(id_b="line", pb="person_id"), on="id_b")
        .join(feats.select(id_a="rid", na="n"), on="id_a", how="left")
        .join(feats.select(id_b="rid", nb="n"), on="id_b", how="left")
        .with_columns(
            tp=pl.col("pa") == pl.col("pb"),
            # How common the more common of the two names is, in powers of two.
            tfb=pl.max_horizontal("na", "nb").log(2).round(0),
        )
    )
    pattern = [f"level_{c.name}" for c in COMPARISONS if f"level_{c.name}" in pairs.columns]
    pattern.append("tfb")
    ranked = (
        pairs.group_by(pattern)
        .agg(n=pl.len(), tp=pl.col("tp").sum())
        .sort(pl.col("tp") / pl.col("n"), descending=True)
        .with_columns(ctp=pl.col("tp").cum_sum(), cn=pl.col("n").cum_sum())
        .with_columns(precision=pl.col("ctp") / pl.col("cn"), recall=pl.col("ctp") / actual)
    )
    best = {}
    for target in (0.99, 0.995):
        ok = ranked.filter(pl.col("precision") >= target)
        best[f"recall_at_precision_{target}"] = round(float(ok["recall"].max() or 0.0), 4)
    return {
        "candidate_pairs": pairs.height,
        "true_pairs_among_candidates": int(pairs["tp"].sum()),
        "true_pairs_different_nik": actual,
        "blocking_recall": round(int(pairs["tp"].sum()) / actual, 4),
        **best,
    }


def _ceiling_only(sizes: list[int], variants: list[str], seed: int) -> int:
    """``--ceiling-only``: the oracle and the operating points on the pairs an earlier run of
    this benchmark kept (P >= keep_floor, not all candidates: at 8.2 M rows scoring every
    candidate again would be a second full run). Merged into
    ``bench/results/dedup_ceiling.json``."""
    import polars as pl

    out = RESULTS.with_name("dedup_ceiling.json")
    report = json.loads(out.read_text()) if out.exists() else {}
    report["command"] = "python bench/dedup.py " + " ".join(sys.argv[1:])
    report.setdefault("sizes", {})
    for voters in sizes:
        src = _population_dir(voters, seed)
        for variant in variants:
            work = _work(src, variant)
            if not (work / "pairs.parquet").exists():
                raise SystemExit(f"no earlier run under {work}: run the benchmark first")
            entry = _oracle(src, work, pl.read_parquet(work / "pairs.parquet"))
            entry["pairs"] = "kept by the run (P >= keep_floor 0.01)"
            entry["operating_points"] = _operating_points(src, work)
            entry["when"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            report["sizes"].setdefault(_seeded(str(voters), seed), {})[variant] = entry
            print(voters, variant, entry, flush=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print(f"wrote {out}")
    return 0


def _variant(text: str) -> str:
    if text == "none":
        return text
    share = float(text)
    if not 0.0 <= share <= 1.0:
        raise argparse.ArgumentTypeError("a variant is 'none' or a share between 0 and 1")
    return f"{share:g}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument("--repeat", type=int, default=3, help="runs below 2 M rows")
    parser.add_argument("--repeat-large", type=int, default=1, help="runs from 2 M rows")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-ceiling", action="store_true")
    parser.add_argument(
        "--variants",
        type=_variant,
        nargs="+",
        default=["none", "0", "0.3"],
        help="'none' (no synchronisation evidence) or the share of duplicate copies also on "
        "the previous DPT (the previous DPT is derived and synchronised first)",
    )
    parser.add_argument(
        "--ceiling-only",
        action="store_true",
        help="only the oracle, on the pairs an earlier run kept (no pipeline, no timing)",
    )
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT / "src"))
    if args.ceiling_only:
        return _ceiling_only(args.sizes, args.variants, args.seed)

    import duckdb
    import polars
    import splink

    command = "python bench/dedup.py " + " ".join(argv if argv is not None else sys.argv[1:])
    report: dict = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    report.update(
        {
            "benchmark": "dedup",
            "command": command,
            "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "machine": {
                "platform": platform.platform(),
                "python": platform.python_version(),
                "cpus": os.cpu_count(),
            },
            "versions": {
                "splink": splink.__version__,
                "duckdb": duckdb.__version__,
                "polars": polars.__version__,
            },
            "targets": {
                "seconds_at_8214007": 600,
                "peak_rss_mb": 8192,
                "exact_nik": [1.0, 1.0],
                "different_nik_precision": 0.99,
                "different_nik_recall": 0.97,
            },
        }
    )
    report.setdefault("sizes", {})
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    for voters in args.sizes:
        src = _ensure_population(voters, args.seed)
        print(f"{voters:,} rows", flush=True)
        size = report["sizes"].setdefault(_seeded(str(voters), args.seed), {})
        size.pop("pipeline", None)  # the layout before variants
        size.pop("ceiling", None)
        variants = size.setdefault("variants", {})
        for variant in args.variants:
            print(f" variant {variant}", flush=True)
            entry: dict = {
                "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "command": command,
            }
            work = _work(src, variant)
            sync_path = None
            if variant != "none":
                previous, manifest = _previous_dpt(src, voters, args.seed, float(variant))
                entry["previous_dpt"] = {"dir": str(previous), **manifest}
                entry["sync"] = _sync(src, previous, work)
                sync_path = Path(entry["sync"]["outcomes"])
            repeat = args.repeat if voters < LARGE else args.repeat_large
            entry["pipeline"] = _pipeline(src, repeat, work, sync_path)
            entry["operating_points"] = _operating_points(src, work)
            if voters == 1_000_000 and not args.no_ceiling:
                entry["ceiling"] = _ceiling(src, variant, sync_path)
                print(f"  ceiling {entry['ceiling']}", flush=True)
            variants[variant] = entry
            q = entry["pipeline"]["quality"]["different_nik"]
            print(
                f"  median {entry['pipeline']['wall_seconds_median']:.1f} s, peak "
                f"{entry['pipeline']['peak_rss_mb_max']:,.0f} MB, different-NIK precision "
                f"{q['precision']:.4f} recall {q['recall']:.4f}",
                flush=True,
            )
            RESULTS.write_text(json.dumps(report, indent=2, default=str) + "\n")
        if voters == 1_000_000 and not args.no_baseline:
            size["baseline_splink"] = _baseline(src)
            RESULTS.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: verifikasi administrasi of an independent pair's supporters beside its floor.

Data (generated under ``--out-dir``, git-ignored, reused when present):

* the synthetic population of ``--population-rows`` (default 8,214,007) DP4 rows, seed
  ``--seed`` (``pilkada synth population``; when its directory exists without
  ``manifest.json`` another benchmark is writing it: this one waits);
* the supporter lists of two pairs (``pilkada synth supporters``): pair 1 with ``--rows``
  (default 1,229,777, the Jakarta 2024 correction round) and pair 2 with ``--other-rows``
  (default 100,000), so that double support across pairs exists;
* the register the service verifies against: the population's ``dp4.csv`` through the DP4
  import (:func:`pilkada.engine.dp4_import.read_and_validate`: the rows the service loads,
  accepted and flagged), struck as coklit and the duplicate review leave it (TMS 1, 2, 3, 4,
  6, 7 from the population truth), written to Parquet
  (:func:`pilkada.synth.supporters.write_register`; untimed, its time is reported);
* ``prior.parquet``: pair 2 imported and verified first (untimed), as the supporters on record
  when pair 1's list is verified; ``barred.parquet``: the NIK list KPU uploads.

Phases, each run ``--repeat`` times (default 3) in a child process, alternating; wall time of
the child (interpreter start-up included), the child's own timing, and its peak RSS
(``os.wait4``'s ``ru_maxrss``); medians:

* ``floor`` -- one DuckDB join of the supporter file (CSV, as uploaded) and the register file
  (Parquet) on NIK, counting the matches: the least any verification must do;
* ``engine`` -- the engine end to end: :func:`pilkada.engine.support_import.read_supporters`
  (read, validate, rejects file, staged Parquet) then
  :func:`pilkada.engine.support_verify.verify_support` (every check, result Parquet written,
  counts per status, reason and region), with stage timings.

Quality of the engine's last run against the generator's truth: per reason code (and the
rejects) precision and recall, the status confusion, and the other pair's rows to hold.

A ``service`` phase (results stored in the database through the candidacy service) is added by
registering a function in :data:`PHASES` (see :func:`phase_engine` for the shape).

    .venv/bin/python bench/support_verify.py [--rows 1229777] [--other-rows 100000]
        [--population-rows 8214007] [--seed 2024] [--repeat 3] [--phases floor engine]
        [--threads N] [--out-dir bench/data] [--results bench/results/support_verify.json]

Results go to ``bench/results/support_verify.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from common import machine_info

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "support_verify.json"
FULL_POPULATION = 8_214_007
FULL_ROWS = 1_229_777
OTHER_ROWS = 100_000
TARGET_SECONDS = 30.0
REFERENCE_DATE = "2024-11-27"

FLOOR_CHILD = r"""
import json, sys, time
import duckdb
csv, register, threads = sys.argv[1], sys.argv[2], int(sys.argv[3])
started = time.perf_counter()
con = duckdb.connect()
con.execute("SET enable_progress_bar = false")
if threads:
    con.execute(f"SET threads = {threads}")
matches = con.execute(
    "SELECT count(*) FROM read_csv($csv, all_varchar = true) s "
    "JOIN read_parquet($register) r ON s.nik = r.nik",
    {"csv": csv, "register": register},
).fetchone()[0]
print(json.dumps({"seconds": time.perf_counter() - started, "matches": matches}))
"""

ENGINE_CHILD = r"""
import datetime as dt, json, sys, time
started = time.perf_counter()
from pilkada.engine.support_import import read_supporters
from pilkada.engine.support_verify import verify_support
(csv, register, prior, barred, work, pair, reference, threads) = sys.argv[1:9]
work = __import__("pathlib").Path(work)
imported = time.perf_counter()
outcome = read_supporters(
    csv, reference_date=dt.date.fromisoformat(reference), region_code="31",
    rejects_path=work / "rejects.csv", staging_path=work / "staged.parquet",
)
read_done = time.perf_counter()
verified = verify_support(
    work / "staged.parquet", pair_id=int(pair), register=register,
    prior=prior or None, barred=barred or None,
    reference_date=dt.date.fromisoformat(reference), out_path=work / "result.parquet",
    threads=int(threads) or None,
)
done = time.perf_counter()
verified.hold.write_parquet(work / "hold.parquet")
print(json.dumps({
    "seconds": done - imported,
    "import_modules_seconds": imported - started,
    "read_validate_seconds": read_done - imported,
    "verify_seconds": done - read_done,
    "import": outcome.as_dict(),
    "verify": verified.as_dict(),
}, default=str))
"""


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT / "src") + (
        os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else ""
    )
    env.setdefault("PILKADA_ALLOW_EPHEMERAL_KEY", "1")
    env["DJANGO_SETTINGS_MODULE"] = "pilkada.settings"
    return env


def _run_child(code: str, args: list[str]) -> tuple[float, float, dict]:
    """Run ``code`` in a child Python; return (wall seconds, peak RSS MB, its JSON line with
    ``cpu_seconds``: the child's user + system CPU time, all threads)."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(err.decode(errors="replace")[-4000:])
        raise SystemExit(f"child failed: {args}")
    last = json.loads(out.decode().strip().splitlines()[-1])
    last["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return seconds, usage.ru_maxrss / 1024.0, last


# ---------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------


def ensure_population(rows: int, seed: int, out_dir: Path) -> Path:
    target = out_dir / f"synth_population_{rows}"
    waited = 0
    while target.exists() and not (target / "manifest.json").exists():
        if waited == 0:
            print(f"{target} is being written by another run: waiting ...", flush=True)
        time.sleep(10)
        waited += 10
        if waited > 3600:
            raise SystemExit(f"{target} still has no manifest.json after an hour")
    if (target / "manifest.json").exists():
        manifest = json.loads((target / "manifest.json").read_text())
        if manifest["parameters"]["seed"] == seed:
            return target
        raise SystemExit(f"{target} was generated with another seed")
    print(f"generating the population ({rows:,} rows, seed {seed}) into {target} ...")
    subprocess.run(
        [sys.executable, "-m", "pilkada.cli", "synth", "population", "--voters", str(rows),
         "--seed", str(seed), "--out", str(target)],
        env=_env(), check=True,
    )  # fmt: skip
    return target


@dataclass
class Dataset:
    population: Path
    directory: Path
    supporters: Path  # pair 1's file (timed)
    other: Path  # pair 2's file (verified first, untimed)
    truth: Path
    register: Path
    barred: Path
    prior: Path
    manifest: dict
    register_info: dict


def ensure_dataset(args) -> Dataset:
    import polars as pl

    from pilkada.synth.supporters import SupporterParams, write_register, write_supporters

    population = ensure_population(args.population_rows, args.seed, args.out_dir)
    directory = args.out_dir / f"support_verify_{args.population_rows}_{args.rows}"
    directory.mkdir(parents=True, exist_ok=True)
    params = SupporterParams(rows=(args.rows, args.other_rows), seed=args.seed)
    manifest_path = directory / "supporters_manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else None
    if manifest is None or manifest["parameters"] != params.to_dict():
        print(f"generating supporter lists {params.rows} into {directory} ...", flush=True)
        started = time.perf_counter()
        manifest = write_supporters(population, directory, params)
        manifest["seconds_to_generate"] = round(time.perf_counter() - started, 1)
        manifest_path.write_text(json.dumps(manifest, indent=2) + "\n")
        for stale in ("register.parquet", "prior.parquet", "register_info.json"):
            (directory / stale).unlink(missing_ok=True)
    register = directory / "register.parquet"
    info_path = directory / "register_info.json"
    if not register.exists() or not info_path.exists():
        print("building the register (DP4 through the DP4 import, TMS from the truth) ...")
        started = time.perf_counter()
        info = write_register(population, register, work_dir=directory)
        info["seconds_to_build"] = round(time.perf_counter() - started, 1)
        info_path.write_text(json.dumps(info, indent=2) + "\n")
    register_info = json.loads(info_path.read_text())
    barred = directory / "barred.parquet"
    if not barred.exists():
        pl.read_csv(directory / "barred.csv", infer_schema=False).write_parquet(barred)
    prior = directory / "prior.parquet"
    if not prior.exists():
        print("verifying pair 2 first (its rows are on record when pair 1 is verified) ...")
        work = directory / "work_pair2"
        work.mkdir(exist_ok=True)
        _run_child(
            ENGINE_CHILD,
            [str(directory / "supporters_2.csv"), str(register), "", str(barred), str(work),
             "2", REFERENCE_DATE, "0"],
        )  # fmt: skip
        pl.read_parquet(work / "result.parquet").select(
            "nik",
            pl.lit(2, dtype=pl.Int64).alias("pair_id"),
            (pl.col("line") + 2_000_000_000).alias("supporter_id"),
            "status",
        ).write_parquet(prior)
    return Dataset(
        population=population,
        directory=directory,
        supporters=directory / "supporters_1.csv",
        other=directory / "supporters_2.csv",
        truth=directory / "supporters_truth.csv",
        register=register,
        barred=barred,
        prior=prior,
        manifest=manifest,
        register_info=register_info,
    )


# ---------------------------------------------------------------------------------------
# Phases
# ---------------------------------------------------------------------------------------


def phase_floor(data: Dataset, args, run: int) -> dict:
    wall, rss, info = _run_child(
        FLOOR_CHILD, [str(data.supporters), str(data.register), str(args.threads)]
    )
    return {"wall_seconds": wall, "seconds": info["seconds"], "peak_rss_mb": rss,
            "cpu_seconds": info["cpu_seconds"], "matches": info["matches"]}  # fmt: skip


def phase_engine(data: Dataset, args, run: int) -> dict:
    work = data.directory / "work_engine"
    work.mkdir(exist_ok=True)
    wall, rss, info = _run_child(
        ENGINE_CHILD,
        [str(data.supporters), str(data.register), str(data.prior), str(data.barred),
         str(work), "1", REFERENCE_DATE, str(args.threads)],
    )  # fmt: skip
    return {
        "wall_seconds": wall,
        "seconds": info["seconds"],
        "peak_rss_mb": rss,
        "cpu_seconds": info["cpu_seconds"],
        "read_validate_seconds": info["read_validate_seconds"],
        "verify_seconds": info["verify_seconds"],
        "import_modules_seconds": info["import_modules_seconds"],
        "verify_stage_seconds": info["verify"]["stage_seconds"],
        "verify_stage_cpu_seconds": info["verify"]["stage_cpu_seconds"],
        "import": {k: info["import"][k] for k in ("read", "accepted", "flagged", "rejected",
                                                  "blank", "repeated_headers", "reconciles")},
        "by_status": info["verify"]["by_status"],
        "by_reason": info["verify"]["by_reason"],
        "hold_other_pairs": info["verify"]["hold_other_pairs"],
        "work": str(work),
    }  # fmt: skip


#: Phase name -> function(data, args, run index) -> dict with at least ``wall_seconds``,
#: ``seconds`` and ``peak_rss_mb``. A ``service`` phase (the candidacy service storing the
#: results in SQLite / PostgreSQL) is added here.
PHASES: dict[str, Callable[[Dataset, argparse.Namespace, int], dict]] = {
    "floor": phase_floor,
    "engine": phase_engine,
}


# ---------------------------------------------------------------------------------------
# Quality
# ---------------------------------------------------------------------------------------


def quality(data: Dataset, work: Path) -> dict:
    """The engine's verdicts for pair 1 against the generator's truth."""
    import polars as pl

    truth = pl.read_csv(data.truth, infer_schema=False).with_columns(
        pl.col("pair").cast(pl.Int64), pl.col("line").cast(pl.Int64)
    )
    mine = truth.filter(pl.col("pair") == 1)
    result = pl.read_parquet(work / "result.parquet")
    rejects = pl.read_csv(work / "rejects.csv", infer_schema=False)
    got = pl.concat(
        [
            result.select("line", "status", pl.col("reason").fill_null("")),
            rejects.select(
                pl.col("line").cast(pl.Int64),
                pl.lit("rejected").alias("status"),
                pl.col("reason_code").alias("reason"),
            ),
        ]
    )
    both = mine.join(got, on="line", how="full", suffix="_got", coalesce=True)
    lost = both.filter(pl.col("status").is_null() | pl.col("expected").is_null()).height
    both = both.with_columns(
        pl.col("reason").fill_null("(none)"),
        pl.col("reason_got").fill_null("(none)"),
        pl.col("expected").fill_null("(none)"),
        pl.col("status").fill_null("(none)"),
    )
    codes = sorted(set(both["reason"].to_list()) | set(both["reason_got"].to_list()) - {""})
    per_reason = {}
    for code in codes:
        if code == "":
            continue
        actual = both["reason"] == code
        predicted = both["reason_got"] == code
        tp = int((actual & predicted).sum())
        fp = int((~actual & predicted).sum())
        fn = int((actual & ~predicted).sum())
        per_reason[code] = {
            "actual": int(actual.sum()),
            "predicted": int(predicted.sum()),
            "precision": round(tp / (tp + fp), 6) if tp + fp else None,
            "recall": round(tp / (tp + fn), 6) if tp + fn else None,
        }
    confusion = both.group_by("expected", "status").len().sort("expected", "status").rows()
    # The other pair's rows to hold: pair 2's double_other_pair rows.
    hold = pl.read_parquet(work / "hold.parquet")
    expected_hold = set(
        (
            truth.filter((pl.col("pair") == 2) & (pl.col("reason") == "double_other_pair"))["line"]
            + 2_000_000_000
        ).to_list()
    )
    got_hold = set(hold["supporter_id"].to_list())
    return {
        "rows_in_truth": mine.height,
        "rows_unaccounted": lost,
        "exact_agreement": int(
            ((both["reason"] == both["reason_got"]) & (both["expected"] == both["status"])).sum()
        ),
        "per_reason": per_reason,
        "status_confusion": [{"expected": e, "got": s, "rows": n} for e, s, n in confusion],
        "hold_other_pair": {
            "expected": len(expected_hold),
            "found": len(got_hold & expected_hold),
            "extra": len(got_hold - expected_hold),
        },
    }


# ---------------------------------------------------------------------------------------
# Main
# ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=FULL_ROWS, help="pair 1's supporter rows")
    parser.add_argument("--other-rows", type=int, default=OTHER_ROWS, help="pair 2's rows")
    parser.add_argument("--population-rows", type=int, default=FULL_POPULATION)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--phases", nargs="+", default=["floor", "engine"], choices=list(PHASES))
    parser.add_argument("--threads", type=int, default=0, help="DuckDB threads (0: default)")
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    sys.path.insert(0, str(ROOT / "src"))

    data = ensure_dataset(args)
    for path in (data.supporters, data.register):  # warm the page cache alike for every run
        with open(path, "rb") as f:
            while f.read(64 << 20):
                pass
    print(
        f"pair 1: {args.rows:,} rows ({data.supporters.stat().st_size / 1e6:,.0f} MB) against "
        f"a register of {data.register_info['rows']:,} rows; {args.repeat} run(s) per phase",
        flush=True,
    )
    runs: dict[str, list[dict]] = {name: [] for name in args.phases}
    for i in range(args.repeat):
        for name in args.phases:
            before = _load()
            result = PHASES[name](data, args, i)
            result["load_average_before"] = before
            result["load_average_after"] = _load()
            runs[name].append(result)
            print(
                f"  {name:<8} run {i + 1}/{args.repeat}: {result['wall_seconds']:6.2f} s wall, "
                f"{result['seconds']:6.2f} s inside, {result['cpu_seconds']:6.2f} s CPU, "
                f"{result['peak_rss_mb']:7,.0f} MB "
                f"(load {before})",
                flush=True,
            )
    summary: dict = {}
    for name, results in runs.items():
        entry = {
            "wall_seconds_median": round(statistics.median(r["wall_seconds"] for r in results), 2),
            "seconds_median": round(statistics.median(r["seconds"] for r in results), 2),
            "peak_rss_mb_median": round(statistics.median(r["peak_rss_mb"] for r in results)),
            "cpu_seconds_median": round(statistics.median(r["cpu_seconds"] for r in results), 2),
            "runs": results,
        }
        if name == "engine":
            entry["read_validate_seconds_median"] = round(
                statistics.median(r["read_validate_seconds"] for r in results), 2
            )
            entry["verify_seconds_median"] = round(
                statistics.median(r["verify_seconds"] for r in results), 2
            )
            stages = results[0]["verify_stage_seconds"].keys()
            entry["verify_stage_seconds_median"] = {
                s: round(statistics.median(r["verify_stage_seconds"][s] for r in results), 3)
                for s in stages
            }
            entry["verify_stage_cpu_seconds_median"] = {
                s: round(statistics.median(r["verify_stage_cpu_seconds"][s] for r in results), 3)
                for s in stages
            }
        summary[name] = entry
    if "engine" in summary:
        summary["engine"]["quality"] = quality(data, Path(runs["engine"][-1]["work"]))
        if "floor" in summary:
            summary["engine_over_floor"] = round(
                summary["engine"]["wall_seconds_median"] / summary["floor"]["wall_seconds_median"],
                2,
            )
        summary["targets"] = {
            "under_30_seconds_engine_wall": summary["engine"]["wall_seconds_median"]
            <= TARGET_SECONDS,
        }
    import duckdb
    import polars

    report = {
        "benchmark": "support_verify",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            ["bench/support_verify.py", *(argv if argv is not None else sys.argv[1:])]
        ),
        "machine": machine_info(polars=polars.__version__, duckdb=duckdb.__version__),
        "rows": args.rows,
        "other_rows": args.other_rows,
        "population_rows": args.population_rows,
        "seed": args.seed,
        "repeat": args.repeat,
        "reference_date": REFERENCE_DATE,
        "supporters_file": str(data.supporters),
        "supporters_bytes": data.supporters.stat().st_size,
        "register": {"file": str(data.register), **data.register_info},
        "generated": {k: data.manifest[k] for k in ("pairs", "barred_rows", "objections")},
        "note": "wall = the measuring child's whole life (interpreter start-up and imports "
        "included); seconds = the child's own timing of the work; cpu_seconds = the child's "
        "user + system CPU time over all threads (os.wait4), less sensitive than wall time "
        "to other jobs on a shared machine. floor = one DuckDB join "
        "of the supporter CSV and the register Parquet on NIK (count of matches); engine = "
        "read_supporters (read, validate, rejects, staged Parquet) + verify_support (every "
        "check, result Parquet, counts). The database load of the results (the service) "
        "is not in these figures.",
        "results": summary,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print()
    for name in args.phases:
        s = summary[name]
        print(
            f"{name:<8} wall {s['wall_seconds_median']:6.2f} s, "
            f"inside {s['seconds_median']:6.2f} s, peak {s['peak_rss_mb_median']:,} MB"
        )
    if "engine" in summary:
        q = summary["engine"]["quality"]
        print(f"quality: {q['exact_agreement']:,} of {q['rows_in_truth']:,} rows as the truth says")
        for code, m in q["per_reason"].items():
            print(
                f"  {code:<22} precision {m['precision']}  recall {m['recall']}  ({m['actual']:,})"
            )
        print(f"  hold other pair: {q['hold_other_pair']}")
    print(f"\nwrote {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: the DP4 / previous-DPT synchronisation engine (``pilkada.engine.sync``) beside
its floor, a plain NIK join, at the full DKI size.

Input: the generator's DP4 (``bench/data/synth_population_<N>/dp4.csv``, seed 2024; generated
with ``pilkada synth population`` when missing). A previous DPT is derived from it,
deterministically (hash of the line), untimed:

* people born after the previous voting day minus 17 years are not on it (they turn 17
  since: new voters), and a further 3 % are left out (new arrivals);
* 1 % of those on it carry another NIK there (a corrected NIK: to be found by name and
  birth date);
* 2 % extra rows are people who have left since (another NIK serial and birth year: to be
  reported missing).

Both lists are written to Parquet (``voter_id, nik, nama, tanggal_lahir, kelurahan_code``), so
the engine and the floor read the same bytes. Then, each in a child process (wall time of
the child, its peak RSS from ``os.wait4``), ``--repeat`` times, median:

* **engine** -- ``synchronise(dp4.parquet, previous.parquet, ...)``, which also writes its
  per-row result for the quality check;
* **floor** -- the same files read with Polars, the DP4 joined to the previous DPT on NIK
  (semi/anti joins both ways) and counted per kelurahan: what any synchronisation must pay.

Quality (from the child's output, against the truth file's ``person_id``): a DP4 row found
in the previous DPT is correct when the matched previous row is the same person.

    .venv/bin/python bench/sync.py [--voters 8214007] [--repeat 1] [--seed 2024]

Results go to ``bench/results/sync.json``.

``--service`` measures the whole Django path instead, at ``--voters`` rows (default there:
1,000,000): a fresh database (SQLite in a scratch data directory, or ``DATABASE_URL``), the
DP4 and the derived previous DPT (full DP4 columns) imported with ``pilkada voters import``,
then ``pilkada voters sync --json`` timed (read set-based, engine, one SyncMatch per row and
the counts stored, audit), beside the engine alone on the same rows. Results go to
``bench/results/sync_service_<vendor>.json``.
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
from pathlib import Path

import polars as pl

from common import machine_info

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "sync.json"
VOTING_DAY = dt.date(2024, 11, 27)
PREVIOUS_DAY = dt.date(2024, 2, 14)
#: Previous-DPT ids: the DP4 line plus this (rows of people who left: plus twice this).
OFFSET = 100_000_000

ENGINE_CHILD = """
import datetime as dt, json, sys, time
from pilkada.engine.sync import synchronise
dp4, prev, out = sys.argv[1:4]
started = time.perf_counter()
result = synchronise(dp4, prev, voting_day=dt.date(2024, 11, 27),
                     previous_voting_day=dt.date(2024, 2, 14))
seconds = time.perf_counter() - started
result.dp4.select("voter_id", "method", "matched_voter_id").write_parquet(out)
print(json.dumps({"seconds": seconds, "stats": result.stats}, default=str))
"""

FLOOR_CHILD = """
import json, sys, time
import polars as pl
dp4, prev = sys.argv[1:3]
started = time.perf_counter()
d = pl.read_parquet(dp4, columns=["voter_id", "nik", "kelurahan_code"])
p = pl.read_parquet(prev, columns=["voter_id", "nik", "kelurahan_code"])
pn = p.select("nik").unique()
dn = d.select("nik").unique()
dc = d.with_columns(found=pl.col("nik").is_in(pn["nik"].implode())).group_by(
    "kelurahan_code").agg(rows=pl.len(), found=pl.col("found").sum())
pc = p.with_columns(found=pl.col("nik").is_in(dn["nik"].implode())).group_by(
    "kelurahan_code").agg(rows=pl.len(), found=pl.col("found").sum())
counts = dc.join(pc, on="kelurahan_code", how="full", coalesce=True, suffix="_prev")
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "found": int(dc["found"].sum()),
                  "kelurahan": counts.height}))
"""


def run_measured(code: str, *args: str) -> dict:
    """Run a child and take its peak RSS (ru_maxrss, KiB on Linux) from wait4."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if status != 0:
        raise RuntimeError(err.decode()[-3000:])
    data = json.loads(out.decode().strip().splitlines()[-1])
    data["wall_seconds"] = round(wall, 3)
    data["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return data


def ensure_population(voters: int, seed: int) -> Path:
    directory = ROOT / "bench" / "data" / f"synth_population_{voters}"
    if not (directory / "dp4.csv").exists() or not (directory / "manifest.json").exists():
        subprocess.run(
            [
                str(Path(sys.executable).parent / "pilkada"), "synth", "population",
                "--voters", str(voters), "--seed", str(seed), "--out", str(directory),
            ],
            check=True,
        )  # fmt: skip
    return directory


def derive(population: Path, work: Path, seed: int) -> dict:
    """dp4.parquet and previous.parquet in ``work`` (see the module docstring)."""
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    dp4 = (
        pl.scan_csv(
            population / "dp4.csv", infer_schema=False, row_index_name="line", row_index_offset=2
        )
        .select(
            voter_id=pl.col("line").cast(pl.Int64),
            nik="nik",
            nama="nama",
            tanggal_lahir=pl.col("tanggal_lahir").str.to_date("%Y-%m-%d", strict=False),
            kelurahan_code=pl.col("kode_kelurahan").str.replace_all(".", "", literal=True),
        )
        .collect()
    )
    dp4.write_parquet(work / "dp4.parquet")
    u = (pl.col("voter_id").hash(seed) % 1_000_000) / 1_000_000
    born_limit = dt.date(PREVIOUS_DAY.year - 17, PREVIOUS_DAY.month, PREVIOUS_DAY.day)
    on_it = dp4.filter((pl.col("tanggal_lahir") <= born_limit) & (u >= 0.03))
    digit = pl.col("nik").str.slice(12, 1)
    bumped = pl.when(digit.str.contains(r"^\d$")).then(
        ((digit.cast(pl.Int32, strict=False) + 1) % 10).cast(pl.String)
    ).otherwise(pl.lit("0"))
    other_nik = pl.col("nik").str.slice(0, 12) + bumped + pl.col("nik").str.slice(13)
    on_it = on_it.with_columns(_corrected=(u >= 0.03) & (u < 0.04))
    previous = on_it.with_columns(
        voter_id=pl.col("voter_id") + OFFSET,
        nik=pl.when("_corrected").then(other_nik).otherwise(pl.col("nik")),
    )
    gone = dp4.filter((u >= 0.5) & (u < 0.52)).with_columns(
        voter_id=pl.col("voter_id") + 2 * OFFSET,
        nik=other_nik,
        tanggal_lahir=pl.col("tanggal_lahir").dt.offset_by("-1y"),
    )
    previous.filter("_corrected").select("voter_id").write_parquet(work / "corrected.parquet")
    previous = pl.concat([previous.drop("_corrected"), gone])
    previous.write_parquet(work / "previous.parquet")
    return {
        "dp4_rows": dp4.height,
        "previous_rows": previous.height,
        "previous_with_other_nik": int(on_it["_corrected"].sum()),
        "previous_gone": gone.height,
        "seconds": round(time.perf_counter() - started, 1),
    }


def quality(population: Path, result_path: Path, work: Path) -> dict:
    truth = pl.read_csv(
        population / "truth.csv", columns=["line", "person_id"], infer_schema=False
    ).select(pl.col("line").cast(pl.Int64), pl.col("person_id").cast(pl.Int64))
    res = pl.read_parquet(result_path).filter(pl.col("method") != "new")
    source_line = pl.col("matched_voter_id") % OFFSET
    graded = (
        res.with_columns(source=source_line, gone=pl.col("matched_voter_id") >= 2 * OFFSET)
        .join(truth.rename({"line": "voter_id", "person_id": "p_dp4"}), on="voter_id")
        .join(truth.rename({"line": "source", "person_id": "p_prev"}), on="source")
        .with_columns(ok=(pl.col("p_dp4") == pl.col("p_prev")) & ~pl.col("gone"))
    )
    out = {}
    for method in ("nik", "fuzzy"):
        sub = graded.filter(pl.col("method") == method)
        out[method] = {
            "found": sub.height,
            "same_person": int(sub["ok"].sum()),
            "precision": round(float(sub["ok"].mean()), 6) if sub.height else None,
        }
    # Recall of the name + birth date rule on the previous rows given another NIK.
    corrected = pl.read_parquet(work / "corrected.parquet")["voter_id"]
    found = graded.filter(pl.col("method") == "fuzzy", pl.col("ok"))["matched_voter_id"]
    hit = int(corrected.is_in(found.implode()).sum())
    out["fuzzy"]["other_nik_rows"] = corrected.len()
    out["fuzzy"]["other_nik_found"] = hit
    out["fuzzy"]["other_nik_recall"] = round(hit / corrected.len(), 6) if corrected.len() else None
    return out


def derive_full_csv(population: Path, out: Path, seed: int) -> int:
    """The previous DPT with every DP4 column (for the import), by the rule of
    :func:`derive`. Returns its rows."""
    dp4 = pl.read_csv(population / "dp4.csv", infer_schema=False).with_row_index("line", 2)
    u = (pl.col("line").cast(pl.Int64).hash(seed) % 1_000_000) / 1_000_000
    born = pl.col("tanggal_lahir").str.to_date("%Y-%m-%d", strict=False)
    limit = dt.date(PREVIOUS_DAY.year - 17, PREVIOUS_DAY.month, PREVIOUS_DAY.day)
    digit = pl.col("nik").str.slice(12, 1)
    bumped = pl.when(digit.str.contains(r"^\d$")).then(
        ((digit.cast(pl.Int32, strict=False) + 1) % 10).cast(pl.String)
    ).otherwise(pl.lit("0"))
    other_nik = pl.col("nik").str.slice(0, 12) + bumped + pl.col("nik").str.slice(13)
    on_it = dp4.filter((born <= limit) & (u >= 0.03)).with_columns(
        nik=pl.when((u >= 0.03) & (u < 0.04)).then(other_nik).otherwise(pl.col("nik"))
    )
    gone = dp4.filter((u >= 0.5) & (u < 0.52)).with_columns(
        nik=other_nik,
        tanggal_lahir=born.dt.offset_by("-1y").dt.strftime("%Y-%m-%d"),
    )
    previous = pl.concat([on_it, gone]).drop("line")
    previous.write_csv(out)
    return previous.height


OUTCOME_KEYS = (
    "dp4_rows", "found_by_nik", "found_by_fuzzy", "new", "previous_rows", "missing", "reconciles",
)  # fmt: skip


def timed_cli(env: dict, *args: str) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "pilkada"), *args],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    if proc.returncode:
        raise RuntimeError(f"pilkada {' '.join(args)}: {proc.stderr[-3000:]}")
    return round(seconds, 3), proc.stdout


def service(args) -> None:
    voters = args.voters
    population = ensure_population(voters, args.seed)
    work = ROOT / "bench" / "data" / f"sync_service_{voters}"
    vendor = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    data_dir = work / f"var-{vendor}"
    if data_dir.exists():
        import shutil

        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True)
    previous_csv = work / "previous_dpt.csv"
    previous_rows = derive_full_csv(population, previous_csv, args.seed)
    env = {**os.environ, "PILKADA_DATA_DIR": str(data_dir), "PILKADA_HTTPS": "0"}
    timed_cli(env, "setup")
    timed_cli(env, "schedule", "load", "--demo")
    load_env = {**env, "PILKADA_TODAY": "2024-05-01"}
    dp4_import, _ = timed_cli(load_env, "voters", "import", str(population / "dp4.csv"),
                              "--kind", "dp4", "--quiet")  # fmt: skip
    prev_import, _ = timed_cli(load_env, "voters", "import", str(previous_csv),
                               "--kind", "dpt-lama", "--quiet")  # fmt: skip
    sync_env = {**env, "PILKADA_TODAY": "2024-06-10"}
    runs = []
    for _ in range(args.repeat):
        seconds, out = timed_cli(sync_env, "voters", "sync", "--json")
        runs.append((seconds, json.loads(out)))
    wall = statistics.median(r[0] for r in runs)
    data = runs[-1][1]
    # The engine alone on the same rows (Parquet from the CSVs), in a child process.
    engine_dir = work / "engine"
    engine_dir.mkdir(exist_ok=True)
    for name, path in (("dp4", population / "dp4.csv"), ("previous", previous_csv)):
        (
            pl.scan_csv(path, infer_schema=False, row_index_name="voter_id", row_index_offset=2)
            .select(
                pl.col("voter_id").cast(pl.Int64),
                "nik",
                "nama",
                pl.col("tanggal_lahir").str.to_date("%Y-%m-%d", strict=False),
                kelurahan_code=pl.col("kode_kelurahan").str.replace_all(".", "", literal=True),
            )
            .sink_parquet(engine_dir / f"{name}.parquet")
        )
    engine = run_measured(
        ENGINE_CHILD,
        str(engine_dir / "dp4.parquet"),
        str(engine_dir / "previous.parquet"),
        str(engine_dir / "result.parquet"),
    )
    result = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/sync.py", *sys.argv[1:]]),
        "machine": machine_info(polars=pl.__version__),
        "database": vendor,
        "voters": voters,
        "previous_rows": previous_rows,
        "import_seconds": {"dp4": dp4_import, "dpt_lama": prev_import},
        "service": {
            "what": "pilkada voters sync --json (CLI process: Django start, set-based read, "
            "engine, SyncMatch + counts stored, audit)",
            "wall_seconds_median": wall,
            "runs": [r[0] for r in runs],
            "stored_seconds_reported": data.get("seconds"),
            "outcome": {k: data[k] for k in OUTCOME_KEYS},
        },
        "engine_alone": {
            "wall_seconds": engine["wall_seconds"],
            "peak_rss_mb": engine["peak_rss_mb"],
        },
    }
    out = ROOT / "bench" / "results" / f"sync_service_{vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps(result, indent=2, default=str))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--service", action="store_true", help="the whole Django path")
    args = parser.parse_args()
    if args.service:
        args.voters = args.voters or 1_000_000
        service(args)
        return
    args.voters = args.voters or 8_214_007
    population = ensure_population(args.voters, args.seed)
    work = ROOT / "bench" / "data" / f"sync_work_{args.voters}"
    print(f"deriving the previous DPT from {population} ...", flush=True)
    derived = derive(population, work, args.seed)
    print(json.dumps(derived), flush=True)
    dp4, prev, out = (str(work / n) for n in ("dp4.parquet", "previous.parquet", "result.parquet"))
    engine_runs, floor_runs = [], []
    for i in range(args.repeat):
        floor_runs.append(run_measured(FLOOR_CHILD, dp4, prev))
        print(f"floor  #{i + 1}: {floor_runs[-1]['wall_seconds']} s", flush=True)
        engine_runs.append(run_measured(ENGINE_CHILD, dp4, prev, out))
        print(f"engine #{i + 1}: {engine_runs[-1]['wall_seconds']} s", flush=True)
    engine_wall = statistics.median(r["wall_seconds"] for r in engine_runs)
    floor_wall = statistics.median(r["wall_seconds"] for r in floor_runs)
    import pilkada  # noqa: F401  (version of the code measured)

    result = {
        "measured_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(["bench/sync.py", *sys.argv[1:]]),
        "machine": machine_info(polars=pl.__version__),
        "voters": args.voters,
        "derived": derived,
        "engine": {
            "wall_seconds_median": engine_wall,
            "engine_seconds": [round(r["seconds"], 3) for r in engine_runs],
            "peak_rss_mb": max(r["peak_rss_mb"] for r in engine_runs),
            "stats": engine_runs[-1]["stats"],
        },
        "floor": {
            "what": "Polars: read both Parquet files, NIK semi-join both ways, counts per "
            "kelurahan",
            "wall_seconds_median": floor_wall,
            "peak_rss_mb": max(r["peak_rss_mb"] for r in floor_runs),
            "found_by_nik": floor_runs[-1]["found"],
        },
        "ratio_engine_to_floor": round(engine_wall / floor_wall, 2) if floor_wall else None,
        "quality": quality(population, Path(out), work),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps({k: result[k] for k in ("engine", "floor", "ratio_engine_to_floor",
                                             "quality")}, indent=2, default=str))  # fmt: skip


if __name__ == "__main__":
    main()

"""Benchmark: TPS formation at the full DKI size against a trivial floor, plus a re-run.

Reads the generated DP4 (``bench/data/synth_population_<rows>/dp4.csv``; generated with
``write_population(PopulationParams(voters=rows, seed=...))`` if it is not there yet, and
kept, git-ignored, for other benchmarks) with Polars. The voter id is the file line. Every
measurement runs in its own child process, so its peak RSS (``os.wait4`` ``ru_maxrss``) is
its own; the timed part excludes reading the CSV, which every child does first.

* **form** -- ``form_tps(voters, cap=600)`` from scratch (median over ``--repeat``): seconds,
  peak RSS, TPS count against sum over kelurahan of ceil(voters / 600) (the issue's target:
  within 2 %), RT splits and the rest of the diagnostics.
* **floor** -- in the same run, the trivial assignment a formation cannot beat on time:
  ``row_number // cap`` within each kelurahan, in Polars, with the TPS code built the same
  way (no family, RT or neighbour rule; its count is exactly the minimum).
* **rerun** -- the register after 1 % changes (``--change``: 0.4 % removed, 0.4 % new voters
  of whom half join an existing family and half are new families in existing RTs, 0.2 % of the
  families moved to another RT of their kelurahan), formed again with ``previous=`` the first
  plan: seconds, moved voters, and beside it a from-scratch formation of the same changed
  register and how many voters *it* moves.

Results go to ``bench/results/tps_formation.json``.

    .venv/bin/python bench/tps_formation.py [--rows 8214007] [--repeat 3] [--seed 2024]
        [--cap 600] [--change 0.01] [--data-dir bench/data]
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

from common import machine_info

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "tps_formation.json"
DKI_ROWS = 8_214_007
COLUMNS = ["nkk", "alamat", "rt", "rw", "kode_kelurahan"]


# ============================================================================================
# Children
# ============================================================================================


def _load(path: Path):
    import polars as pl

    return (
        pl.read_csv(path, columns=COLUMNS, schema_overrides=dict.fromkeys(COLUMNS, pl.Utf8))
        .with_row_index("voter_id", offset=2)
        .with_columns(pl.col("voter_id").cast(pl.Int64))
        .rename({"kode_kelurahan": "kelurahan_code"})
        .select("voter_id", "kelurahan_code", "rw", "rt", "nkk", "alamat")
    )


def apply_changes(voters, share: float, seed: int):
    """The register after ``share`` of changes: 40 % of them removals, 40 % new voters (half
    new members of existing families, half new families of up to three in existing RTs),
    20 % families moved to another RT of their kelurahan. Deterministic for a seed."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    n = voters.height
    kept = voters.filter(pl.Series(rng.random(n) >= 0.4 * share))
    k = round(0.4 * share * n)
    donors = voters.sample(k, seed=seed)
    base = int(voters["voter_id"].max()) + 1
    members = donors.head(k // 2).with_columns(
        (pl.int_range(pl.len()) + base).cast(pl.Int64).alias("voter_id")
    )
    families = donors.tail(k - k // 2).with_columns(
        (pl.int_range(pl.len()) + base + k).cast(pl.Int64).alias("voter_id"),
        (pl.lit("99") + (pl.int_range(pl.len()) // 3).cast(pl.Utf8).str.zfill(14)).alias("nkk"),
    )
    changed = pl.concat([kept, members, families])
    families_all = changed.select("kelurahan_code", "nkk").unique().sort("kelurahan_code", "nkk")
    moving = families_all.sample(round(0.2 * share * families_all.height), seed=seed)
    rts = changed.select("kelurahan_code", "rw", "rt").unique().sort("kelurahan_code", "rw", "rt")
    # each moving family goes to a random RT of its kelurahan
    moving = moving.with_columns(pl.Series("pick", rng.random(moving.height)))
    rts = rts.with_columns(pl.int_range(pl.len()).over("kelurahan_code").alias("i"))
    count = rts.group_by("kelurahan_code").agg(pl.len().alias("m"))
    targets = (
        moving.join(count, on="kelurahan_code")
        .with_columns((pl.col("pick") * pl.col("m")).floor().cast(pl.Int64).alias("i"))
        .join(rts, on=["kelurahan_code", "i"])
        .select("kelurahan_code", "nkk", pl.col("rw").alias("rw2"), pl.col("rt").alias("rt2"))
    )
    return (
        changed.join(targets, on=["kelurahan_code", "nkk"], how="left")
        .with_columns(pl.coalesce("rw2", "rw").alias("rw"), pl.coalesce("rt2", "rt").alias("rt"))
        .drop("rw2", "rt2")
    )


def child_form(path: Path, cap: int) -> dict:
    from pilkada.engine.tps_formation import form_tps

    voters = _load(path)
    started = time.perf_counter()
    plan = form_tps(voters, cap=cap)
    seconds = time.perf_counter() - started
    methods = plan.kelurahan["method"].value_counts().sort("method").rows()
    return {
        "rows": voters.height,
        "seconds": seconds,
        "diagnostics": plan.diagnostics.to_dict(),
        "methods": dict(methods),
    }


def child_floor(path: Path, cap: int) -> dict:
    import polars as pl

    voters = _load(path)
    started = time.perf_counter()
    out = voters.select(
        "voter_id",
        pl.col("kelurahan_code").str.replace_all(".", "", literal=True).alias("kel"),
    ).with_columns((pl.int_range(pl.len()).over("kel") // cap + 1).alias("tps_number"))
    out = out.with_columns(
        (pl.col("kel") + pl.col("tps_number").cast(pl.Utf8).str.zfill(3)).alias("tps_code")
    )
    tps = out["tps_code"].n_unique()
    seconds = time.perf_counter() - started
    return {"rows": voters.height, "seconds": seconds, "tps": tps}


def child_rerun(path: Path, cap: int, change: float, seed: int) -> dict:
    from pilkada.engine.tps_formation import count_moved, form_tps

    voters = _load(path)
    first = form_tps(voters, cap=cap)
    changed = apply_changes(voters, change, seed)
    started = time.perf_counter()
    again = form_tps(changed, cap=cap, previous=first.assignment)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    scratch = form_tps(changed, cap=cap)
    scratch_seconds = time.perf_counter() - started
    return {
        "rows_before": voters.height,
        "rows_after": changed.height,
        "seconds": seconds,
        "diagnostics": again.diagnostics.to_dict(),
        "moved_voters": again.diagnostics.moved_voters,
        "scratch_seconds": scratch_seconds,
        "scratch_moved_voters": count_moved(first.assignment, scratch.assignment),
        "scratch_tps": scratch.diagnostics.tps,
        "tps_minimum_after": scratch.diagnostics.tps_minimum,
    }


# ============================================================================================
# Parent
# ============================================================================================


def _run_child(args: list[str], env: dict[str, str]) -> tuple[float, float, dict]:
    """Run this script as a child; return (wall seconds, peak RSS MB of the child, result)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), *args]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit(f"child failed: {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024, json.loads(out)


def _machine() -> dict:
    import numpy
    import polars

    return machine_info(polars=polars.__version__, numpy=numpy.__version__)


def _ensure_data(rows: int, seed: int, data_dir: Path, env: dict[str, str]) -> Path:
    target = data_dir / f"synth_population_{rows}"
    dp4 = target / "dp4.csv"
    manifest = target / "manifest.json"
    if dp4.exists() and manifest.exists():
        meta = json.loads(manifest.read_text())
        if meta.get("rows") == rows and meta.get("parameters", {}).get("seed") == seed:
            print(f"reusing {dp4}")
            return dp4
    print(f"generating {rows:,} rows into {target} ...")
    code = (
        "import sys; from pathlib import Path; "
        "from pilkada.synth.population import PopulationParams, write_population; "
        "write_population(PopulationParams(voters=int(sys.argv[1]), seed=int(sys.argv[2])), "
        "Path(sys.argv[3]))"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(rows), str(seed), str(target)], env=env, check=True
    )
    return dp4


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=DKI_ROWS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--cap", type=int, default=600)
    parser.add_argument("--change", type=float, default=0.01)
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument("--child", choices=["form", "floor", "rerun"], help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.child:
        if args.child == "form":
            result = child_form(args.data, args.cap)
        elif args.child == "floor":
            result = child_floor(args.data, args.cap)
        else:
            result = child_rerun(args.data, args.cap, args.change, args.seed)
        print(json.dumps(result))
        return 0

    env = dict(os.environ)
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    args.data_dir.mkdir(parents=True, exist_ok=True)
    dp4 = _ensure_data(args.rows, args.seed, args.data_dir, env)
    common = ["--data", str(dp4), "--cap", str(args.cap)]

    form_runs, floor_runs = [], []
    for i in range(args.repeat):
        wall, peak, res = _run_child(["--child", "form", *common], env)
        res.update(wall_seconds=wall, peak_mb=peak)
        form_runs.append(res)
        print(f"  form   run {i + 1}/{args.repeat}: {res['seconds']:7.1f} s, {peak:7.0f} MB")
        wall, peak, res = _run_child(["--child", "floor", *common], env)
        res.update(wall_seconds=wall, peak_mb=peak)
        floor_runs.append(res)
        print(f"  floor  run {i + 1}/{args.repeat}: {res['seconds']:7.1f} s, {peak:7.0f} MB")
    wall, peak, rerun = _run_child(
        ["--child", "rerun", *common, "--change", str(args.change), "--seed", str(args.seed)],
        env,
    )
    rerun.update(wall_seconds=wall, peak_mb=peak)
    print(
        f"  rerun  ({args.change:.1%} changes): {rerun['seconds']:7.1f} s, "
        f"moved {rerun['moved_voters']:,} (from scratch: {rerun['scratch_moved_voters']:,}), "
        f"{peak:7.0f} MB"
    )

    diag = form_runs[0]["diagnostics"]
    form_s = statistics.median(r["seconds"] for r in form_runs)
    floor_s = statistics.median(r["seconds"] for r in floor_runs)
    report = {
        "benchmark": "tps_formation",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "command": " ".join(
            [".venv/bin/python", "bench/tps_formation.py", *(argv or sys.argv[1:])]
        ),
        "machine": _machine(),
        "rows": args.rows,
        "seed": args.seed,
        "cap": args.cap,
        "repeat": args.repeat,
        "form": {
            "seconds": [round(r["seconds"], 3) for r in form_runs],
            "seconds_median": round(form_s, 3),
            "peak_mb": [round(r["peak_mb"]) for r in form_runs],
            "peak_mb_median": round(statistics.median(r["peak_mb"] for r in form_runs)),
            "tps": diag["tps"],
            "tps_minimum": diag["tps_minimum"],
            "tps_ratio": round(diag["tps"] / diag["tps_minimum"], 5),
            "methods": form_runs[0]["methods"],
            "diagnostics": diag,
            "same_result_every_run": all(r["diagnostics"] == diag for r in form_runs),
        },
        "floor": {
            "what": "row_number // cap within each kelurahan (polars), TPS code built",
            "seconds": [round(r["seconds"], 3) for r in floor_runs],
            "seconds_median": round(floor_s, 3),
            "peak_mb_median": round(statistics.median(r["peak_mb"] for r in floor_runs)),
            "tps": floor_runs[0]["tps"],
        },
        "form_over_floor": round(form_s / floor_s, 1),
        "rerun": {
            "change": args.change,
            **{k: (round(v, 3) if isinstance(v, float) else v) for k, v in rerun.items()},
        },
        "targets": {
            "under_2_minutes": form_s < 120,
            "count_within_2_percent": diag["tps"] <= 1.02 * diag["tps_minimum"],
            "peak_under_8_gb": max(r["peak_mb"] for r in form_runs) < 8192,
        },
        "note": "seconds exclude reading the CSV (every child reads it first); peak_mb is the "
        "child's own ru_maxrss and includes the loaded frame.",
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(
        f"form {form_s:.1f} s (floor {floor_s:.2f} s), peak {report['form']['peak_mb_median']} MB; "
        f"TPS {diag['tps']:,} vs minimum {diag['tps_minimum']:,} "
        f"(ratio {report['form']['tps_ratio']:.4f}); RTs split {diag['rts_split']:,} of "
        f"{diag['rts']:,}"
    )
    print(f"wrote {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

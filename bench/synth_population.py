"""Benchmark: the synthetic population generator against a pure-I/O floor.

For each size, runs ``pilkada synth population --voters N ...`` as a child process and
measures its wall time and peak RSS (``os.wait4`` gives the child's own ``ru_maxrss``). Then,
in the same run, the FLOOR: a child process reads the produced ``dp4.csv`` with Polars (all
columns as text) and writes it again with ``write_csv``; only the write is timed. The floor is
what writing a CSV of the same rows and width costs when the columns already exist, so
``ratio = generator seconds / floor seconds`` says how much the generation itself adds.

Each measurement is repeated (default 3 times at 1,000,000 rows, once at 8,214,007) and the
medians are reported. Results go to ``bench/results/synth_population.json``.

    .venv/bin/python bench/synth_population.py [--sizes 1000000 8214007] [--repeat N]
        [--seed 2024] [--out-dir bench/data] [--clean]

The generated files stay in ``--out-dir`` (git-ignored) for other benchmarks unless
``--clean``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import machine_info

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (1_000_000, 8_214_007)
RESULTS = ROOT / "bench" / "results" / "synth_population.json"

FLOOR_CHILD = """
import json, sys, time
import polars as pl
src, dst = sys.argv[1], sys.argv[2]
frame = pl.read_csv(src, infer_schema=False)
started = time.perf_counter()
frame.write_csv(dst, include_header=True, line_terminator="\\n")
print(json.dumps({"write_seconds": time.perf_counter() - started, "rows": frame.height}))
"""


def _run_child(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``cmd``; return (wall seconds, peak RSS in MB of that child, stdout)."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # Read the pipes before reaping the child, so a chatty child cannot block.
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        sys.stderr.write(err.decode(errors="replace"))
        raise SystemExit(f"child failed ({proc.returncode}): {' '.join(cmd)}")
    peak_mb = usage.ru_maxrss / 1024  # Linux: kilobytes
    return seconds, peak_mb, out.decode()


def _machine() -> dict:
    import numpy
    import polars

    return machine_info(polars=polars.__version__, numpy=numpy.__version__)


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def bench_size(rows: int, repeat: int, seed: int, out_dir: Path, env: dict[str, str]) -> dict:
    target = out_dir / f"synth_population_{rows}"
    cmd = [
        sys.executable,
        "-m",
        "pilkada.cli",
        "synth",
        "population",
        "--voters",
        str(rows),
        "--seed",
        str(seed),
        "--out",
        str(target),
    ]
    gen_seconds, gen_peak, inner = [], [], []
    for i in range(repeat):
        seconds, peak, out = _run_child(cmd, env)
        gen_seconds.append(seconds)
        gen_peak.append(peak)
        found = re.search(r" in ([0-9.]+) s", out)  # the command's own timing (no start-up)
        if found:
            inner.append(float(found.group(1)))
        print(
            f"  generate {rows:>10,} rows  run {i + 1}/{repeat}: {seconds:7.1f} s, {peak:7.0f} MB"
        )
    dp4 = target / "dp4.csv"
    floor_dst = target / "floor_copy.csv"
    floor_seconds, floor_peak = [], []
    for i in range(repeat):
        _, peak, out = _run_child(
            [sys.executable, "-c", FLOOR_CHILD, str(dp4), str(floor_dst)], env
        )
        result = json.loads(out)
        if result["rows"] != rows:
            raise SystemExit(f"floor read {result['rows']} rows, expected {rows}")
        floor_seconds.append(result["write_seconds"])
        floor_peak.append(peak)
        print(
            f"  floor    {rows:>10,} rows  run {i + 1}/{repeat}: "
            f"{result['write_seconds']:7.1f} s, {peak:7.0f} MB"
        )
        floor_dst.unlink(missing_ok=True)
    gen_median = statistics.median(gen_seconds)
    floor_median = statistics.median(floor_seconds)
    manifest = json.loads((target / "manifest.json").read_text())
    return {
        "rows": rows,
        "repeat": repeat,
        "seconds": [round(s, 3) for s in gen_seconds],
        "seconds_median": round(gen_median, 3),
        "rows_per_s": round(rows / gen_median),
        "generate_and_write_seconds_median": _median(inner) if inner else None,
        "peak_mb": [round(p) for p in gen_peak],
        "peak_mb_median": round(statistics.median(gen_peak)),
        "floor_seconds": [round(s, 3) for s in floor_seconds],
        "floor_seconds_median": round(floor_median, 3),
        "floor_rows_per_s": round(rows / floor_median),
        "floor_peak_mb_median": round(statistics.median(floor_peak)),
        "ratio": round(gen_median / floor_median, 2),
        "dp4_bytes": dp4.stat().st_size,
        "dp4_sha256": manifest["files"]["dp4.csv"]["sha256"],
        "command": " ".join(cmd[1:]),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(DEFAULT_SIZES))
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="runs per size (default 3 below 5 million rows, else 1); medians are reported",
    )
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "data")
    parser.add_argument("--results", type=Path, default=RESULTS)
    parser.add_argument(
        "--clean", action="store_true", help="delete the generated files afterwards"
    )
    args = parser.parse_args(argv)

    env = dict(os.environ)
    env.setdefault("PILKADA_ALLOW_EPHEMERAL_KEY", "1")  # the command needs no secret
    env.setdefault("PILKADA_DATA_DIR", str(args.out_dir / "pilkada-data"))
    src = str(ROOT / "src")
    env["PYTHONPATH"] = src + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    args.out_dir.mkdir(parents=True, exist_ok=True)

    results = []
    for rows in args.sizes:
        repeat = args.repeat or (3 if rows < 5_000_000 else 1)
        print(f"{rows:,} rows, {repeat} run(s)")
        results.append(bench_size(rows, repeat, args.seed, args.out_dir, env))
        if args.clean:
            shutil.rmtree(args.out_dir / f"synth_population_{rows}", ignore_errors=True)
    report = {
        "benchmark": "synth_population",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "seed": args.seed,
        "machine": _machine(),
        "note": "seconds = wall time of the whole `pilkada synth population` process "
        "(interpreter and Django start-up included); floor = polars write_csv of the "
        "same dp4.csv read back as text (write only); ratio = seconds / floor.",
        "results": results,
    }
    args.results.parent.mkdir(parents=True, exist_ok=True)
    args.results.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(f"{'rows':>10}  {'rows/s':>10}  {'seconds':>8}  {'peak MB':>8}  {'floor s':>8}  ratio")
    for r in results:
        print(
            f"{r['rows']:>10,}  {r['rows_per_s']:>10,}  {r['seconds_median']:>8.1f}  "
            f"{r['peak_mb_median']:>8,}  {r['floor_seconds_median']:>8.1f}  {r['ratio']:.2f}"
        )
    print(f"\nwrote {args.results}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

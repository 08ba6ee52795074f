"""Benchmark: TPS formation through the service (`pilkada voters tps-form`): reading the
register from the database, the engine, creating the Tps rows and writing every voter's TPS
code, with its audit entry, on SQLite and PostgreSQL.

The engine alone, beside its floor, is `bench/tps_formation.py`; this script measures what
an officer waits for. Per database, in a child process with its own data directory (SQLite)
or database (PostgreSQL ``bench_tps``): load the generated population
(``bench/data/synth_population_<rows>``, shared with the other benchmarks), then

* **from_scratch** -- the first formation (every voter gets a TPS code), with the phases the
  service reports (read, engine, write);
* **rerun_unchanged** -- the same again: nothing moves, nothing is written.

Results go to ``bench/results/tps_service.json``.

    .venv/bin/python bench/tps_service.py [--rows 8214007] [--databases sqlite postgresql]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from common import machine_info

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "tps_service.json"
DKI_ROWS = 8_214_007
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "bench_tps"

CHILD = r"""
import json, os, resource, sys, time
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from pilkada.regions.services import load_shipped_regions
from pilkada.schedule.services import ensure_demo_election
from pilkada.voters.services import replace_population
from pilkada.voters.services.tps import form_tps_for_election

path = sys.argv[1]
call_command("migrate", verbosity=0)
load_shipped_regions()
election = ensure_demo_election()
started = time.perf_counter()
replace_population(election=election, path=path, actor="bench")
load_seconds = time.perf_counter() - started
stamps = []

def progress(done, total=None, message=""):
    stamps.append((time.perf_counter(), message))

runs = {}
for name in ("from_scratch", "rerun_unchanged"):
    stamps.clear()
    started = time.perf_counter()
    r = form_tps_for_election(election=election, actor="bench", progress=progress,
                              check_window=False)
    seconds = time.perf_counter() - started
    stamps.append((time.perf_counter(), "end"))
    phases = {}
    for (t0, m0), (t1, _m1) in zip(stamps, stamps[1:]):
        phases[m0] = round(phases.get(m0, 0) + t1 - t0, 2)
    runs[name] = {
        "seconds": round(seconds, 2), "phases": phases, "voters": r.voters, "tps": r.tps,
        "tps_minimum": r.tps_minimum, "moved_voters": r.moved_voters,
        "assignments_written": r.assignments_written, "tps_created": r.tps_created,
        "unplaced": r.unplaced, "rts_split": r.rts_split, "rts": r.rts,
        "families_split": r.families_split,
    }
    print(name, json.dumps(runs[name]), file=sys.stderr, flush=True)
runs["load_seconds"] = round(load_seconds, 1)
runs["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
runs["vendor"] = connection.vendor
print(json.dumps(runs))
"""


def population(rows: int, seed: int, data_dir: Path) -> Path:
    target = data_dir / f"synth_population_{rows}"
    if not (target / "dp4.csv").exists():
        subprocess.run(
            [sys.executable, "-m", "pilkada.cli", "synth", "population", "--voters", str(rows),
             "--seed", str(seed), "--out", str(target)],
            check=True,
        )  # fmt: skip
    return target / "dp4.csv"


def run(database: str, dp4: Path, data_dir: Path) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="pilkada.settings",
               PILKADA_ALLOW_EPHEMERAL_KEY="1", PILKADA_HTTPS="0")  # fmt: skip
    work = data_dir / "tps_service" / database
    if database == "sqlite":
        import shutil

        shutil.rmtree(work, ignore_errors=True)
        env.pop("DATABASE_URL", None)
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{PG_DB}"')
        env["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB
    work.mkdir(parents=True, exist_ok=True)
    env["PILKADA_DATA_DIR"] = str(work)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(dp4)], env=env, check=True, capture_output=True,
        text=True,
    )  # fmt: skip
    sys.stderr.write(out.stderr[-2000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=DKI_ROWS)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    args = parser.parse_args()
    dp4 = population(args.rows, args.seed, args.data_dir)
    results = {
        "benchmark": "tps_service",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": args.rows,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_info(),
    }
    for database in args.databases:
        print(f"{database}: loading {args.rows:,} rows and forming TPS ...", flush=True)
        results[database] = run(database, dp4, args.data_dir)
        r = results[database]["from_scratch"]
        print(f"  from scratch {r['seconds']} s {r['phases']}; TPS {r['tps']:,} "
              f"(minimum {r['tps_minimum']:,}); rerun "
              f"{results[database]['rerun_unchanged']['seconds']} s", flush=True)  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

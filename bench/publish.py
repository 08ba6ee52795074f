"""Benchmark: publishing the DPT (snapshot + recap) at full DKI size, beside its floor.

For each database a register is prepared once (a fresh database migrated by ``pilkada
setup``, the demo election, the synthetic DP4 loaded through the import service, and every
voter given a TPS by one set-based UPDATE: 55 TPS per kelurahan, ~560 voters each). Then one
child process measures each of:

* ``floor`` -- the plain export of the same rows: the same SELECT (same columns, same
  WHERE), streamed from the database in chunks into one Parquet file; no ordering, no
  numbering, no CSV, no hash, no recap, no audit.
* ``publish`` -- ``pilkada voters publish dpt --json``: the ordered export with the voters'
  numbers per TPS into Parquet and CSV, both SHA-256s, the recap in the engine (one grouped
  pass + roll-up) stored as rows, the Snapshot and the audit entry, in one transaction.

Wall time is the child's whole life (interpreter and Django start-up included) and peak
memory its ``ru_maxrss`` (``os.wait4``). Results go to ``bench/results/publish.json``.

    .venv/bin/python bench/publish.py [--databases sqlite postgresql]
        [--dp4 bench/data/synth_population_8214007/dp4.csv] [--work bench/data/publish]
        [--pg-url postgres://postgres@127.0.0.1:5432/postgres] [--pg-db h_pub_bench]
        [--fresh]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from common import machine_info

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "publish.json"
LIST_DAY = "2024-08-01"  # inside the voter-list stage of the demo election
TPS_PER_KELURAHAN = 55

SEED_CHILD = r"""
import json, sys, time
import django
django.setup()
from pathlib import Path
from django.db import connection, transaction
from pilkada.schedule.models import Election
from pilkada.voters.models import Voter
from pilkada.voters.services import replace_population
election = Election.objects.get()
started = time.perf_counter()
batch = replace_population(election=election, path=Path(sys.argv[1]), actor="bench")
loaded = time.perf_counter() - started
n = int(sys.argv[2])
number = (
    f"substr('000' || ((id % {n}) + 1), -3)" if connection.vendor == "sqlite"
    else f"lpad(((id % {n}) + 1)::text, 3, '0')"
)
with transaction.atomic(), connection.cursor() as cursor:
    cursor.execute(
        f"UPDATE {Voter._meta.db_table} SET tps_code = kelurahan_code || {number} "
        "WHERE length(kelurahan_code) = 10"
    )
    # Rows whose kelurahan code is broken (flagged) cannot sit on a TPS: mark them TMS 5
    # (tidak dikenal) so that the DPT can be set, as coklit would.
    cursor.execute(
        f"UPDATE {Voter._meta.db_table} SET status = 'tms', tms_code = 5, "
        "tms_note = 'bench: kelurahan code unreadable' WHERE tps_code IS NULL"
    )
print(json.dumps({"rows": batch.rows, "load_seconds": loaded,
                  "seconds": time.perf_counter() - started}))
"""

FLOOR_CHILD = r"""
import json, sys, time
import django
django.setup()
import polars as pl
import pyarrow.parquet as pq
from django.db import connection, transaction
from pilkada.schedule.models import Election
from pilkada.voters.models import Voter
from pilkada.voters.services.publication import EXPORT_CHUNK_ROWS, _stream_rows
from pilkada.engine.recap import SNAPSHOT_COLUMNS, rows_frame
election = Election.objects.get()
cols = ("v.id, 0, v.kelurahan_code, v.tps_code, v.nkk, v.nik, v.nama, v.tempat_lahir, "
        "CAST(v.tanggal_lahir AS TEXT), v.jenis_kelamin, v.status_kawin, v.alamat, v.rt, v.rw, "
        "v.disabilitas, CAST(v.ktp_el AS INTEGER), v.status, v.source, v.quality_flags")
sql = (f"SELECT {cols} FROM {Voter._meta.db_table} v WHERE v.election_id = %s "
       "AND v.source IN (%s, %s) AND v.status IN (%s, %s)")
params = [election.pk, "dp4", "coklit", "ms", "pending"]
started = time.perf_counter()
rows = 0
writer = None
with transaction.atomic():
    for chunk in _stream_rows(sql, params, EXPORT_CHUNK_ROWS):
        table = rows_frame(chunk).to_arrow()
        if writer is None:
            writer = pq.ParquetWriter(sys.argv[1], table.schema, compression="zstd")
        writer.write_table(table)
        rows += len(chunk)
writer.close()
print(json.dumps({"seconds": time.perf_counter() - started, "rows": rows}))
"""


def _measure(cmd: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out, err = proc.stdout.read(), proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stderr.write(err.decode(errors="replace")[-4000:])
        raise SystemExit(f"child failed: {' '.join(cmd)}")
    return seconds, usage.ru_maxrss / 1024, out.decode()


def _pilkada(*args: str) -> list[str]:
    return [sys.executable, "-m", "pilkada.cli", *args]


def _run(cmd, env):
    result = subprocess.run(cmd, env=env, capture_output=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stderr.decode(errors="replace")[-4000:])
        raise SystemExit(f"setup step failed: {' '.join(cmd)}")
    return result.stdout.decode()


def _pg_database(args) -> str:
    import psycopg

    with psycopg.connect(args.pg_url, autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [args.pg_db]
        ).fetchone()
        if exists and args.fresh:
            conn.execute(f'DROP DATABASE "{args.pg_db}"')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{args.pg_db}"')
    return args.pg_url.rsplit("/", 1)[0] + "/" + args.pg_db


def prepare(vendor: str, args, base_env) -> tuple[dict, dict | None]:
    data_dir = (args.work / vendor).resolve()
    if args.fresh and data_dir.exists():
        shutil.rmtree(data_dir, onerror=lambda f, p, e: (os.chmod(p, 0o755), f(p)))
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(base_env, PILKADA_DATA_DIR=str(data_dir), PILKADA_TODAY=LIST_DAY)
    env.pop("DATABASE_URL", None)
    if vendor == "postgresql":
        env["DATABASE_URL"] = _pg_database(args)
    marker = data_dir / "seeded.json"
    if marker.exists():
        return env, json.loads(marker.read_text())
    _run(_pilkada("setup"), env)
    _run(_pilkada("schedule", "load", "--demo"), env)
    seconds, peak, out = _measure(
        [sys.executable, "-c", SEED_CHILD, str(args.dp4.resolve()), str(TPS_PER_KELURAHAN)], env
    )
    seed = {**json.loads(out.strip().splitlines()[-1]), "wall": seconds, "peak_mb": peak}
    marker.write_text(json.dumps(seed))
    return env, seed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"])
    parser.add_argument(
        "--dp4", type=Path, default=ROOT / "bench/data/synth_population_8214007/dp4.csv"
    )
    parser.add_argument("--work", type=Path, default=ROOT / "bench/data/publish")
    parser.add_argument("--pg-url", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--pg-db", default="h_pub_bench")
    parser.add_argument("--fresh", action="store_true", help="rebuild the prepared registers")
    args = parser.parse_args()
    if not args.dp4.exists():
        raise SystemExit(
            f"{args.dp4} not found: generate it with "
            "`pilkada synth population --voters 8214007 --seed 2024 --out DIR`"
        )
    base_env = dict(
        os.environ, PYTHONPATH=str(ROOT / "src"), DJANGO_SETTINGS_MODULE="pilkada.settings"
    )
    results = {
        "benchmark": "publish",
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": machine_info(),
        "dp4": str(args.dp4),
        "runs": {},
    }
    for vendor in args.databases:
        env, seed = prepare(vendor, args, base_env)
        print(f"[{vendor}] register ready: {seed}", flush=True)
        floor_file = args.work / vendor / "floor.parquet"
        floor_file.unlink(missing_ok=True)
        f_wall, f_peak, f_out = _measure([sys.executable, "-c", FLOOR_CHILD, str(floor_file)], env)
        floor = {**json.loads(f_out.strip().splitlines()[-1]), "wall": f_wall, "peak_mb": f_peak}
        print(f"[{vendor}] floor: {floor}", flush=True)
        p_wall, p_peak, p_out = _measure(_pilkada("voters", "publish", "dpt", "--json"), env)
        publish = {**json.loads(p_out), "wall": p_wall, "peak_mb": p_peak}
        print(f"[{vendor}] publish: {publish}", flush=True)
        v_wall, v_peak, _ = _measure(_pilkada("voters", "verify-snapshots"), env)
        results["runs"][vendor] = {
            "seed": seed,
            "floor": floor,
            "publish": publish,
            "verify": {"wall": v_wall, "peak_mb": v_peak},
            "ratio_wall": round(p_wall / f_wall, 2),
            "under_8gb": max(p_peak, f_peak) < 8 * 1024,
        }
        floor_file.unlink(missing_ok=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2))
    print(json.dumps(results["runs"], indent=2))


if __name__ == "__main__":
    main()

"""Benchmark: verifikasi administrasi of an independent pair's supporters through the service,
end to end -- file in, every check, results stored -- beside its floor in the same run.

Issue 4: 1,229,777 supporter rows (the Jakarta 2024 correction round) against the 8.2 M
register, on one 2-core machine, under 30 seconds; floor: one DuckDB join of the two files on
NIK (about 1.5 s here).

Data (generated once under ``bench/data/``, shared with the other benchmarks):

* the register: ``synth_population_<rows>/dp4.csv`` (``pilkada synth population``);
* the supporters: ``supporters_<rows>_<n>/supporters_1.csv`` with its truth and
  ``barred.csv`` (``pilkada synth supporters --rows N``).

Per database, in a child process with its own data directory (SQLite) or database
(PostgreSQL ``bench_support``), set up (not timed): migrate, load the DP4 with the import
service, strike the register as coklit and the duplicate review would leave it (the
population truth's deceased, duplicate copies, under age, moved out, TNI and Polri rows get
TMS 1, 2, 3, 4, 6, 7 -- ``pilkada.synth.supporters.REGISTER_TMS``), upload ``barred.csv`` as
a NIK list, create the pair. Then, ``--repeat`` times (median reported; the pair's rows are
deleted between runs):

* **service** -- ``upload_support_file``: read and validate the file, read the register rows
  of its NIKs (temporary table + join), the earlier listings and the NIK lists, run the
  engine's verification, load every row with its result in one transaction with its audit
  entry; wall time, the service's stages, peak RSS of the child. Before each run, not
  timed: on PostgreSQL the supporter table is vacuumed (the previous run's deleted rows would
  otherwise be scanned again by the load, which a real first upload never sees) and a
  checkpoint written, on SQLite the WAL is checkpointed -- so that a run does not pay for
  writing back the previous run's gigabyte;
* **quality** -- every loaded row's status and reason against the generator's truth.

The load average (1, 5, 15 min) before and after each run and around the floor is recorded:
the machine may be shared, and a figure means little without it.

The **floor** runs in this process before each database: DuckDB reads the supporter CSV and
``dp4.csv`` and joins them on NIK (``CREATE TABLE ... AS SELECT``), median of 3.

Results go to ``bench/results/support_service.json``.

    .venv/bin/python bench/support_service.py [--rows 8214007] [--supporters 1229777]
        [--databases sqlite postgresql] [--repeat 3] [--reuse-db]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from common import machine_info

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "support_service.json"
DKI_ROWS = 8_214_007
JAKARTA_SUPPORTERS = 1_229_777
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "bench_support"

CHILD = r"""
import json, os, resource, statistics, sys, time
import django
django.setup()
import polars as pl
from django.core.management import call_command
from django.db import connection, transaction
from pilkada.candidacy.models import CandidacyBasis, Pair, SupportBatch, Supporter
from pilkada.candidacy.services.lists import upload_nik_list
from pilkada.candidacy.services.support import upload_support_file
from pilkada.engine.dbload import insert_frames
from pilkada.regions.services import load_shipped_regions
from pilkada.schedule.services import ensure_demo_election
from pilkada.synth.supporters import REGISTER_TMS
from pilkada.voters.models import Voter
from pilkada.voters.services import replace_population

population, supporters, barred, truth_path, repeat, reuse = sys.argv[1:7]
repeat, reuse = int(repeat), reuse == "1"
call_command("migrate", verbosity=0)
setup = {}
election = ensure_demo_election() if reuse else None
if not reuse or not Voter.objects.exists():
    load_shipped_regions()
    election = ensure_demo_election()
    t = time.perf_counter()
    replace_population(election=election, path=f"{population}/dp4.csv", actor="bench")
    setup["load_register_seconds"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    codes = (
        pl.read_csv(f"{population}/truth.csv", columns=["line", "defect"],
                    schema_overrides={"line": pl.Int64, "defect": pl.String})
        .with_columns(tms_code=pl.col("defect").replace_strict(REGISTER_TMS, default=None,
                                                               return_dtype=pl.Int64))
        .drop_nulls("tms_code").select("line", "tms_code")
    )
    table = Voter._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE bench_tms (line bigint PRIMARY KEY, "
                       "tms_code smallint)")
        insert_frames(connection.connection, connection.vendor, "bench_tms",
                      ["line", "tms_code"], [codes])
        cursor.execute(f"UPDATE {table} SET status = 'tms', tms_code = t.tms_code FROM "
                       f"bench_tms t WHERE {table}.line = t.line AND {table}.source = 'dp4' "
                       f"AND {table}.election_id = %s", [election.pk])
        setup["struck_rows"] = cursor.rowcount
        cursor.execute("DROP TABLE bench_tms")
    setup["strike_seconds"] = round(time.perf_counter() - t, 1)
    upload_nik_list(election=election, category="asn", path=barred, actor=None,
                    source="bench barred.csv")
pair, _ = Pair.objects.get_or_create(election=election, name="Bench pair",
                                     defaults={"path": Pair.Path.INDEPENDENT})
CandidacyBasis.objects.update_or_create(election=election,
                                        defaults={"previous_dpt_total": 8_252_897})
truth = pl.read_csv(truth_path, columns=["pair", "line", "expected", "reason"],
                    schema_overrides={"pair": pl.String, "line": pl.Int64,
                                      "expected": pl.String, "reason": pl.String})
truth = truth.filter(pl.col("pair") == truth["pair"][0])
runs = []
for i in range(repeat):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Supporter._meta.db_table} WHERE pair_id = %s", [pair.pk])
    SupportBatch.objects.filter(pair=pair).delete()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The deleted rows of the previous run would stay as dead tuples that every scan
            # of the table (the load's count, foreign-key checks, index builds) reads again:
            # a real first upload finds the table empty.
            cursor.execute(f"VACUUM ANALYZE {Supporter._meta.db_table}")
            # The previous run wrote about a gigabyte (rows, indexes, WAL): write it back
            # now rather than in a checkpoint during the next run.
            cursor.execute("CHECKPOINT")
        else:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    load_before = [round(x, 2) for x in os.getloadavg()]
    t = time.perf_counter()
    result = upload_support_file(election=election, pair=pair, path=supporters, actor=None,
                                 check_window=False, file_name="supporters.csv")
    seconds = time.perf_counter() - t
    data = result.as_dict()
    load = {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]}
    runs.append({"seconds": round(seconds, 2), "stages": data["stages"], "load_average": load,
                 "read": data["read"], "accepted": data["accepted"],
                 "flagged": data["flagged"], "rejected": data["rejected"],
                 "reconciles": data["reconciles"], "verification": data["verification"]})
    print(f"run {i + 1}: {seconds:.1f} s {data['stages']} load average {load}",
          file=sys.stderr, flush=True)
loaded = pl.DataFrame(
    list(Supporter.objects.filter(pair=pair).values_list("line", "vermin_status",
                                                         "vermin_reason")),
    schema={"line": pl.Int64, "status": pl.String, "reason": pl.String}, orient="row")
cmp = truth.join(loaded, on="line", how="left").with_columns(
    # A row the truth expects to be rejected agrees when it was not loaded.
    ok_status=pl.when(pl.col("expected") == "rejected").then(pl.col("status").is_null())
    .otherwise(pl.col("expected") == pl.col("status")).fill_null(False),
    ok_reason=pl.when(pl.col("expected") == "rejected").then(pl.col("status").is_null())
    .otherwise(pl.col("reason").fill_null("") == pl.col("reason_right").fill_null(""))
    .fill_null(False))
per_reason = (cmp.group_by(pl.when(pl.col("expected") == "rejected").then(pl.lit("rejected"))
                           .otherwise(pl.col("reason").fill_null("ms")).alias("reason"))
              .agg(n=pl.len(), agree=pl.col("ok_reason").sum()).sort("reason"))
quality = {
    "truth_rows": truth.height,
    "loaded_rows": loaded.height,
    "status_agrees": int(cmp["ok_status"].sum()),
    "reason_agrees": int(cmp["ok_reason"].sum()),
    "per_reason": {r: {"rows": n, "agree": a} for r, n, a in per_reason.iter_rows()},
}
print(json.dumps({
    "vendor": connection.vendor, "setup": setup, "runs": runs,
    "median_seconds": statistics.median(r["seconds"] for r in runs),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "quality": quality,
}))
"""


def _pilkada(*args: str) -> None:
    env = dict(os.environ, PILKADA_ALLOW_EPHEMERAL_KEY="1")
    subprocess.run([sys.executable, "-m", "pilkada.cli", *args], check=True, env=env)


def population(rows: int, seed: int, data_dir: Path) -> Path:
    target = data_dir / f"synth_population_{rows}"
    if not (target / "manifest.json").exists():
        _pilkada("synth", "population", "--voters", str(rows), "--seed", str(seed),
                 "--out", str(target))  # fmt: skip
    return target


def supporter_files(pop: Path, rows: int, n: int, seed: int, data_dir: Path) -> dict:
    target = data_dir / f"supporters_{rows}_{n}"
    if not (target / "supporters_manifest.json").exists():
        _pilkada("synth", "supporters", "--population", str(pop), "--out", str(target),
                 "--seed", str(seed), "--rows", str(n))  # fmt: skip
    manifest = json.loads((target / "supporters_manifest.json").read_text())
    first = next(iter(manifest["pairs"].values()))
    return {
        "supporters": target / first["file"],
        "barred": target / "barred.csv",
        "truth": target / "supporters_truth.csv",
    }


def floor(supporters: Path, dp4: Path, repeat: int = 3) -> dict:
    """One DuckDB join of the two files on NIK (all columns as text), materialised."""
    import duckdb

    times = []
    load_before = [round(x, 2) for x in os.getloadavg()]
    for _ in range(repeat):
        con = duckdb.connect()
        t = time.perf_counter()
        con.execute(
            "CREATE TABLE j AS SELECT s.*, d.tanggal_lahir AS reg_lahir, "
            "d.kode_kelurahan AS reg_kel FROM read_csv(?, all_varchar=true) s "
            "LEFT JOIN read_csv(?, all_varchar=true) d ON s.nik = d.nik",
            [str(supporters), str(dp4)],
        )
        rows = con.execute("SELECT count(*) FROM j").fetchone()[0]
        times.append(time.perf_counter() - t)
        con.close()
    load = {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]}
    return {"median_seconds": round(statistics.median(times), 2),
            "runs": [round(x, 2) for x in times], "rows": rows, "load_average": load}  # fmt: skip


def run(database: str, files: dict, pop: Path, data_dir: Path, repeat: int, reuse: bool) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="pilkada.settings",
               PILKADA_ALLOW_EPHEMERAL_KEY="1", PILKADA_HTTPS="0")  # fmt: skip
    work = data_dir / "support_service" / database
    if database == "sqlite":
        if not reuse:
            shutil.rmtree(work, ignore_errors=True)
        env.pop("DATABASE_URL", None)
    else:
        import psycopg

        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                   [PG_DB]).fetchone()  # fmt: skip
            if not reuse or not exists:
                admin.execute(f'DROP DATABASE IF EXISTS "{PG_DB}" WITH (FORCE)')
                admin.execute(f'CREATE DATABASE "{PG_DB}"')
        env["DATABASE_URL"] = PG_ADMIN.rsplit("/", 1)[0] + "/" + PG_DB
    work.mkdir(parents=True, exist_ok=True)
    env["PILKADA_DATA_DIR"] = str(work)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(pop), str(files["supporters"]), str(files["barred"]),
         str(files["truth"]), str(repeat), "1" if reuse else "0"],
        env=env, check=True, capture_output=True, text=True,
    )  # fmt: skip
    sys.stderr.write(out.stderr[-3000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=DKI_ROWS)
    parser.add_argument("--supporters", type=int, default=JAKARTA_SUPPORTERS)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse-db", action="store_true",
                        help="keep the loaded register from an earlier run")  # fmt: skip
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    args = parser.parse_args()
    pop = population(args.rows, args.seed, args.data_dir)
    files = supporter_files(pop, args.rows, args.supporters, args.seed, args.data_dir)
    results = {
        "benchmark": "support_service",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": args.rows,
        "supporters": args.supporters,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_info(),
    }
    for database in args.databases:
        results[f"floor_before_{database}"] = fl = floor(files["supporters"], pop / "dp4.csv")
        print(f"floor (DuckDB join of the two files): {fl['median_seconds']} s, load average "
              f"{fl['load_average']}", flush=True)  # fmt: skip
        print(f"{database}: register {args.rows:,}, supporters {args.supporters:,} ...",
              flush=True)  # fmt: skip
        r = results[database] = run(database, files, pop, args.data_dir, args.repeat,
                                    args.reuse_db)  # fmt: skip
        ratio = r["median_seconds"] / fl["median_seconds"] if fl["median_seconds"] else None
        r["ratio_to_floor"] = round(ratio, 1) if ratio else None
        q = r["quality"]
        print(f"  service median {r['median_seconds']} s ({r['ratio_to_floor']}x the floor), "
              f"peak RSS {r['peak_rss_mb']} MB; status agrees "
              f"{q['status_agrees']:,}/{q['truth_rows']:,}, reason agrees "
              f"{q['reason_agrees']:,}", flush=True)  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

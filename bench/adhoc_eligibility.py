"""Benchmark: the eligibility checks and the ranking of 110,000 applications to the ad hoc
bodies against the 8.2 M register, the party-member list and the listed supporters, through
the services -- beside its floor in the same run.

Issue 5: "Eligibility checks and ranking for 110,000 applications against the 8.2 M register
and party lists: under 60 seconds on one machine".

Data (generated once under ``bench/data/``, shared with the other benchmarks; the population
is never regenerated here):

* the register: ``synth_population_<rows>/dp4.csv`` (``pilkada synth population``);
* the applications: ``applicants_<rows>_<n>/applications.csv`` with ``party_members.csv``,
  ``supporters.csv`` and ``applicants_truth.csv`` (``pilkada synth applicants``).

Per database, in a child process with its own data directory (SQLite) or database
(PostgreSQL ``bench_adhoc``), set up (not timed): migrate, load the DP4 with the import
service, strike the register as coklit would leave it (the population truth's TMS codes,
``pilkada.synth.supporters.REGISTER_TMS``, as bench/support_service.py does), upload
``party_members.csv`` as the party-member NIK list, list ``supporters.csv`` as an independent
pair's supporters, load the applications (documents found complete: the officers' step) and
seat the applications marked ``seated``. Then, ``--repeat`` times (median reported):

* **checks** -- ``services.eligibility.run_checks`` over the whole province, every body;
* **ranking** -- ``services.selection.rank`` over the whole province (the selection area's
  service), right after; the ranking is cleared before each run (not timed), since ``rank``
  writes only the rows whose rank changed;
* **quality** -- every application's outcome, reasons and warnings against the truth.

The **floor** runs in this process before each database: DuckDB reads ``applications.csv``
and ``dp4.csv`` and joins them on NIK (``CREATE TABLE ... AS SELECT``), median of 3.

Results go to ``bench/results/adhoc_eligibility.json`` with the load average before and
after each measurement (the machine is shared).

    .venv/bin/python bench/adhoc_eligibility.py [--rows 8214007] [--applications 110000]
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
RESULTS = ROOT / "bench" / "results" / "adhoc_eligibility.json"
DKI_ROWS = 8_214_007
APPLICATIONS = 110_000
PG_ADMIN = "postgres://postgres@127.0.0.1:5432/postgres"
PG_DB = "bench_adhoc"
#: Inside the recruitment and selection stage (17 Apr - 5 Nov 2024).
TODAY = "2024-06-03"

CHILD = r"""
import json, os, resource, statistics, sys, time
import django
django.setup()
import polars as pl
from django.core.management import call_command
from django.db import connection, transaction
from pilkada.adhoc.models import Application, Member
from pilkada.adhoc.services.eligibility import run_checks
from pilkada.candidacy.models import NikList, Pair, SupportBatch, Supporter
from pilkada.candidacy.services.lists import upload_nik_list
from pilkada.engine.dbload import insert_frames
from pilkada.regions.services import load_shipped_regions
from pilkada.schedule.services import ensure_demo_election
from pilkada.synth.supporters import REGISTER_TMS
from pilkada.voters.models import Voter
from pilkada.voters.services import replace_population

try:
    from pilkada.adhoc.services.selection import rank
except ImportError:  # the selection area not built yet
    rank = None

population, work, repeat, reuse = sys.argv[1:5]
repeat, reuse = int(repeat), reuse == "1"
call_command("migrate", verbosity=0)
setup = {"register_reused": True}
election = ensure_demo_election() if reuse else None
if not reuse or not Voter.objects.exists():
    setup["register_reused"] = False
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

# The applications, the party list, the supporters and the seated members (not timed).
t = time.perf_counter()
Member.objects.filter(election=election).delete()
with connection.cursor() as cursor:
    cursor.execute(f"DELETE FROM {Application._meta.db_table} WHERE election_id = %s",
                   [election.pk])
upload_nik_list(election=election, category=NikList.Category.PARTY,
                path=f"{work}/party_members.csv", actor=None, source="bench party_members.csv")
pair, _ = Pair.objects.get_or_create(election=election, name="Bench independent pair",
                                     defaults={"path": Pair.Path.INDEPENDENT})
Supporter.objects.filter(pair=pair).delete()
SupportBatch.objects.filter(pair=pair).delete()
batch = SupportBatch.objects.create(election=election, pair=pair, file_name="supporters.csv",
                                    sha256="-", state=SupportBatch.State.VERIFIED)
sup = pl.read_csv(f"{work}/supporters.csv", schema={"nik": pl.String})
sup = sup.with_row_index("line", offset=2).with_columns(
    election_id=pl.lit(election.pk), pair_id=pl.lit(pair.pk), batch_id=pl.lit(batch.pk),
    round=pl.lit(1), line=pl.col("line").cast(pl.Int64), nama=pl.lit("PENDUKUNG"),
    tempat_lahir=pl.lit(""), jenis_kelamin=pl.lit(""), alamat=pl.lit(""), rt=pl.lit(""),
    rw=pl.lit(""), kelurahan_code=pl.lit(""), pekerjaan=pl.lit(""), quality_flags=pl.lit(""),
    region_code=pl.lit(""), vermin_status=pl.lit("ms"), vermin_reason=pl.lit(""),
    verfak_status=pl.lit("pending"), verfak_outcome=pl.lit(""), objected=pl.lit(False),
    status=pl.lit("pending"))
apps = pl.read_csv(f"{work}/applications.csv", infer_schema=False)
stamp = "%Y-%m-%d 03:00:00" + ("+00" if connection.vendor == "postgresql" else "")
apps = apps.with_columns(
    election_id=pl.lit(election.pk), access_code_hash=pl.lit("!bench"), state=pl.lit("submitted"),
    email=pl.lit(""), previous_service=pl.lit(""),
    submitted_at=pl.col("submitted_on").str.to_date().dt.strftime(stamp),
    updated_at=pl.col("submitted_on").str.to_date().dt.strftime(stamp),
    tanggal_lahir=pl.col("tanggal_lahir").str.to_date(),
    health_statement=pl.col("health_statement") == "1",
    party_statement=pl.col("party_statement") == "1",
    previous_terms=pl.col("previous_terms").cast(pl.Int64),
    eligibility=pl.lit("pending"), eligibility_reasons=pl.lit(""),
    eligibility_warnings=pl.lit(""), documents_ok=pl.lit(True), documents_note=pl.lit(""),
    result=pl.lit(""), nkk=pl.col("nkk").fill_null(""), rt=pl.col("rt").fill_null(""),
    rw=pl.col("rw").fill_null(""))
app_cols = ["election_id", "body", "region_code", "number", "access_code_hash", "state", "nik",
            "nkk", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "status_kawin",
            "alamat", "rt", "rw", "domicile_code", "phone", "email", "education",
            "health_statement", "party_statement", "previous_service", "previous_terms",
            "submitted_at", "updated_at", "eligibility", "eligibility_reasons",
            "eligibility_warnings", "documents_ok", "documents_note", "result"]
with transaction.atomic():
    insert_frames(connection.connection, connection.vendor, Supporter._meta.db_table,
                  [c for c in sup.columns if c != "id"], [sup])
    insert_frames(connection.connection, connection.vendor, Application._meta.db_table,
                  app_cols, [apps])
    seated = Application.objects.filter(election=election,
                                        number__in=apps.filter(pl.col("seated") == "1")["number"]
                                        .to_list())
    Member.objects.bulk_create([Member(election=election, body=a.body,
                                       region_code=a.region_code, application=a,
                                       sk_number="BENCH") for a in seated])
if connection.vendor == "postgresql":
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Application._meta.db_table}")
        cursor.execute(f"ANALYZE {Supporter._meta.db_table}")
setup["load_applications_seconds"] = round(time.perf_counter() - t, 1)
setup["applications"] = apps.height
setup["members"] = Member.objects.filter(election=election).count()
setup["supporters"] = sup.height
print(f"set-up {setup}", file=sys.stderr, flush=True)

runs = []
for i in range(repeat):
    # Every run ranks from scratch (the ranking writes only the rows it changes).
    Application.objects.filter(election=election).update(final_score=None, rank=None,
                                                         result="", ranked_at=None)
    load_before = os.getloadavg()
    t = time.perf_counter()
    checks = run_checks(election=election, actor=None)
    checks_seconds = time.perf_counter() - t
    ranking = None
    t2 = time.perf_counter()
    if rank is not None:
        ranking = rank(election=election, actor=None)
    rank_seconds = time.perf_counter() - t2
    total = time.perf_counter() - t
    runs.append({"seconds": round(total, 2), "checks_seconds": round(checks_seconds, 2),
                 "rank_seconds": round(rank_seconds, 2) if rank is not None else None,
                 "checks_stages": checks.stages, "by_eligibility": checks.by_eligibility,
                 "by_reason": checks.by_reason, "by_warning": checks.by_warning,
                 "ranking": {k: v for k, v in (ranking or {}).items()
                             if k in ("applications", "updated", "areas", "selected",
                                      "reserve", "not_selected")},
                 "load_before": [round(x, 2) for x in load_before],
                 "load_after": [round(x, 2) for x in os.getloadavg()]})
    print(f"run {i + 1}: {total:.1f} s (checks {checks_seconds:.1f}, rank {rank_seconds:.1f}) "
          f"{checks.stages}", file=sys.stderr, flush=True)

truth = pl.read_csv(f"{work}/applicants_truth.csv", infer_schema=False).with_columns(
    pl.col("reasons", "warnings").fill_null(""))
got = pl.DataFrame(
    list(Application.objects.filter(election=election).values_list(
        "number", "eligibility", "eligibility_reasons", "eligibility_warnings")),
    schema={"number": pl.String, "eligibility": pl.String, "got_reasons": pl.String,
            "got_warnings": pl.String}, orient="row")
cmp = truth.join(got, on="number", how="left").with_columns(
    ok_status=(pl.col("expected") == pl.col("eligibility")).fill_null(False),
    ok_reasons=(pl.col("reasons") == pl.col("got_reasons")).fill_null(False),
    ok_warnings=(pl.col("warnings") == pl.col("got_warnings")).fill_null(False))
per_defect = (cmp.group_by(pl.col("defect").replace("", "valid"))
              .agg(n=pl.len(), reasons_agree=pl.col("ok_reasons").sum(),
                   warnings_agree=pl.col("ok_warnings").sum()).sort("defect"))
quality = {
    "truth_rows": truth.height,
    "checked_rows": got.height,
    "status_agrees": int(cmp["ok_status"].sum()),
    "reasons_agree": int(cmp["ok_reasons"].sum()),
    "warnings_agree": int(cmp["ok_warnings"].sum()),
    "per_defect": {d: {"rows": n, "reasons_agree": a, "warnings_agree": w}
                   for d, n, a, w in per_defect.iter_rows()},
    "disagreeing_examples": cmp.filter(~pl.col("ok_reasons") | ~pl.col("ok_warnings"))
    .head(10).select("number", "defect", "got_reasons", "got_warnings").to_dicts(),
}
print(json.dumps({
    "vendor": connection.vendor, "setup": setup, "runs": runs,
    "ranking_included": rank is not None,
    "median_seconds": statistics.median(r["seconds"] for r in runs),
    "median_checks_seconds": statistics.median(r["checks_seconds"] for r in runs),
    "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    "quality": quality,
}))
"""


def _pilkada(*args: str) -> None:
    env = dict(os.environ, PILKADA_ALLOW_EPHEMERAL_KEY="1")
    subprocess.run([sys.executable, "-m", "pilkada.cli", *args], check=True, env=env)


def population(rows: int, data_dir: Path) -> Path:
    target = data_dir / f"synth_population_{rows}"
    if not (target / "manifest.json").exists():
        raise SystemExit(
            f"{target} is missing: generate it once with `pilkada synth population --voters "
            f"{rows} --seed 2024 --out {target}` (shared with the other benchmarks)"
        )
    return target


def applicant_files(pop: Path, rows: int, n: int, seed: int, data_dir: Path) -> Path:
    target = data_dir / f"applicants_{rows}_{n}"
    if not (target / "applicants_manifest.json").exists():
        _pilkada("synth", "applicants", "--population", str(pop), "--out", str(target),
                 "--seed", str(seed), "--rows", str(n))  # fmt: skip
    return target


def floor(applications: Path, dp4: Path, repeat: int = 3) -> dict:
    """One DuckDB join of the applications with the register file on NIK, materialised."""
    import duckdb

    times, loads = [], []
    for _ in range(repeat):
        con = duckdb.connect()
        loads.append(round(os.getloadavg()[0], 2))
        t = time.perf_counter()
        con.execute(
            "CREATE TABLE j AS SELECT a.*, d.nkk AS reg_nkk, d.tanggal_lahir AS reg_lahir, "
            "d.kode_kelurahan AS reg_kel, d.status_kawin AS reg_kawin "
            "FROM read_csv(?, all_varchar=true) a "
            "LEFT JOIN read_csv(?, all_varchar=true) d ON a.nik = d.nik",
            [str(applications), str(dp4)],
        )
        rows = con.execute("SELECT count(*) FROM j").fetchone()[0]
        times.append(time.perf_counter() - t)
        con.close()
    return {"median_seconds": round(statistics.median(times), 2),
            "runs": [round(x, 2) for x in times], "rows": rows,
            "load1_before": loads}  # fmt: skip


def run(database: str, work: Path, pop: Path, data_dir: Path, repeat: int, reuse: bool) -> dict:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="pilkada.settings",
               PILKADA_ALLOW_EPHEMERAL_KEY="1", PILKADA_HTTPS="0",
               PILKADA_TODAY=TODAY)  # fmt: skip
    dbdir = data_dir / "adhoc_eligibility" / database
    if database == "sqlite":
        if not reuse:
            shutil.rmtree(dbdir, ignore_errors=True)
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
    dbdir.mkdir(parents=True, exist_ok=True)
    env["PILKADA_DATA_DIR"] = str(dbdir)
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(pop), str(work), str(repeat), "1" if reuse else "0"],
        env=env, capture_output=True, text=True,
    )  # fmt: skip
    sys.stderr.write(out.stderr[-4000:])
    if out.returncode:
        raise SystemExit(f"{database}: the child failed ({out.returncode})")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["wall_seconds"] = round(time.perf_counter() - started, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=DKI_ROWS)
    parser.add_argument("--applications", type=int, default=APPLICATIONS)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        choices=["sqlite", "postgresql"])  # fmt: skip
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--reuse-db", action="store_true",
                        help="keep the loaded register from an earlier run")  # fmt: skip
    parser.add_argument("--data-dir", type=Path, default=ROOT / "bench" / "data")
    args = parser.parse_args()
    pop = population(args.rows, args.data_dir)
    work = applicant_files(pop, args.rows, args.applications, args.seed, args.data_dir)
    results = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    results.update({
        "benchmark": "adhoc_eligibility",
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "rows": args.rows,
        "applications": args.applications,
        "target_seconds": 60,
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "machine": machine_info(),
    })  # fmt: skip
    for database in args.databases:
        results[f"floor_before_{database}"] = fl = floor(work / "applications.csv",
                                                         pop / "dp4.csv")  # fmt: skip
        print(f"floor (DuckDB join of the two files): {fl['median_seconds']} s", flush=True)
        print(f"{database}: register {args.rows:,}, applications {args.applications:,} ...",
              flush=True)  # fmt: skip
        r = run(database, work, pop, args.data_dir, args.repeat, args.reuse_db)
        r["date"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        results[database] = r
        ratio = r["median_seconds"] / fl["median_seconds"] if fl["median_seconds"] else None
        r["ratio_to_floor"] = round(ratio, 1) if ratio else None
        q = r["quality"]
        print(f"  checks + ranking median {r['median_seconds']} s (checks "
              f"{r['median_checks_seconds']} s; {r['ratio_to_floor']}x the floor), peak RSS "
              f"{r['peak_rss_mb']} MB; status agrees {q['status_agrees']:,}/"
              f"{q['truth_rows']:,}, reasons agree {q['reasons_agree']:,}, warnings agree "
              f"{q['warnings_agree']:,}", flush=True)  # fmt: skip
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()

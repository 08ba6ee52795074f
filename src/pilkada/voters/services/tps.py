"""tps: forming the TPS of an election's register (issue 3 part 6).

:func:`form_tps_for_election` reads the register set-based, runs the engine
(:func:`pilkada.engine.tps_formation.form_tps`, Django-free), establishes the TPS it needs
(:func:`pilkada.regions.services.ensure_tps_codes`) and writes ``Voter.tps_code`` with one
UPDATE from a temporary table, with its audit entry, all in ONE transaction: a failure or a
kill leaves every assignment as it was. Re-running passes the current assignment as
``previous``, so as few voters as possible change TPS.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field

import polars as pl
from django.conf import settings
from django.db import connection, transaction

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit
from pilkada.engine.dbload import insert_frames
from pilkada.engine.tps_formation import DEFAULT_CAP, form_tps
from pilkada.regions.codes import InvalidRegionCode, normalize_region_code
from pilkada.regions.models import Level, Region
from pilkada.regions.services import ensure_tps_codes
from pilkada.schedule.gate import require_open
from pilkada.schedule.models import Election

from ..models import Voter
from .common import read_frame
from .imports import SQLITE_BULK_CACHE_KIB

__all__ = [
    "ACTION",
    "TpsFormRefused",
    "TpsFormResult",
    "form_tps_for_election",
    "formation_region",
    "register_frame",
    "start_tps_form_job",
    "tps_max_voters",
]

#: The stage action, the permission action and the job kind.
ACTION = "voters.tps_form"
#: Sources of this election's voters (the previous DPT is a reference list, never formed).
FORMED_SOURCES = (Voter.Source.DP4, Voter.Source.COKLIT)
#: Rows per frame written to the temporary assignment table.
WRITE_ROWS = 500_000
_TMP_TABLE = "voters_tps_assign_tmp"


class TpsFormRefused(ValueError):
    """Formation was not done (nothing changed): a bad cap or region, no regions loaded."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def tps_max_voters() -> int:
    """Pemilih paling banyak per TPS: at most 600 voters per TPS in the 2024 Pilkada.

    PKPU 7/2024 (penyusunan daftar pemilih dalam Pemilihan Gubernur, Bupati dan Wali Kota)
    sets the number of voters of a TPS at no more than 600, within one kelurahan/desa and
    keeping a family and neighbours together. The number changes between elections (the
    2024 general elections used 300), so it is the setting ``PILKADA_TPS_MAX_VOTERS``.
    """
    value = getattr(settings, "PILKADA_TPS_MAX_VOTERS", DEFAULT_CAP)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise TpsFormRefused(
            "bad_setting", f"PILKADA_TPS_MAX_VOTERS must be a positive integer, not {value!r}"
        )
    return value


@dataclass
class TpsFormResult:
    election: str
    region_code: str
    cap: int
    voters: int
    tps: int
    tps_minimum: int
    moved_voters: int
    new_voters: int
    families_split: int
    voters_in_split_families: int
    rts_split: int
    rts: int
    tps_created: int
    tps_opened: int
    tps_closed: int
    assignments_written: int
    #: voters not placed: their kelurahan code is damaged or not in the reference list
    unplaced: int
    #: voters marked TMS: not formed (they keep the TPS where coklit found them)
    tms_skipped: int
    rerun: bool
    seconds: float
    per_kelurahan: dict[str, dict] = field(default_factory=dict)

    def as_dict(self, *, per_kelurahan: bool = True) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k != "per_kelurahan"}
        data["ok"] = True
        data["tps_within_minimum"] = self.tps == self.tps_minimum
        if per_kelurahan:
            data["per_kelurahan"] = self.per_kelurahan
        return data

    def summary(self) -> str:
        return (
            f"TPS formed for {self.election} in {self.region_code}: {self.tps:,} TPS for "
            f"{self.voters:,} voters (minimum sum ceil(n/{self.cap}) = {self.tps_minimum:,}); "
            f"{self.moved_voters:,} voters moved, {self.families_split:,} families and "
            f"{self.rts_split:,} of {self.rts:,} RTs split"
        )


def formation_region(*, election: Election, actor, region_code: str | None = None) -> str:
    """The region a formation covers: ``region_code`` if given, else the actor's scope when
    it is narrower than the election's region (a KPU kab/kota forms its city only), else the
    election's region. Raises TpsFormRefused for a malformed code or one outside the
    election."""
    code = region_code
    if code is None:
        scope = getattr(actor, "region_code", "") or ""
        if (
            not isinstance(actor, str)
            and actor is not None
            and scope.startswith(election.region_code)
            and scope != election.region_code
        ):
            code = scope
        else:
            code = election.region_code
    try:
        code = normalize_region_code(code)
    except InvalidRegionCode as exc:
        raise TpsFormRefused("bad_region", str(exc)) from None
    if not code.startswith(election.region_code):
        raise TpsFormRefused(
            "bad_region",
            f"region {code} lies outside the election's region {election.region_code}",
        )
    if len(code) > 10:
        raise TpsFormRefused("bad_region", f"{code} is a TPS: form TPS per kelurahan or above")
    return code


def _check(*, election: Election, actor, region: str, check_window: bool = True):
    if actor is not None and not isinstance(actor, str):
        permissions.require(actor, ACTION, region)
    if not check_window:
        return None
    return require_open(election=election, action=ACTION)


def register_frame(*, election: Election, region_code: str) -> pl.DataFrame:
    """The election's voters (DP4 and coklit rows) under ``region_code``, set-based:
    ``voter_id, kelurahan_code, rw, rt, nkk, alamat, tps_code, status``
    (:func:`.common.read_frame`: COPY on PostgreSQL, batches on SQLite)."""
    table = Voter._meta.db_table
    columns = ["voter_id", "kelurahan_code", "rw", "rt", "nkk", "alamat", "tps_code", "status"]
    schema = {c: pl.Utf8 for c in columns} | {"voter_id": pl.Int64}
    where = "election_id = %s AND source IN (%s, %s) AND kelurahan_code LIKE %s"
    params = [election.pk, *FORMED_SOURCES, f"{region_code}%"]
    select = (
        f"SELECT id, kelurahan_code, rw, rt, nkk, alamat, tps_code, status FROM {table} "
        f"WHERE {where}"
    )
    # NULL stays null: a voter without tps_code has no TPS yet (the engine reads it so).
    return read_frame(select, schema, params, text_nulls_as_empty=False)


def _known_kelurahan(region_code: str) -> set[str]:
    return set(
        Region.objects.filter(level=Level.KELURAHAN, code__startswith=region_code).values_list(
            "code", flat=True
        )
    )


def form_tps_for_election(
    *,
    election: Election,
    actor,
    cap: int | None = None,
    progress: Callable[..., None] | None = None,
    region_code: str | None = None,
    check_window: bool = True,
) -> TpsFormResult:
    """Form (or re-form) the TPS of ``election`` in the actor's region.

    Reads the voters of the register (DP4 and coklit rows, not TMS) with their current TPS,
    forms TPS of at most ``cap`` voters (default :func:`tps_max_voters`) per kelurahan with
    the engine, creates the TPS rows it needs and writes every changed ``Voter.tps_code``
    set-based, with one audit entry (TPS per kelurahan, moved voters), in one transaction.

    A KPU kab/kota forms the TPS of its city, KPU provinsi (and the system) the whole
    election; ``region_code`` narrows it further. Refused (nothing changes) outside the
    ``voters.tps_form`` window (StageClosed), without permission (PermissionDenied) or for
    a bad cap or region (:class:`TpsFormRefused`). Voters whose kelurahan code is damaged
    or unknown are not placed (counted in ``unplaced``; coklit corrects them).

    ``check_window=False`` is for seeding demo and training data only (as
    ``replace_population``); every interface an officer uses keeps the gate.
    """
    started = time.perf_counter()
    say = progress or (lambda done, total=None, message="": None)
    region = formation_region(election=election, actor=actor, region_code=region_code)
    _check(election=election, actor=actor, region=region, check_window=check_window)
    if cap is None:
        cap = tps_max_voters()
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise TpsFormRefused("bad_cap", f"the cap must be a positive integer, not {cap!r}")
    known = _known_kelurahan(region)
    if not known:
        raise TpsFormRefused(
            "no_regions", f"no kelurahan of region {region} is loaded: load the regions first"
        )
    say(0, 3, "membaca daftar pemilih")
    frame = register_frame(election=election, region_code=region)
    placeable = pl.col("kelurahan_code").is_in(sorted(known))
    is_tms = pl.col("status") == Voter.Status.TMS
    unplaced = frame.filter(~placeable & ~is_tms).height
    tms_skipped = frame.filter(is_tms).height
    voters = frame.filter(placeable & ~is_tms)
    previous = frame.filter(pl.col("tps_code").is_not_null()).select("voter_id", "tps_code")
    rerun = previous.height > 0
    say(1, 3, "membentuk TPS")
    if voters.height == 0:
        raise TpsFormRefused(
            "no_voters", f"the register of {election.slug} has no voters in region {region}"
        )
    plan = form_tps(voters, cap=cap, previous=previous if rerun else None)
    assignment = plan.assignment.select("voter_id", "tps_code")
    changed = (
        assignment.join(
            voters.select("voter_id", pl.col("tps_code").alias("_old")), on="voter_id"
        )
        .filter(pl.col("_old").is_null() | (pl.col("_old") != pl.col("tps_code")))
        .select("voter_id", "tps_code")
    )
    per_kel = {
        row["kelurahan_code"]: {
            "voters": row["voters"],
            "tps": row["tps"],
            "tps_minimum": row["tps_minimum"],
            "moved": row.get("moved") or 0,
        }
        for row in plan.kelurahan.iter_rows(named=True)
    }
    diag = plan.diagnostics
    say(2, 3, "menyimpan TPS pemilih")
    with transaction.atomic():
        decision = _check(
            election=election, actor=actor, region=region, check_window=check_window
        )
        # One formation of an election at a time (PostgreSQL; SQLite writers queue anyway).
        Election.objects.select_for_update().filter(pk=election.pk).first()
        # regions.ensure_tps_codes checks a non-None actor as a User: a named component (the
        # demo, a task) creates the TPS as the system.
        ensured = ensure_tps_codes(
            actor=None if isinstance(actor, str) else actor, codes=plan.tps["tps_code"].to_list()
        )
        written = _write_assignment(changed)
        result = TpsFormResult(
            election=election.slug,
            region_code=region,
            cap=cap,
            voters=diag.voters,
            tps=diag.tps,
            tps_minimum=diag.tps_minimum,
            moved_voters=diag.moved_voters or 0,
            new_voters=diag.new_voters if diag.new_voters is not None else diag.voters,
            families_split=diag.families_split,
            voters_in_split_families=diag.voters_in_split_families,
            rts_split=diag.rts_split,
            rts=diag.rts,
            tps_created=ensured.created,
            tps_opened=diag.tps_opened if diag.tps_opened is not None else diag.tps,
            tps_closed=diag.tps_closed or 0,
            assignments_written=written,
            unplaced=unplaced,
            tms_skipped=tms_skipped,
            rerun=rerun,
            seconds=0.0,
            per_kelurahan=per_kel,
        )
        record_audit(
            actor=actor,
            action=ACTION,
            object_type="schedule.Election",
            object_id=election.slug,
            old={"assigned": previous.height} if rerun else None,
            new={
                **result.as_dict(per_kelurahan=False),
                "tps_per_kelurahan": {k: v["tps"] for k, v in per_kel.items()},
                "moved_per_kelurahan": {k: v["moved"] for k, v in per_kel.items() if v["moved"]},
                "window": decision.as_dict()["stage"] if decision else "not checked (seed)",
            },
        )
    result.seconds = round(time.perf_counter() - started, 3)
    say(3, 3, "selesai")
    return result


def _write_assignment(changed: pl.DataFrame) -> int:
    """Set ``tps_code`` of the voters in ``changed`` (voter_id, tps_code): the rows go into a
    temporary table (COPY / executemany) and one UPDATE ... FROM applies them. Inside the
    caller's transaction."""
    if changed.height == 0:
        return 0
    table = Voter._meta.db_table
    vendor = connection.vendor
    connection.ensure_connection()
    old_cache = None
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            # The UPDATE touches rows all over the table: a larger page cache (as the import's
            # bulk load uses) saves most of the re-reads. Restored below.
            cursor.execute("PRAGMA cache_size")
            old_cache = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = -{int(SQLITE_BULK_CACHE_KIB)}")
        cursor.execute(f"DROP TABLE IF EXISTS {_TMP_TABLE}")
        if vendor == "postgresql":
            cursor.execute(
                f"CREATE TEMP TABLE {_TMP_TABLE} (voter_id bigint PRIMARY KEY, "
                "tps_code varchar(13) NOT NULL) ON COMMIT DROP"
            )
        else:
            cursor.execute(
                f"CREATE TEMP TABLE {_TMP_TABLE} (voter_id integer PRIMARY KEY, "
                "tps_code varchar(13) NOT NULL)"
            )
    with connection.wrap_database_errors:
        insert_frames(
            connection.connection,
            vendor,
            _TMP_TABLE,
            ["voter_id", "tps_code"],
            (changed.slice(i, WRITE_ROWS) for i in range(0, changed.height, WRITE_ROWS)),
        )
    with connection.cursor() as cursor, _indexes_dropped_for(table, changed.height):
        if vendor == "postgresql":
            cursor.execute(f"ANALYZE {_TMP_TABLE}")
            # The UPDATE hash-joins the assignments with the table: with the default 4 MB
            # the hash spills to disk in batches (measured on 8.2 M rows: 73.2 s with the
            # default, 60.5 s with 256 MB). For this transaction only.
            cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(
            f"UPDATE {table} SET tps_code = t.tps_code FROM {_TMP_TABLE} AS t "
            f"WHERE {table}.id = t.voter_id"
        )
        updated = cursor.rowcount
        if vendor != "postgresql":
            cursor.execute(f"DROP TABLE {_TMP_TABLE}")
        if old_cache is not None:
            cursor.execute(f"PRAGMA cache_size = {int(old_cache)}")
    if updated != changed.height:  # pragma: no cover - a voter deleted under us
        raise RuntimeError(f"wrote {updated} TPS assignments, expected {changed.height}")
    return updated


#: On PostgreSQL an UPDATE of this many rows or more (and of a quarter of the table or more)
#: drops the table's secondary indexes and rebuilds them afterwards, in the same transaction:
#: every updated row is a new tuple version whose entries each index would insert one by one.
REBUILD_INDEXES_MIN_ROWS = 200_000


@contextmanager
def _indexes_dropped_for(table: str, rows: int):
    """On PostgreSQL, for a large share of the table: drop the secondary indexes (not those
    backing constraints) and recreate them from their saved definitions afterwards. DDL is
    transactional, so a failure rolls the drops back with the update; readers of the table
    wait until the commit (TPS formation is rare and the page shows it as a job)."""
    indexes: list[tuple[str, str]] = []
    if connection.vendor == "postgresql" and rows >= REBUILD_INDEXES_MIN_ROWS:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [table]
            )
            estimate = cursor.fetchone()[0] or 0
            if rows * 4 >= estimate:
                cursor.execute(
                    "SELECT indexname, indexdef FROM pg_indexes "
                    "WHERE schemaname = current_schema() AND tablename = %s AND indexname "
                    "NOT IN (SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                    [table, table],
                )
                indexes = list(cursor.fetchall())
                qn = connection.ops.quote_name
                if indexes:  # DDL refuses while deferred checks are queued on the table
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                for name, _definition in indexes:
                    cursor.execute(f"DROP INDEX {qn(name)}")
    yield
    if indexes:
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for _name, definition in indexes:
                cursor.execute(definition)


def start_tps_form_job(*, election: Election, actor, cap: int | None = None):
    """Queue a formation (job kind ``voters.tps_form``) after the cheap checks (window,
    permission, cap); the job runs :func:`form_tps_for_election` as the same actor."""
    from pilkada.jobs.services import start_job

    region = formation_region(election=election, actor=actor)
    _check(election=election, actor=actor, region=region)
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or cap < 1):
        raise TpsFormRefused("bad_cap", f"the cap must be a positive integer, not {cap!r}")
    return start_job(
        kind=ACTION,
        actor=actor,
        params={"election_id": election.pk, "cap": cap, "region_code": region},
        region_code=region,
    )

"""Writes of the synchronisation: the DP4 against the previous DPT (PKPU 7/2024).

:func:`synchronise` reads the election's DP4 rows and previous-DPT rows (source
``dpt-lama``) set-based, classifies them with :func:`pilkada.engine.sync.synchronise`
(NIK first, then name key + birth date; new voters and those turning 17; previous voters
missing from the DP4) and stores, in one transaction with its audit entry, one
:class:`~pilkada.voters.models.SyncMatch` per voter row and the counts per region at every
level. Each run replaces the previous run's rows.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable

import polars as pl
from django.conf import settings
from django.db import connection, transaction

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit
from pilkada.engine import sync as engine
from pilkada.engine.dbload import insert_frames
from pilkada.schedule.gate import require_open

from ..models import SyncMatch, SyncRegionCount, SyncRun, Voter
from .common import actor_name as _actor_name
from .common import read_frame
from .imports import bulk_load

__all__ = ["SyncRefused", "previous_voting_day", "synchronise"]

STAGE_ACTION = "voters.sync_dp4"
PERMISSION = "voters.sync"
LEVELS = (2, 4, 6, 10)
#: Voting day of the election the previous DPT was set for (Pemilu 2024: 14 February 2024,
#: Keputusan KPU 21/2022 on the Pemilu 2024 schedule). A setting: the next cycle's previous
#: DPT is another election's.
DEFAULT_PREVIOUS_VOTING_DAY = dt.date(2024, 2, 14)

Progress = Callable[[int, int | None, str], None]

SCHEMA = {
    "voter_id": pl.Int64,
    "nik": pl.String,
    "nama": pl.String,
    "tanggal_lahir": pl.Date,
    "kelurahan_code": pl.String,
}


class SyncRefused(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def previous_voting_day() -> dt.date:
    """``settings.PILKADA_PREVIOUS_VOTING_DAY`` (a date or ISO text), default 14 Feb 2024."""
    value = getattr(settings, "PILKADA_PREVIOUS_VOTING_DAY", DEFAULT_PREVIOUS_VOTING_DAY)
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _rows(election, source: str) -> pl.DataFrame:
    sql = (
        f"SELECT id, nik, nama, tanggal_lahir, kelurahan_code FROM {Voter._meta.db_table} "
        f"WHERE election_id = {int(election.pk)} AND source = '{Voter.Source(source).value}' "
        "ORDER BY id"
    )
    return read_frame(sql, SCHEMA)


def region_counts(counts: pl.DataFrame, *, region_code: str) -> pl.DataFrame:
    """Per-kelurahan counts summed up to every level (province, kab/kota, kecamatan,
    kelurahan). A row whose kelurahan code is not 10 digits counts only towards the
    election's region (and the province)."""
    valid = counts["kelurahan_code"].str.contains(r"^\d{10}$")
    good, bad = counts.filter(valid), counts.filter(~valid)
    parts = [
        good.with_columns(region_code=pl.col("kelurahan_code").str.slice(0, n)) for n in LEVELS
    ]
    codes = {region_code[:2], region_code}
    parts += [bad.with_columns(region_code=pl.lit(code)) for code in sorted(codes)]
    cols = list(engine.COUNT_COLUMNS)
    return (
        pl.concat([p.select("region_code", *cols) for p in parts])
        .group_by("region_code")
        .agg(pl.col(c).sum() for c in cols)
        .sort("region_code")
    )


def synchronise(
    *, election, actor, progress: Progress | None = None, check_window: bool = True
) -> SyncRun:
    """Synchronise ``election``'s DP4 with its previous DPT; returns the stored run.
    ``check_window=False`` is for seeding demo and training data only.

    Refused with StageClosed outside the ``voters.sync_dp4`` window, PermissionDenied
    without ``voters.sync`` over the election's region, :class:`SyncRefused` when the DP4 or
    the previous DPT has not been imported.
    """
    started = time.perf_counter()
    if check_window:
        require_open(election=election, action=STAGE_ACTION)
    if actor is not None and not isinstance(actor, str):
        permissions.require(actor, PERMISSION, election.region_code)
    say = progress or (lambda done, total=None, message="": None)
    say(0, 100, "membaca DP4 dan DPT lama")
    dp4 = _rows(election, Voter.Source.DP4)
    previous = _rows(election, Voter.Source.DPT_LAMA)
    if dp4.height == 0:
        raise SyncRefused("no_dp4", "no DP4 rows: import the DP4 first")
    if previous.height == 0:
        raise SyncRefused(
            "no_previous",
            "no previous-DPT rows: import the previous DPT first "
            "(pilkada voters import FILE --kind dpt-lama)",
        )
    say(30, 100, "mencocokkan")
    result = engine.synchronise(
        dp4, previous, voting_day=election.voting_day, previous_voting_day=previous_voting_day()
    )
    if not result.reconciles:  # pragma: no cover - a bug in the engine
        raise AssertionError(f"synchronisation does not reconcile: {result.totals()}")
    say(60, 100, "menyimpan")
    counts = region_counts(result.counts, region_code=election.region_code)
    totals = result.totals()
    m_table, c_table = SyncMatch._meta.db_table, SyncRegionCount._meta.db_table
    with transaction.atomic():
        if check_window:  # again inside the transaction: the window may have moved
            require_open(election=election, action=STAGE_ACTION)
        # Serialise two runs of one election (PostgreSQL; SQLite transactions are IMMEDIATE).
        type(election).objects.select_for_update().filter(pk=election.pk).first()
        previous_run = SyncRun.objects.filter(election=election).first()
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {m_table} WHERE election_id = %s", [election.pk])
            cursor.execute(f"DELETE FROM {c_table} WHERE election_id = %s", [election.pk])
        run = SyncRun.objects.create(
            election=election,
            started_by=_actor_name(actor)[:150],
            dp4_rows=totals["dp4_rows"],
            previous_rows=totals["previous_rows"],
            found_by_nik=totals["found_by_nik"],
            found_by_fuzzy=totals["found_by_fuzzy"],
            new=totals["new"],
            new_turning_17=totals["new_turning_17"],
            previous_found=totals["previous_found"],
            missing=totals["missing"],
            stats=result.stats,
        )
        ids = {
            "election_id": pl.lit(election.pk, pl.Int64),
            "run_id": pl.lit(run.pk, pl.Int64),
        }
        match_columns = [
            "voter_id", "election_id", "run_id", "is_previous", "method", "matched_voter_id",
            "turns_17", "kelurahan_code",
        ]  # fmt: skip
        frames = [
            result.dp4.with_columns(**ids, is_previous=pl.lit(False)),
            result.previous.with_columns(
                **ids, is_previous=pl.lit(True), turns_17=pl.lit(False)
            ),
        ]
        count_columns = ["election_id", "run_id", "region_code", *engine.COUNT_COLUMNS]
        rows = result.dp4.height + result.previous.height
        # The table was just emptied: its secondary index is rebuilt once after the load.
        with bulk_load(table=m_table, incoming_rows=rows):
            connection.ensure_connection()
            with connection.wrap_database_errors:
                insert_frames(
                    connection.connection,
                    connection.vendor,
                    m_table,
                    match_columns,
                    (f.select(match_columns) for f in frames),
                )
        with connection.wrap_database_errors:
            insert_frames(
                connection.connection,
                connection.vendor,
                c_table,
                count_columns,
                [counts.with_columns(**ids)],
            )
        run.seconds = round(time.perf_counter() - started, 3)
        run.save(update_fields=["seconds"])
        record_audit(
            actor=actor,
            action="voters.sync",
            object_type="voters.SyncRun",
            object_id=run.pk,
            old={"run": previous_run.pk} if previous_run else None,
            new={"election": election.slug, **totals, "rule": engine.RULE},
        )
    say(100, 100, "selesai")
    return run

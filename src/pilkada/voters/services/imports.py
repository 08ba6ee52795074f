"""Writes to the voter register: importing DP4 and previous-DPT files, voter counts.

:func:`import_voter_file` is the one way rows enter the register in bulk (web, CLI and the
demo all go through it): the schedule gate, the engine's validation
(:func:`pilkada.engine.dp4_import.read_and_validate`), a set-based load (COPY on PostgreSQL,
one ``executemany`` transaction on SQLite), the ImportBatch, one audit entry and the voter
counts, all in one transaction. A failure or a kill mid-way leaves the database as it was.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from pilkada.accounts import permissions
from pilkada.accounts.roles import Role
from pilkada.audit.services import record_audit
from pilkada.engine.dbload import insert_frames
from pilkada.engine.dp4_import import (
    KINDS,
    DP4Stream,
    FileProblem,
    FileRejected,
    ImportOutcome,
    Progress,
)
from pilkada.engine.tabular_read import file_sha256 as _file_sha256
from pilkada.regions.models import Level, Region
from pilkada.schedule.gate import Decision, require_open
from pilkada.schedule.models import Election

from ..models import ImportBatch, RegionVoterCount, Voter
from .common import actor_name as _actor_name

__all__ = [
    "IMPORT_ACTIONS",
    "ImportRefused",
    "ImportResult",
    "file_sha256",
    "import_voter_file",
    "job_progress",
    "refresh_region_counts",
    "replace_population",
    "start_import_job",
]

#: The schedule action that must be open to import each kind. The previous DPT is brought
#: in during the same stage as the DP4 (the DP4 handover is "synchronised with the last
#: DPT"), so both use the DP4 window.
IMPORT_ACTIONS = {
    ImportBatch.Kind.DP4: "voters.import_dp4",
    ImportBatch.Kind.DPT_LAMA: "voters.import_dp4",
}
#: Audit actions: an officer's import, and a demo/training seed that bypassed the gate.
AUDIT_ACTION = "voters.import"
AUDIT_ACTION_SEED = "voters.population.replace"
#: The permission asked of a User actor (accounts.permissions.ACTION_ROLES).
PERMISSION = "voters.import"
_PERMISSION_FALLBACK_ROLES = frozenset({Role.KPU_PROVINSI, Role.KPU_KABKOTA})

# Columns of the voter table that a load fills; the others take their database defaults
# (status 'pending', empty tms_note, no tms_code, no tps_code).
VOTER_COLUMNS = [
    "election_id", "batch_id", "source", "line", "nkk", "nik", "nama", "tempat_lahir",
    "tanggal_lahir", "jenis_kelamin", "status_kawin", "alamat", "rt", "rw", "kelurahan_code",
    "disabilitas", "ktp_el", "quality_flags",
]  # fmt: skip

# Region code length at each level above the kelurahan (KPU style, no dots).
COUNT_LEVEL_LENGTHS = (2, 4, 6, 10)

file_sha256 = _file_sha256


class ImportRefused(Exception):
    """The import was not done, for a reason that is not the file's content (unknown kind,
    no reference regions, a register with coklit work on it, no permission). The database
    is unchanged."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass
class ImportResult:
    batch: ImportBatch
    outcome: ImportOutcome
    replaced: dict | None  # the batch this import replaced (id, file, sha256, rows), if any
    seconds: float
    load_seconds: float

    def as_dict(self) -> dict:
        o = self.outcome
        return {
            "accepted": o.accepted,
            "flagged": o.flagged,
            "rejected": o.rejected,
            "blank": o.blank,
            "repeated_headers": o.repeated_headers,
            "read": o.read,
            "rejects_file": str(o.rejects_path) if o.rejects_path else None,
            "batch_id": self.batch.pk,
            "sha256": o.sha256,
            "seconds": round(self.seconds, 3),
            "kind": self.batch.kind,
            "election": self.batch.election.slug,
            "file": o.path.name,
            "format": o.file_format,
            "encoding": o.encoding,
            "delimiter": o.delimiter,
            "reconciles": o.reconciles,
            "flags": dict(sorted(o.flag_counts.items())),
            "rejects": dict(sorted(o.reject_counts.items())),
            "notes": o.notes,
            "replaced": self.replaced,
            "validate_seconds": round(o.seconds, 3),
            "load_seconds": round(self.load_seconds, 3),
        }


def _check_permission(actor, election: Election) -> None:
    """A User must be allowed to import for the election's region; the system (None) and
    named components (str: the demo, a task) act as operators."""
    if actor is None or isinstance(actor, str):
        return
    if PERMISSION in permissions.ACTION_ROLES:
        permissions.require(actor, PERMISSION, election.region_code)
        return
    # Until accounts.permissions lists the action: KPU of the region, or an operator.
    if permissions.is_operator(actor):
        return
    if getattr(actor, "role", "") in _PERMISSION_FALLBACK_ROLES and permissions.in_scope(
        actor, election.region_code
    ):
        return
    from django.core.exceptions import PermissionDenied

    raise PermissionDenied(f"{PERMISSION}: {actor.get_username()} may not import voter lists")


def _kind(kind) -> ImportBatch.Kind:
    try:
        return ImportBatch.Kind(str(kind))
    except ValueError:
        raise ImportRefused(
            "unknown_kind", f"unknown kind {kind!r}: expected one of {', '.join(KINDS)}"
        ) from None


def _kelurahan_codes(election: Election) -> list[str]:
    codes = list(
        Region.objects.filter(
            level=Level.KELURAHAN, code__startswith=election.region_code
        ).values_list("code", flat=True)
    )
    if not codes:
        raise ImportRefused(
            "no_regions",
            f"no kelurahan of region {election.region_code} is loaded: load the region "
            "reference data first (pilkada setup / pilkada regions load)",
        )
    return codes


def _rejects_path(election: Election, kind: str) -> Path:
    directory = Path(settings.DATA_DIR) / "imports" / election.slug
    directory.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    return directory / f"{kind}-{stamp}-rejects.csv"


def _relative_to_data(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path(settings.DATA_DIR).resolve()))
    except ValueError:
        return str(path)


def import_voter_file(
    *,
    election: Election,
    path: str | Path,
    kind: str,
    actor=None,
    progress: Callable[[Progress], None] | None = None,
    check_window: bool = True,
) -> ImportResult:
    """Import a DP4 or previous-DPT file (CSV, XLSX or Parquet) into ``election``.

    Refused (nothing changes) when the stage window for ``voters.import_dp4`` is closed
    (:class:`~pilkada.schedule.gate.StageClosed`), the file as a whole cannot be imported
    (:class:`~pilkada.engine.tabular_read.FileRejected`), or for the reasons of
    :class:`ImportRefused`. Otherwise every row is accepted, flagged (kept with its
    data-quality flags) or rejected (to the rejects file kept under
    ``DATA_DIR/imports/<election>/``), and the counts reconcile.

    The file is validated in a background thread while the rows already validated are
    loaded, all inside one transaction: a failure, a whole-file problem found at the end
    (no row readable as a person) or a kill leaves the database as it was.

    Re-importing for the same election and kind **replaces** the previous batch (its rows,
    counts and ImportBatch; the audit entry records what was replaced), unless coklit has
    already worked on its rows (a status other than pending, or a TPS): then the import is
    refused, since replacing would lose that work.

    ``check_window=False`` is for seeding demo and training data only (``replace_population``);
    every interface an officer uses keeps the gate.
    """
    started = time.perf_counter()
    kind = _kind(kind)
    decision: Decision | None = None
    if check_window:
        decision = require_open(election=election, action=IMPORT_ACTIONS[kind])
    _check_permission(actor, election)
    codes = _kelurahan_codes(election)
    rejects_path = _rejects_path(election, kind.value)
    try:
        # Opening checks the file as a whole (format, header, columns) before any write.
        stream = DP4Stream(
            Path(path),
            kind=kind.value,
            province_code=election.region_code,
            kelurahan_codes=codes,
            reference_date=election.voting_day,
            rejects_path=rejects_path,
            progress=progress,
        )
        batch, replaced, load_seconds = _load(
            election=election,
            kind=kind,
            stream=stream,
            actor=actor,
            progress=progress,
            check_window=check_window,
            rejects_rel=_relative_to_data(rejects_path),
            started=started,
            decision=decision,
        )
    except FileRejected as exc:
        # Keep the rejects file only when it explains the refusal (every row rejected).
        if exc.problem is not FileProblem.NOTHING_READABLE:
            rejects_path.unlink(missing_ok=True)
        raise
    except BaseException:
        rejects_path.unlink(missing_ok=True)
        raise
    assert stream.outcome is not None
    refresh_planner_statistics(table=Voter._meta.db_table)
    return ImportResult(
        batch=batch,
        outcome=stream.outcome,
        replaced=replaced,
        seconds=time.perf_counter() - started,
        load_seconds=load_seconds,
    )


def _frames(
    frames: Iterator[pl.DataFrame],
    *,
    election_id: int,
    batch_id: int,
    source: str,
    progress,
    expected: int | None,
) -> Iterator[pl.DataFrame]:
    done = 0
    for frame in frames:
        yield frame.with_columns(
            pl.lit(election_id, pl.Int64).alias("election_id"),
            pl.lit(batch_id, pl.Int64).alias("batch_id"),
            pl.lit(source).alias("source"),
        )
        done += frame.height
        if progress is not None:
            total = max(expected or 0, done) or None
            progress(Progress(stage="load", rows=done, total=total))
    if progress is not None:
        progress(Progress(stage="load", rows=done, total=done, fraction=1.0))


def _batch_has_work(batch: ImportBatch) -> bool:
    """Whether later stages worked on the batch's rows: a status other than pending or a TPS
    (coklit, eligibility, duplicates, TPS formation), a coklit record (changed data keeps
    the status), or a KTP-el Dukcapil issued. Replacing the batch would lose that work."""
    from ..models import CoklitRecord, KtpElIssuance

    rows = Voter.objects.filter(batch=batch)
    return (
        rows.exclude(status=Voter.Status.PENDING, tps_code__isnull=True).exists()
        or CoklitRecord.objects.filter(voter__batch=batch).exists()
        or KtpElIssuance.objects.filter(voter_id__in=rows.values("pk")).exists()
    )


def _batch_summary(batch: ImportBatch) -> dict:
    return {
        "batch_id": batch.pk,
        "kind": batch.kind,
        "file": batch.file_name,
        "sha256": batch.sha256,
        "rows": batch.rows,
        "created_at": batch.created_at.isoformat() if batch.created_at else None,
    }


def _delete_batch(batch: ImportBatch) -> None:
    """Remove a batch and its rows, set-based (one DELETE, no ORM cascade)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Voter._meta.db_table} WHERE batch_id = %s", [batch.pk])
    batch.delete()


def _load(
    *,
    election: Election,
    kind: ImportBatch.Kind,
    stream: DP4Stream,
    actor,
    progress,
    check_window: bool,
    rejects_rel: str,
    started: float,
    decision: Decision | None,
) -> tuple[ImportBatch, dict | None, float]:
    load_started = time.perf_counter()
    table = Voter._meta.db_table
    with transaction.atomic():
        if check_window:
            # Again inside the transaction: the window may have moved since the first ask.
            decision = require_open(election=election, action=IMPORT_ACTIONS[kind])
        # Serialise imports of one election (PostgreSQL; SQLite transactions are IMMEDIATE).
        Election.objects.select_for_update().filter(pk=election.pk).first()
        old = ImportBatch.objects.filter(election=election, kind=kind).first()
        replaced = None
        if old is not None:
            worked = _batch_has_work(old)
            if worked:
                raise ImportRefused(
                    "register_in_use",
                    f"the {kind.label} batch {old.file_name} (id {old.pk}) already has coklit "
                    "results or TPS assignments; replacing it would lose them. Nothing was "
                    "imported.",
                )
            replaced = _batch_summary(old)
            _delete_batch(old)
        source = stream.source
        batch = ImportBatch.objects.create(
            election=election,
            kind=kind,
            file_name=source.path.name[:255],
            sha256="",  # known once the whole file is read
            file_format=source.format,
            rejects_file=rejects_rel,
            imported_by=_actor_name(actor)[:150],
        )
        expected = stream.estimated_rows
        validated = stream.prefetched()
        try:
            with bulk_load(table=table, incoming_rows=expected or 0):
                connection.ensure_connection()
                with connection.wrap_database_errors:  # DB-API errors as django.db errors
                    rows = insert_frames(
                        connection.connection,
                        connection.vendor,
                        table,
                        VOTER_COLUMNS,
                        _frames(
                            validated,
                            election_id=election.pk,
                            batch_id=batch.pk,
                            source=kind.value,
                            progress=progress,
                            expected=expected,
                        ),
                    )
        finally:
            validated.close()  # stop the reading thread at once if the load failed
        outcome = stream.outcome
        if outcome is None or rows != outcome.persons:  # pragma: no cover - a bug
            raise AssertionError(f"loaded {rows} rows; outcome {outcome}")
        refresh_region_counts(election=election)
        batch.sha256 = outcome.sha256
        batch.rows = outcome.persons
        batch.read = outcome.read
        batch.accepted = outcome.accepted
        batch.flagged = outcome.flagged
        batch.rejected = outcome.rejected
        batch.blank = outcome.blank
        batch.repeated_headers = outcome.repeated_headers
        batch.report = _report(outcome, decision)
        batch.seconds = round(time.perf_counter() - started, 3)
        batch.save()
        record_audit(
            actor=actor,
            action=AUDIT_ACTION if check_window else AUDIT_ACTION_SEED,
            object_type="voters.ImportBatch",
            object_id=batch.pk,
            old=replaced,
            new={
                **_batch_summary(batch),
                "election": election.slug,
                "read": outcome.read,
                "accepted": outcome.accepted,
                "flagged": outcome.flagged,
                "rejected": outcome.rejected,
                "blank": outcome.blank,
                "repeated_headers": outcome.repeated_headers,
                "rejects_file": rejects_rel,
                "window": decision.as_dict()["stage"] if decision else "not checked (seed)",
            },
        )
    return batch, replaced, time.perf_counter() - load_started


def refresh_planner_statistics(*, table: str) -> None:
    """Let the query planner see a table after a bulk load (millions of rows arriving at
    once leave its statistics stale: measured on PostgreSQL, a province-wide grouped count
    took 973 ms before ``ANALYZE`` and 162 ms after). PostgreSQL samples the table;
    SQLite's ``PRAGMA optimize`` re-analyses only what it judges stale."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        elif connection.vendor == "sqlite":
            cursor.execute("PRAGMA optimize")


#: SQLite page cache for a bulk load, in KiB (the default is 2 MB; the voter table's
#: indexes thrash it). Restored afterwards.
SQLITE_BULK_CACHE_KIB = 1 << 20
#: Below this many rows already in the table, a load drops the table's secondary indexes
#: (and, on PostgreSQL, its foreign keys) and rebuilds them afterwards, in the same
#: transaction: building an index once is far cheaper than maintaining it row by row.
REBUILD_MIN_ROWS = 100_000


@contextmanager
def bulk_load(*, table: str, incoming_rows: int):
    """Make a large insert into ``table`` cheap, inside the caller's transaction.

    When the table holds fewer rows than are coming (and fewer than
    :data:`REBUILD_MIN_ROWS` counts as "few"), its secondary indexes -- and on PostgreSQL
    its foreign keys, whose deferred checks would run once per row -- are dropped before the
    load and recreated from their saved definitions after it. DDL is transactional on both
    databases: a failed load rolls the drops back with the rows. On PostgreSQL the drops
    lock the table against readers until the commit; this happens only when the table is
    (nearly) empty for this load, e.g. the first DP4 import.

    On SQLite the page cache is raised for the load and restored afterwards.
    """
    vendor = connection.vendor
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table}")
        existing = cursor.fetchone()[0]
    rebuild = existing < max(REBUILD_MIN_ROWS, incoming_rows)
    indexes: list[tuple[str, str]] = []
    foreign_keys: list[tuple[str, str]] = []
    old_cache = None
    with connection.cursor() as cursor:
        if vendor == "sqlite":
            cursor.execute("PRAGMA cache_size")
            old_cache = cursor.fetchone()[0]
            cursor.execute(f"PRAGMA cache_size = -{int(SQLITE_BULK_CACHE_KIB)}")
            if rebuild:
                cursor.execute(
                    "SELECT name, sql FROM sqlite_master WHERE type = 'index' "
                    "AND tbl_name = %s AND sql IS NOT NULL",
                    [table],
                )
                indexes = list(cursor.fetchall())
        elif vendor == "postgresql" and rebuild:
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE schemaname = current_schema() AND tablename = %s AND indexname NOT IN "
                "(SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass)",
                [table, table],
            )
            indexes = list(cursor.fetchall())
            cursor.execute(
                "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                "WHERE conrelid = %s::regclass AND contype = 'f'",
                [table],
            )
            foreign_keys = list(cursor.fetchall())
        qn = connection.ops.quote_name
        if vendor == "postgresql" and (indexes or foreign_keys):
            # DDL on a table refuses while deferred checks are queued on it (the new batch
            # row, a replaced batch): run them now, and keep checks immediate from here on.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for name, _definition in foreign_keys:
            cursor.execute(f"ALTER TABLE {qn(table)} DROP CONSTRAINT {qn(name)}")
        for name, _definition in indexes:
            cursor.execute(f"DROP INDEX {qn(name)}")
    try:
        yield
        with connection.cursor() as cursor:
            if vendor == "postgresql" and (indexes or foreign_keys):
                cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for name, definition in foreign_keys:
                cursor.execute(f"ALTER TABLE {qn(table)} ADD CONSTRAINT {qn(name)} {definition}")
            for _name, definition in indexes:
                cursor.execute(definition)
    finally:
        if old_cache is not None:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(old_cache)}")


def _report(outcome: ImportOutcome, decision: Decision | None) -> dict:
    data = outcome.as_dict()
    for key in ("file", "rejects_file"):
        data.pop(key, None)
    data["window"] = decision.as_dict() if decision else None
    return _jsonable(data)


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def job_progress(callback: Callable[..., None]) -> Callable[[Progress], None]:
    """Adapt the import's progress events to a jobs ``ProgressWriter``-style callback,
    ``callback(done, total=None, message="")``: reading reports rows read, loading rows
    written of the rows expected."""

    def report(event: Progress) -> None:
        if event.stage == "read":
            message = "membaca berkas"
            if event.fraction is not None:
                message += f" ({event.fraction:.0%})"
            callback(event.rows, None, message)
        else:
            callback(event.rows, event.total, "memuat ke basis data")

    return report


def replace_population(*, election, path: Path, actor=None, kind=ImportBatch.Kind.DP4):
    """Seed an election's register from a DP4 file without asking the stage gate.

    For the demo (`make run` runs on a coklit-stage clock, after the DP4 window) and for
    training data; officers import through :func:`import_voter_file` with the gate. Same
    validation, load, audit and atomicity. Returns the ImportBatch.
    """
    result = import_voter_file(
        election=election, path=path, kind=kind, actor=actor, check_window=False
    )
    return result.batch


def refresh_region_counts(*, election) -> None:
    """Recount the register's voters per region at every level.

    One grouped scan of the election's rows (by kelurahan code and sex), summed up the
    levels in Python (a few hundred groups). Rows of the previous DPT (a reference list,
    not this election's voters) are not counted. A row whose kelurahan code is not a
    10-digit code counts only towards the election's own region.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT kelurahan_code, jenis_kelamin, count(*)
            FROM {Voter._meta.db_table}
            WHERE election_id = %s AND source <> %s
            GROUP BY kelurahan_code, jenis_kelamin
            """,
            [election.pk, Voter.Source.DPT_LAMA],
        )
        groups = cursor.fetchall()
    totals: dict[str, list[int]] = {}
    region = election.region_code

    def add(code: str, sex: str, n: int) -> None:
        counts = totals.setdefault(code, [0, 0, 0])
        counts[0] += n
        if sex == "L":
            counts[1] += n
        elif sex == "P":
            counts[2] += n

    for code, sex, n in groups:
        if len(code) == 10 and code.isdigit():
            for length in COUNT_LEVEL_LENGTHS:
                add(code[:length], sex, n)
        else:
            add(region, sex, n)
    with transaction.atomic():
        RegionVoterCount.objects.filter(election=election).delete()
        RegionVoterCount.objects.bulk_create(
            [
                RegionVoterCount(
                    election=election,
                    region_code=code,
                    total=total,
                    laki_laki=male,
                    perempuan=female,
                )
                for code, (total, male, female) in sorted(totals.items())
            ],
            batch_size=1000,
        )


#: Where uploaded files wait for their import job, relative to settings.DATA_DIR.
UPLOAD_DIR = "uploads"
#: Largest accepted upload (a province's DP4 as CSV is about 1.5 GB for 8 million rows).
MAX_UPLOAD_BYTES = 4 << 30


def start_import_job(*, election: Election, actor, upload, kind: str):
    """Check, store and queue an uploaded DP4 / previous-DPT file for import in the background.

    The cheap refusals happen here, before the upload is kept: an unknown kind, a closed
    window, no permission, an empty or oversized file. The job (kind ``voters.import``) then
    runs :func:`import_voter_file` with the same actor, so the file is checked again in full
    and every row is accepted, flagged or rejected there. Returns the queued Job.
    """
    from pilkada.jobs.services import start_job

    kind = _kind(kind)
    require_open(election=election, action=IMPORT_ACTIONS[kind])
    _check_permission(actor, election)
    size = getattr(upload, "size", None)
    if not size:
        raise ImportRefused("empty_upload", "the uploaded file is empty; nothing was imported")
    if size > MAX_UPLOAD_BYTES:
        raise ImportRefused(
            "upload_too_large",
            f"the uploaded file has {size:,} bytes, more than {MAX_UPLOAD_BYTES:,}; import "
            "it from the command line (pilkada voters import)",
        )
    name = Path(upload.name or "upload").name
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[-120:] or "upload"
    target = settings.DATA_DIR / UPLOAD_DIR / str(election.pk) / f"{uuid.uuid4().hex}-{safe}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return start_job(
        kind="voters.import",
        actor=actor,
        params={
            "election_id": election.pk,
            "kind": kind.value,
            "path": _relative_to_data(target),
            "file_name": name,
        },
        region_code=election.region_code,
    )

"""Writes of the publication of the voter lists (PKPU 7/2024): DPS, DPSHP and DPT snapshots
with their recap, the verification of published files, and the public responses
(tanggapan) to the announced DPS and their resolution.

* :func:`publish_list` exports the list set-based (one SQL cursor, streamed in chunks into
  Parquet + CSV by :class:`pilkada.engine.recap.SnapshotWriter`), computes the recap in the
  engine from the Parquet file, and records the Snapshot, its RecapRows and the audit entry
  (with the files' SHA-256) in one transaction.
* :func:`verify_snapshots` recomputes every published file's hash and compares it with the
  Snapshot row and with the audit entry.
* :func:`submit_dps_response` / :func:`resolve_dps_response`: tanggapan.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.audit.models import AuditEntry
from pilkada.audit.services import record_audit
from pilkada.core import clock
from pilkada.core.masking import mask_name
from pilkada.engine.dbload import insert_frames
from pilkada.engine.recap import (
    RECAP_COLUMNS,
    SNAPSHOT_COLUMNS,
    SnapshotWriter,
    file_sha256,
    read_snapshot_rows,
    recap_frame,
)
from pilkada.engine.tps_formation import DEFAULT_CAP
from pilkada.regions.models import Region
from pilkada.schedule.gate import require_open
from pilkada.schedule.models import Election

from ..models import DpsResponse, RecapRow, Snapshot, Voter
from .common import actor_name as _actor_name

__all__ = [
    "AUDIT_ACTION",
    "PUBLISH_ACTIONS",
    "PublishRefused",
    "ResponseRefused",
    "SnapshotCheck",
    "masa_pengumuman_dps",
    "publish_list",
    "resolve_dps_response",
    "snapshot_path",
    "submit_dps_response",
    "tps_cap",
    "verify_snapshots",
]

#: The stage action that must be open to publish each list (schedule/data/*.json).
PUBLISH_ACTIONS = {
    Snapshot.Kind.DPS: "voters.dps_publish",
    Snapshot.Kind.DPSHP: "voters.dpshp_publish",
    Snapshot.Kind.DPT: "voters.dpt_set",
}
PERMISSION = "voters.publish"
AUDIT_ACTION = "voters.publish"
RESPONSE_ACTION = "voters.dps_response"
RESOLVE_PERMISSION = "voters.dps_response_resolve"
#: PostgreSQL sort memory for the export's ORDER BY (SET LOCAL, this transaction only).
PG_EXPORT_WORK_MEM_MB = 1024
#: Rows fetched from the database per chunk of the export.
EXPORT_CHUNK_ROWS = 100_000
#: Days the DPS is announced for public responses (PKPU 7/2024: 10 days); a setting.
DEFAULT_DPS_ANNOUNCEMENT_DAYS = 10

#: A tanggapan that, when accepted, marks the voter TMS with this code (PKPU 7/2024).
RESPONSE_TMS_CODES = {
    DpsResponse.Kind.MENINGGAL: Voter.TmsCode.MENINGGAL,
    DpsResponse.Kind.GANDA: Voter.TmsCode.GANDA,
    DpsResponse.Kind.DI_BAWAH_UMUR: Voter.TmsCode.DI_BAWAH_UMUR,
    DpsResponse.Kind.PINDAH: Voter.TmsCode.PINDAH_DOMISILI,
    DpsResponse.Kind.TIDAK_DIKENAL: Voter.TmsCode.TIDAK_DIKENAL,
    DpsResponse.Kind.TNI: Voter.TmsCode.TNI,
    DpsResponse.Kind.POLRI: Voter.TmsCode.POLRI,
}


class PublishRefused(Exception):
    """Nothing was published, for the reason in ``code``/message (unknown kind, bad
    region, nothing to publish, voters without a TPS in a DPT). Nothing was written."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


class ResponseRefused(ValidationError):
    """A tanggapan (or its resolution) was refused; nothing was recorded."""

    def __init__(self, code: str, message: str):
        self.refusal = code
        super().__init__(message, code=code)


def tps_cap() -> int:
    """Voters per TPS at most (600 in 2024), the setting TPS formation uses."""
    return int(getattr(settings, "PILKADA_TPS_MAX_VOTERS", DEFAULT_CAP))


def _kind(kind) -> Snapshot.Kind:
    try:
        return Snapshot.Kind(str(kind).lower())
    except ValueError:
        names = ", ".join(k.value for k in Snapshot.Kind)
        raise PublishRefused("unknown_kind", f"unknown list {kind!r}: use one of {names}") from None


def _publication_region(*, election: Election, actor, region_code: str | None) -> str:
    """The region a publication covers: the given code, else the KPU actor's own region,
    else the election's. It must be the election's region or a kab/kota inside it."""
    if region_code is None:
        own = getattr(actor, "region_code", "") if actor is not None else ""
        region_code = own if own and len(own) in (2, 4) else election.region_code
    code = str(region_code).replace(".", "").strip()
    if not (code.isdigit() and len(code) in (2, 4) and code.startswith(election.region_code)):
        raise PublishRefused(
            "bad_region",
            f"region {region_code!r}: a list is published for the election's region "
            f"{election.region_code} or one of its kab/kota (4 digits)",
        )
    if not Region.objects.filter(code=code).exists():
        raise PublishRefused("bad_region", f"region {code} is not loaded")
    return code


def daftar_pemilih_rule(kind: str) -> dict:
    """Which rows of the register make up a published list (PKPU 7/2024, as we read it).

    All three lists -- DPS (daftar pemilih sementara, compiled by PPS from the coklit
    results), DPSHP (DPS hasil perbaikan, after the public responses) and DPT (daftar
    pemilih tetap, set by KPU kab/kota and recapped by KPU provinsi) -- are this
    election's voters: rows from the DP4 and new voters found in coklit (never rows of the
    previous DPT, a reference list), that are not TMS. The lists differ by *when* they are
    taken (the stage that opens each one), not by a different filter:

    * rows still ``pending`` (not yet confirmed by coklit) are **included** in all three:
      they came from the DP4 and nobody has shown them ineligible; dropping them would
      disenfranchise voters whose house the Pantarlih missed. The DPS announcement is
      exactly where the public can point them out. The recap counts them (``pending``) as
      a problem to resolve before the DPT.
    * a DPT is a list per TPS: it is refused while any of its voters has no TPS.
    """
    return {
        "sources": [Voter.Source.DP4.value, Voter.Source.COKLIT.value],
        "statuses": [Voter.Status.MS.value, Voter.Status.PENDING.value],
        "requires_tps": kind == Snapshot.Kind.DPT,
    }


def snapshot_dir(election: Election, kind: str, version: int) -> Path:
    return Path(settings.DATA_DIR) / "published" / election.slug / kind / f"v{version}"


def snapshot_path(snapshot: Snapshot, which: str = "parquet") -> Path:
    rel = snapshot.parquet_file if which == "parquet" else snapshot.csv_file
    return Path(settings.DATA_DIR) / rel


def _relative(path: Path) -> str:
    return str(path.resolve().relative_to(Path(settings.DATA_DIR).resolve()))


def _where(election: Election, region: str, rule: dict) -> tuple[str, list]:
    sql = "v.election_id = %s AND v.source IN (%s, %s) AND v.status IN (%s, %s)"
    params: list = [election.pk, *rule["sources"], *rule["statuses"]]
    if region != election.region_code:
        sql += " AND v.kelurahan_code LIKE %s"
        params.append(region + "%")
    return sql, params


def _export_sql(where: str) -> str:
    table = Voter._meta.db_table
    return f"""
        SELECT v.id,
               ROW_NUMBER() OVER (PARTITION BY v.kelurahan_code, v.tps_code
                                  ORDER BY v.rw, v.rt, v.nkk, v.nama, v.id) AS nomor,
               v.kelurahan_code, v.tps_code, v.nkk, v.nik, v.nama, v.tempat_lahir,
               CAST(v.tanggal_lahir AS TEXT), v.jenis_kelamin, v.status_kawin, v.alamat,
               v.rt, v.rw, v.disabilitas, CAST(v.ktp_el AS INTEGER), v.status, v.source,
               v.quality_flags
        FROM {table} v
        WHERE {where}
        ORDER BY v.kelurahan_code, v.tps_code, v.rw, v.rt, v.nkk, v.nama, v.id
    """


def _stream_rows(sql: str, params: list, chunk: int):
    """Chunks of rows from ``sql``, never the whole result in memory: a server-side cursor
    on PostgreSQL, SQLite's lazy cursor."""
    if connection.vendor == "postgresql":
        connection.ensure_connection()
        raw = connection.connection
        with connection.wrap_database_errors, raw.cursor(name="pilkada_publish") as cursor:
            cursor.itersize = chunk
            cursor.execute(sql, params)
            while rows := cursor.fetchmany(chunk):
                yield rows
        return
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk):
            yield rows


def _counts(where: str, params: list) -> tuple[int, dict, int]:
    """(rows, rows per status/source, rows without a TPS) of a publication."""
    table = Voter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT v.status, v.source, count(*), "
            f"sum(CASE WHEN v.tps_code IS NULL THEN 1 ELSE 0 END) "
            f"FROM {table} v WHERE {where} GROUP BY v.status, v.source",
            params,
        )
        found = cursor.fetchall()
    total = sum(n for _s, _src, n, _t in found)
    no_tps = sum(int(t or 0) for _s, _src, _n, t in found)
    return total, {f"{s}/{src}": n for s, src, n, _t in found}, no_tps


def _clear_orphan(directory: Path) -> None:
    """A version directory without a Snapshot row is what a crash between the files and
    the commit leaves: set it aside (never reused, never deleted silently)."""
    if directory.exists():
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        directory.rename(directory.with_name(f"{directory.name}.abandoned-{stamp}"))


def publish_list(
    *,
    election: Election,
    kind: str,
    actor,
    region_code: str | None = None,
    progress: Callable[..., None] | None = None,
) -> Snapshot:
    """Publish the DPS, DPSHP or DPT of ``region_code`` (default: the KPU actor's region,
    else the election's) as a new immutable version.

    Which rows: :func:`daftar_pemilih_rule`. Gates: ``voters.dps_publish`` (DPS),
    ``voters.dpshp_publish`` (DPSHP), ``voters.dpt_set`` (DPT) must be open; the actor needs
    ``voters.publish`` for the region (KPU kab/kota for its city, KPU provinsi for the whole
    province). ``actor`` None or a str acts as the system/an operator.

    Writes ``DATA_DIR/published/<election>/<kind>/v<N>/<kind>-v<N>-<region>.parquet`` and
    ``.csv`` (read-only files), the Snapshot row with their SHA-256 and row count, one
    RecapRow per region/TPS, and the audit entry carrying the same hashes, in one
    transaction. Versions count per (election, kind): a new publication is N+1 and never
    touches an earlier version. A DPT's recap rows at TPS level are the frozen per-TPS
    voter counts that results read (selectors.publication.dpt_tps_counts).

    ``progress(done, total=None, message="")`` is called while rows are exported.
    Raises :class:`PublishRefused`, ``StageClosed`` or ``PermissionDenied``; nothing is
    written then.
    """
    kind = _kind(kind)
    action = PUBLISH_ACTIONS[kind]
    require_open(election=election, action=action)
    region = _publication_region(election=election, actor=actor, region_code=region_code)
    if actor is not None and not isinstance(actor, str):
        permissions.require(actor, PERMISSION, region)
    rule = daftar_pemilih_rule(kind)
    where, params = _where(election, region, rule)
    started = time.perf_counter()
    directory: Path | None = None
    writer: SnapshotWriter | None = None
    try:
        with transaction.atomic():
            decision = require_open(election=election, action=action)
            # Serialise publications of one election (PostgreSQL; SQLite is IMMEDIATE).
            Election.objects.select_for_update().filter(pk=election.pk).first()
            total, by_status, no_tps = _counts(where, params)
            if total == 0:
                raise PublishRefused(
                    "nothing_to_publish",
                    f"nothing to publish: region {region} has no voters (DP4 or coklit, "
                    "not TMS) in the register",
                )
            if rule["requires_tps"] and no_tps:
                raise PublishRefused(
                    "no_tps",
                    f"{no_tps:,} voters of region {region} have no TPS yet: a DPT lists "
                    "voters per TPS; run TPS formation (pilkada voters tps-form) first",
                )
            last = (
                Snapshot.objects.filter(election=election, kind=kind)
                .order_by("-version")
                .values_list("version", flat=True)
                .first()
            )
            version = (last or 0) + 1
            directory = snapshot_dir(election, kind.value, version)
            _clear_orphan(directory)
            stem = f"{kind.value}-v{version}-{region}"
            writer = SnapshotWriter(directory / f"{stem}.parquet", directory / f"{stem}.csv")
            if progress:
                progress(0, total, "mengekspor daftar")
            timings = {"count": time.perf_counter() - started}
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    # The export sorts the list by kelurahan, TPS and family: in memory
                    # rather than in many small temporary files.
                    cursor.execute(f"SET LOCAL work_mem = '{int(PG_EXPORT_WORK_MEM_MB)}MB'")
            for rows in _stream_rows(_export_sql(where), params, EXPORT_CHUNK_ROWS):
                writer.write_rows(rows)
                if progress:
                    progress(writer.rows, total, "mengekspor daftar")
            files = writer.close()
            timings["export"] = time.perf_counter() - started - sum(timings.values())
            if files.rows != total:  # pragma: no cover - the count and the export disagree
                raise AssertionError(f"exported {files.rows} rows, counted {total}")
            if progress:
                progress(files.rows, total, "menghitung rekap")
            recap = recap_frame(
                files.parquet,
                voting_day=election.voting_day,
                root_code=region,
                tps_cap=tps_cap(),
            )
            snapshot = Snapshot.objects.create(
                election=election,
                kind=kind,
                version=version,
                region_code=region,
                rows=files.rows,
                parquet_file=_relative(files.parquet),
                csv_file=_relative(files.csv),
                sha256=files.parquet_sha256,
                csv_sha256=files.csv_sha256,
                published_on=clock.today(),
                published_by=_actor_name(actor)[:150],
                voting_day=election.voting_day,
                summary={
                    "rule": rule,
                    "by_status": by_status,
                    # Tanggapan still open in the region when the list was taken.
                    "open_responses": DpsResponse.objects.filter(
                        election=election,
                        status=DpsResponse.Status.OPEN,
                        kelurahan_code__startswith=region,
                    ).count(),
                    "recap_rows": recap.height,
                    "window": decision.as_dict()["stage"],
                },
            )
            timings["recap"] = time.perf_counter() - started - sum(timings.values())
            _insert_recap(snapshot, recap)
            entry = record_audit(
                actor=actor,
                action=AUDIT_ACTION,
                object_type="voters.Snapshot",
                object_id=snapshot.pk,
                new={
                    "election": election.slug,
                    "kind": kind.value,
                    "version": version,
                    "region": region,
                    "rows": files.rows,
                    "sha256": files.parquet_sha256,
                    "csv_sha256": files.csv_sha256,
                    "parquet_file": snapshot.parquet_file,
                    "csv_file": snapshot.csv_file,
                    "published_on": snapshot.published_on.isoformat(),
                    "by_status": by_status,
                    "recap_rows": recap.height,
                    "open_responses": snapshot.summary["open_responses"],
                },
            )
            snapshot.summary = {
                **snapshot.summary,
                "audit_seq": entry.seq,
                "seconds": round(time.perf_counter() - started, 3),
                "timings": {k: round(v, 3) for k, v in timings.items()},
            }
            snapshot.save(update_fields=["summary"])
    except BaseException:
        if writer is not None:
            writer.abort()
        if directory is not None and directory.exists() and not any(directory.iterdir()):
            directory.rmdir()
        raise
    return snapshot


def _insert_recap(snapshot: Snapshot, recap: pl.DataFrame) -> None:
    columns = ["snapshot_id", *RECAP_COLUMNS]
    frame = recap.with_columns(pl.lit(snapshot.pk, pl.Int64).alias("snapshot_id"))
    connection.ensure_connection()
    with connection.wrap_database_errors:
        insert_frames(
            connection.connection,
            connection.vendor,
            RecapRow._meta.db_table,
            columns,
            frame.iter_slices(50_000),
        )


# --- verification ---------------------------------------------------------------------


@dataclass
class SnapshotCheck:
    snapshot_id: int
    label: str
    region_code: str
    rows: int
    ok: bool = True
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "snapshot": self.snapshot_id,
            "label": self.label,
            "region": self.region_code,
            "rows": self.rows,
            "ok": self.ok,
            "problems": self.problems,
        }


def verify_snapshots(*, election: Election | None = None) -> list[SnapshotCheck]:
    """Recompute the SHA-256 of every published file and compare it with its Snapshot row
    and with the audit entry of its publication; check the Parquet row count. Read-only."""
    snapshots = Snapshot.objects.select_related("election").order_by("election", "kind", "version")
    if election is not None:
        snapshots = snapshots.filter(election=election)
    entries = {
        e.object_id: e
        for e in AuditEntry.objects.filter(action=AUDIT_ACTION, object_type="voters.Snapshot")
    }
    results = []
    for snap in snapshots:
        check = SnapshotCheck(
            snap.pk, f"{snap.election.slug} {snap.label}", snap.region_code, snap.rows
        )
        entry = entries.get(str(snap.pk))
        recorded = (entry.new or {}) if entry else {}
        if entry is None:
            check.problems.append("no audit entry records this publication")
        for which, expected, audit_key in (
            ("parquet", snap.sha256, "sha256"),
            ("csv", snap.csv_sha256, "csv_sha256"),
        ):
            path = snapshot_path(snap, which)
            if not path.exists():
                check.problems.append(f"{which} file missing: {path}")
                continue
            actual = file_sha256(path)
            if actual != expected:
                check.problems.append(
                    f"{which} file {path} changed: sha256 {actual}, published {expected}"
                )
            if entry is not None and recorded.get(audit_key) != expected:
                check.problems.append(
                    f"{which} sha256 of the snapshot row {expected} differs from the audit "
                    f"entry's {recorded.get(audit_key)}"
                )
            if which == "parquet" and actual == expected:
                import pyarrow.parquet as pq

                n = pq.ParquetFile(path).metadata.num_rows
                if n != snap.rows:
                    check.problems.append(f"parquet holds {n} rows, published {snap.rows}")
        check.ok = not check.problems
        results.append(check)
    return results


# --- the DPS announcement and tanggapan -------------------------------------------------


def masa_pengumuman_dps(published_on: dt.date) -> tuple[dt.date, dt.date]:
    """The DPS announcement period, first and last day: the DPS is announced for
    ``PILKADA_DPS_ANNOUNCEMENT_DAYS`` days (10 in PKPU 7/2024) from the day it is
    published, for responses (tanggapan) from the public."""
    days = int(getattr(settings, "PILKADA_DPS_ANNOUNCEMENT_DAYS", DEFAULT_DPS_ANNOUNCEMENT_DAYS))
    return published_on, published_on + dt.timedelta(days=days - 1)


def announced_dps(*, election: Election, kelurahan_code: str) -> Snapshot | None:
    """The DPS version announced for a kelurahan: the latest DPS whose region covers it."""
    for snap in Snapshot.objects.filter(election=election, kind=Snapshot.Kind.DPS).order_by(
        "-version"
    ):
        if kelurahan_code.startswith(snap.region_code):
            return snap
    return None


def _check_announcement(snapshot: Snapshot, *, election: Election) -> None:
    require_open(election=election, action=RESPONSE_ACTION)
    first, last = masa_pengumuman_dps(snapshot.published_on)
    today = clock.today()
    if not first <= today <= last:
        raise ResponseRefused(
            "outside_announcement",
            _(
                "Masa pengumuman DPS %(label)s adalah %(first)s s.d. %(last)s; hari ini "
                "%(today)s. Tanggapan tidak dapat diterima."
            )
            % {
                "label": snapshot.label,
                "first": f"{first:%d-%m-%Y}",
                "last": f"{last:%d-%m-%Y}",
                "today": f"{today:%d-%m-%Y}",
            },
        )


def submit_dps_response(
    *,
    election: Election,
    kelurahan_code: str,
    kind: str,
    responder_name: str,
    responder_contact: str,
    note: str = "",
    tps_code: str = "",
    nomor: int | None = None,
    actor=None,
) -> DpsResponse:
    """Record a tanggapan on the announced DPS of a kelurahan (PKPU 7/2024: the public may
    respond while the DPS is announced).

    The voter concerned is named by the row on the page (TPS and nomor) and looked up in
    the announced snapshot, never by an id the client chooses. "Belum terdaftar" (someone
    missing) names no row; its note must describe the person. Refused
    (:class:`ResponseRefused` / ``StageClosed``) outside the stage ``voters.dps_response``
    or the announcement period (:func:`masa_pengumuman_dps`), or with incomplete input.
    """
    try:
        kind = DpsResponse.Kind(kind)
    except ValueError:
        raise ResponseRefused("bad_kind", _("Jenis tanggapan tidak dikenal.")) from None
    responder_name = (responder_name or "").strip()
    responder_contact = (responder_contact or "").strip()
    note = (note or "").strip()
    if not responder_name or not responder_contact:
        raise ResponseRefused("responder", _("Nama dan kontak penanggap wajib diisi."))
    if len(responder_name) > 150 or len(responder_contact) > 150 or len(note) > 2000:
        raise ResponseRefused("too_long", _("Isian terlalu panjang."))
    snapshot = announced_dps(election=election, kelurahan_code=kelurahan_code)
    if snapshot is None:
        raise ResponseRefused("no_dps", _("DPS kelurahan ini belum diumumkan."))
    _check_announcement(snapshot, election=election)
    voter_id = None
    if kind == DpsResponse.Kind.MISSING:
        if not note:
            raise ResponseRefused(
                "note", _("Untuk pemilih yang belum terdaftar, tuliskan nama dan alamatnya.")
            )
        tps_code, nomor = "", None
    else:
        row = _snapshot_row(snapshot, kelurahan_code, tps_code, nomor)
        if row is None:
            raise ResponseRefused("no_row", _("Pemilih yang dimaksud tidak ada dalam DPS ini."))
        voter_id = row["voter_id"]
    with transaction.atomic():
        response = DpsResponse.objects.create(
            election=election,
            snapshot=snapshot,
            kelurahan_code=kelurahan_code,
            voter_id=voter_id,
            tps_code=tps_code or "",
            nomor=nomor,
            kind=kind,
            responder_name=responder_name,
            responder_contact=responder_contact,
            note=note,
        )
        record_audit(
            actor=actor,
            action="voters.dps_response.submit",
            object_type="voters.DpsResponse",
            object_id=response.pk,
            new={
                "snapshot": snapshot.pk,
                "kelurahan": kelurahan_code,
                "tps": tps_code or None,
                "nomor": nomor,
                "voter_id": voter_id,
                "kind": kind.value,
                # The responder's identity stays in the response row; the log names it masked.
                "responder": mask_name(responder_name),
            },
        )
    return response


def _snapshot_row(snapshot: Snapshot, kelurahan_code: str, tps_code: str, nomor) -> dict | None:
    try:
        nomor = int(nomor)
    except (TypeError, ValueError):
        return None
    frame = read_snapshot_rows(
        snapshot_path(snapshot), kelurahan_code=kelurahan_code, columns=SNAPSHOT_COLUMNS[:4]
    )
    tps = tps_code or None
    hit = frame.filter(
        (pl.col("tps_code").is_null() if tps is None else pl.col("tps_code") == tps)
        & (pl.col("nomor") == nomor)
    )
    return hit.row(0, named=True) if hit.height else None


def resolve_dps_response(
    *, response: DpsResponse, actor, accepted: bool, resolution: str
) -> DpsResponse:
    """PPS or KPU (``voters.dps_response_resolve`` in the response's kelurahan) resolves a
    tanggapan: accepted -- for a "not eligible" response the voter is marked TMS with the
    matching code and the resolution as the evidence note (what changed); for a data error
    or a missing voter the resolution says what was corrected or added (through coklit) --
    or rejected, with the reason. Audited with the voter's old and new status. Allowed while
    the stage ``voters.dps_response`` is open; a response is resolved once.
    """
    permissions.require(actor, RESOLVE_PERMISSION, response.kelurahan_code)
    require_open(election=response.election, action=RESPONSE_ACTION)
    resolution = (resolution or "").strip()
    if not resolution:
        raise ResponseRefused(
            "resolution",
            _("Tuliskan apa yang diubah (diterima) atau alasan penolakan (ditolak)."),
        )
    with transaction.atomic():
        locked = DpsResponse.objects.select_for_update().get(pk=response.pk)
        if locked.status != DpsResponse.Status.OPEN:
            raise ResponseRefused("resolved", _("Tanggapan ini sudah ditindaklanjuti."))
        voter_change = None
        code = RESPONSE_TMS_CODES.get(locked.kind)
        if accepted and code is not None and locked.voter_id is not None:
            voter_change = _mark_tms(
                voter_id=locked.voter_id, code=code, note=f"Tanggapan #{locked.pk}: {resolution}"
            )
        locked.status = DpsResponse.Status.ACCEPTED if accepted else DpsResponse.Status.REJECTED
        locked.resolution = resolution
        locked.resolved_by = _actor_name(actor)[:150]
        locked.resolved_at = timezone.now()
        locked.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
        record_audit(
            actor=actor,
            action="voters.dps_response.resolve",
            object_type="voters.DpsResponse",
            object_id=locked.pk,
            old={
                "status": DpsResponse.Status.OPEN.value,
                "voter": voter_change and voter_change[0],
            },
            new={
                "status": locked.status,
                "resolution": resolution,
                "voter": voter_change and voter_change[1],
            },
        )
    return locked


def _mark_tms(*, voter_id: int, code: int, note: str) -> tuple[dict, dict]:
    """Mark a voter TMS with ``code`` and the evidence note; returns (old, new)."""
    voter = Voter.objects.select_for_update().filter(pk=voter_id).first()
    if voter is None:
        raise ResponseRefused("no_voter", _("Pemilih ini tidak ada lagi di daftar."))
    old = {
        "voter_id": voter.pk,
        "status": voter.status,
        "tms_code": voter.tms_code,
        "tms_note": voter.tms_note,
    }
    if voter.status == Voter.Status.TMS:
        raise ResponseRefused(
            "already_tms",
            _("Pemilih ini sudah TMS (kode %(code)s); tolak tanggapan ini.")
            % {"code": voter.tms_code},
        )
    voter.status = Voter.Status.TMS
    voter.tms_code = int(code)
    voter.tms_note = note
    voter.save(update_fields=["status", "tms_code", "tms_note"])
    new = {
        "voter_id": voter.pk,
        "status": voter.status,
        "tms_code": voter.tms_code,
        "tms_note": note,
    }
    return old, new


def ensure_can_publish(*, actor, election: Election, region_code: str | None = None) -> str:
    """The region ``actor`` would publish for (for a page's form); PermissionDenied if none."""
    region = _publication_region(election=election, actor=actor, region_code=region_code)
    if (
        actor is not None
        and not isinstance(actor, str)
        and not permissions.can(actor, PERMISSION, region)
    ):
        raise PermissionDenied(f"{PERMISSION}: region {region} is outside your scope")
    return region

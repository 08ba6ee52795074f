"""Reads of the published voter lists: snapshots, recap tables (scoped by role and region),
the frozen per-TPS DPT counts, the public DPS announcement (masked) and the tanggapan."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet

from pilkada.accounts import permissions
from pilkada.core.masking import mask_name
from pilkada.engine.recap import RECAP_COUNT_COLUMNS, read_snapshot_rows
from pilkada.regions.models import Region
from pilkada.schedule.models import Election

from ..models import DpsResponse, RecapRow, Snapshot

__all__ = [
    "DPS_PAGE_SIZE",
    "RECAP_EXPORT_COLUMNS",
    "dps_announcement",
    "dps_response_counts",
    "dps_responses",
    "dpt_tps_counts",
    "latest_snapshot",
    "recap_export_rows",
    "recap_table",
    "snapshots",
]

VIEW_PERMISSION = "voters.recap_view"
#: Rows per page of the public DPS announcement.
DPS_PAGE_SIZE = 100
#: Columns of a recap export (CSV).
RECAP_EXPORT_COLUMNS = (
    "snapshot", "kind", "version", "region_code", "level", "parent_code", "name",
    *RECAP_COUNT_COLUMNS, "share_17_40", "first_problem",
)  # fmt: skip


def _overlaps(user, region_code: str) -> bool:
    """A snapshot of ``region_code`` is visible to a user whose scope is inside it or who
    has it inside their scope."""
    if permissions.is_operator(user):
        return True
    if not permissions.has_valid_scope(user):
        return False
    own = user.region_code
    return own.startswith(region_code) or region_code.startswith(own)


def snapshots(*, election: Election, user=None, kind: str | None = None) -> list[Snapshot]:
    """Published snapshots, newest first; with ``user``, those whose region overlaps the
    user's scope (and only if the user may see recaps)."""
    qs = Snapshot.objects.filter(election=election).order_by("kind", "-version")
    if kind:
        qs = qs.filter(kind=kind)
    found = list(qs)
    if user is None:
        return found
    if not permissions.can(user, VIEW_PERMISSION, None):
        return []
    return [s for s in found if _overlaps(user, s.region_code)]


def latest_snapshot(*, election: Election, kind: str, user=None) -> Snapshot | None:
    found = snapshots(election=election, user=user, kind=kind)
    return found[0] if found else None


def get_snapshot(*, pk, user=None) -> Snapshot:
    snap = Snapshot.objects.select_related("election").get(pk=pk)
    if user is not None and not (
        permissions.can(user, VIEW_PERMISSION, None) and _overlaps(user, snap.region_code)
    ):
        raise PermissionDenied(f"{VIEW_PERMISSION}: snapshot {pk} is outside your scope")
    return snap


@dataclass
class RecapTable:
    snapshot: Snapshot
    region: RecapRow
    rows: list[RecapRow]  # the region's children (TPS under a kelurahan)
    path: list[RecapRow]  # the visible ancestors, top first
    names: dict[str, str]


def _default_region(snapshot: Snapshot, user) -> str:
    own = getattr(user, "region_code", "") if user is not None else ""
    if own and own.startswith(snapshot.region_code) and not permissions.is_operator(user):
        return own
    return snapshot.region_code


def recap_table(*, snapshot: Snapshot, user, region_code: str | None = None) -> RecapTable:
    """One region's recap row and its children's rows (the drill-down), scoped: a user sees
    regions inside their scope only (a PPS its kelurahan and its TPS). Two queries."""
    code = (region_code or _default_region(snapshot, user)).replace(".", "")
    permissions.require(user, VIEW_PERMISSION, code)
    rows = list(
        RecapRow.objects.filter(snapshot=snapshot)
        .filter(Q(region_code=code) | Q(parent_code=code) | Q(region_code__in=_ancestors(code)))
        .order_by("region_code")
    )
    region = next((r for r in rows if r.region_code == code), None)
    if region is None:
        raise RecapRow.DoesNotExist(f"region {code} is not in {snapshot.label}")
    children = [r for r in rows if r.parent_code == code]
    path = [
        r
        for r in rows
        if len(r.region_code) < len(code) and permissions.in_scope(user, r.region_code)
    ]
    wanted = {r.region_code for r in [*rows]}
    names = dict(
        Region.objects.filter(code__in=[c for c in wanted if len(c) <= 10]).values_list(
            "code", "name"
        )
    )
    return RecapTable(snapshot=snapshot, region=region, rows=children, path=path, names=names)


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in (2, 4, 6, 10) if n < len(code)]


def recap_export_rows(
    *, snapshot: Snapshot, user, level: str | None = None, region_code: str | None = None
) -> list[dict]:
    """Recap rows as dicts (:data:`RECAP_EXPORT_COLUMNS`) for the CSV export: every level
    (or one), limited to the user's scope (and to ``region_code`` and below)."""
    code = (region_code or "").replace(".", "")
    if code:
        permissions.require(user, VIEW_PERMISSION, code)
    elif user is not None and not permissions.can(user, VIEW_PERMISSION, None):
        raise PermissionDenied(VIEW_PERMISSION)
    qs = RecapRow.objects.filter(snapshot=snapshot)
    if user is not None:
        qs = qs.filter(permissions.scope_q(user, "region_code"))
    if code:
        qs = qs.filter(region_code__startswith=code)
    if level:
        qs = qs.filter(level=level)
    names = dict(Region.objects.values_list("code", "name"))
    out = []
    for row in qs.order_by("region_code").iterator(chunk_size=5000):
        data = {c: getattr(row, c) for c in RECAP_COUNT_COLUMNS}
        share = row.share_17_40
        data.update(
            snapshot=snapshot.pk,
            kind=snapshot.kind,
            version=snapshot.version,
            region_code=row.region_code,
            level=row.level,
            parent_code=row.parent_code or "",
            name=names.get(row.region_code, ""),
            share_17_40="" if share is None else f"{share:.4f}",
            first_problem=row.first_problem or "",
        )
        out.append(data)
    return out


def dpt_tps_counts(*, election: Election) -> dict[str, int]:
    """The DPT voter count per TPS as frozen by the DPT publication (results read it): for
    each TPS, the count in the latest DPT version whose region covers it."""
    result: dict[str, int] = {}
    seen_regions: list[str] = []
    for snap in Snapshot.objects.filter(election=election, kind=Snapshot.Kind.DPT).order_by(
        "-version"
    ):
        if any(snap.region_code.startswith(r) for r in seen_regions):
            continue  # a newer version already covers this region
        for code, total in RecapRow.objects.filter(snapshot=snap, level="tps").values_list(
            "region_code", "total"
        ):
            if not any(code.startswith(r) for r in seen_regions):
                result[code] = total
        seen_regions.append(snap.region_code)
    return result


# --- the public DPS announcement ------------------------------------------------------


@dataclass
class Announcement:
    snapshot: Snapshot
    kelurahan: Region
    rows: list[dict]
    page: int
    pages: int
    total: int
    tps_codes: list[str]
    tps: str


def _announced(election: Election, kelurahan_code: str) -> Snapshot | None:
    from ..services.publication import announced_dps

    return announced_dps(election=election, kelurahan_code=kelurahan_code)


def dps_announcement(
    *, election: Election, kelurahan_code: str, page: int = 1, tps: str = ""
) -> Announcement | None:
    """The announced DPS of one kelurahan for the public page: per TPS, masked names, sex
    and the voter's number -- nothing else (never NIK, NKK, birth date or address). None
    when no DPS covering the kelurahan has been published."""
    kelurahan = Region.objects.filter(code=kelurahan_code, level="kelurahan").first()
    if kelurahan is None:
        return None
    snapshot = _announced(election, kelurahan_code)
    if snapshot is None:
        return None
    from ..services.publication import snapshot_path

    frame = read_snapshot_rows(
        snapshot_path(snapshot),
        kelurahan_code=kelurahan_code,
        columns=("tps_code", "nomor", "nama", "jenis_kelamin", "rt", "rw"),
    )
    tps_codes = sorted({c for c in frame.get_column("tps_code").to_list() if c})
    if tps:
        frame = frame.filter(frame.get_column("tps_code") == tps)
    total = frame.height
    size = int(getattr(settings, "PILKADA_DPS_PAGE_SIZE", DPS_PAGE_SIZE))
    pages = max(1, math.ceil(total / size))
    page = min(max(1, page), pages)
    window = frame.slice((page - 1) * size, size)
    rows = [
        {
            "tps_code": r["tps_code"] or "",
            "tps": f"TPS {r['tps_code'][10:]}" if r["tps_code"] else "-",
            "nomor": r["nomor"],
            "nama": mask_name(r["nama"]),
            "jenis_kelamin": r["jenis_kelamin"] or "",
            "rt": r["rt"] or "",
            "rw": r["rw"] or "",
        }
        for r in window.iter_rows(named=True)
    ]
    return Announcement(snapshot, kelurahan, rows, page, pages, total, tps_codes, tps)


# --- tanggapan ------------------------------------------------------------------------


def dps_responses(
    *, user, election: Election, kelurahan_code: str | None = None, status: str | None = None
) -> QuerySet[DpsResponse]:
    """Tanggapan the user may resolve (their scope), newest first."""
    if not permissions.can(user, "voters.dps_response_resolve", None):
        return DpsResponse.objects.none()
    qs = DpsResponse.objects.filter(election=election).filter(
        permissions.scope_q(user, "kelurahan_code")
    )
    if kelurahan_code:
        qs = qs.filter(kelurahan_code=kelurahan_code)
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("snapshot").order_by("-created_at", "-pk")


def get_dps_response(*, user, pk) -> DpsResponse:
    response = DpsResponse.objects.select_related("election", "snapshot").get(pk=pk)
    permissions.require(user, "voters.dps_response_resolve", response.kelurahan_code)
    return response


def dps_response_counts(*, user, election: Election) -> list[dict]:
    """Open and resolved tanggapan per kelurahan in the user's scope (one query)."""
    rows = (
        dps_responses(user=user, election=election)
        .order_by()
        .values("kelurahan_code")
        .annotate(
            open=Count("pk", filter=Q(status=DpsResponse.Status.OPEN)),
            accepted=Count("pk", filter=Q(status=DpsResponse.Status.ACCEPTED)),
            rejected=Count("pk", filter=Q(status=DpsResponse.Status.REJECTED)),
        )
        .order_by("kelurahan_code")
    )
    names = dict(
        Region.objects.filter(code__in=[r["kelurahan_code"] for r in rows]).values_list(
            "code", "name"
        )
    )
    return [
        {**r, "resolved": r["accepted"] + r["rejected"], "name": names.get(r["kelurahan_code"], "")}
        for r in rows
    ]

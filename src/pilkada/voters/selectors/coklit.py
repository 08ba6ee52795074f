"""coklit: reads for the Pantarlih's page and the progress pages.

* :func:`tps_area` -- the voters of one TPS area grouped by family (NKK), flagged rows first,
  for the Pantarlih of that TPS or the PPS of its kelurahan (``voters.coklit`` in scope).
  The data are unmasked (the Pantarlih needs them at the door); the caller logs the view
  with ``log_unmasked_access``.
* :func:`coklit_progress` -- counts pending / MS / TMS by code / changed / moved / new per
  child region of a region, from ONE grouped SQL query (no per-row work), scoped by
  ``voters.coklit_progress``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Exists, OuterRef, Q

from pilkada.accounts import permissions
from pilkada.regions.codes import (
    InvalidRegionCode,
    level_of,
    normalize_region_code,
    normalize_tps_code,
)
from pilkada.regions.models import Region, Tps
from pilkada.schedule.models import Election

from ..models import CoklitRecord, Voter

__all__ = [
    "CoklitFamily",
    "ProgressCounts",
    "ProgressPage",
    "TpsArea",
    "coklit_progress",
    "family_key",
    "progress_counts",
    "progress_region",
    "tps_area",
    "voter_for_coklit",
]

SOURCES = (Voter.Source.DP4, Voter.Source.COKLIT)
#: The largest list a search or a TPS page returns (a TPS has at most 600 voters).
MAX_LIST = 2000
_CHILD_LENGTH = {2: 4, 4: 6, 6: 10, 10: 13, 13: 13}


# ============================================================================================
# The Pantarlih's TPS area
# ============================================================================================


@dataclass
class CoklitFamily:
    nkk: str
    voters: list[Voter]
    flagged: bool

    @property
    def key(self) -> str:
        """The family's key in page ids (a damaged NKK may hold dots, pluses ...)."""
        return family_key(self.nkk)

    @property
    def listed(self) -> bool:
        """A real family card: new members can be added to it."""
        return not self.nkk.startswith("#")


def family_key(nkk: str) -> str:
    return re.sub(r"[^0-9A-Za-z]", "_", nkk or "") or "_"


@dataclass
class TpsArea:
    tps: Tps
    families: list[CoklitFamily]
    voters: int
    pending: int
    query: str = ""

    @property
    def voter_ids(self) -> list[int]:
        return [v.pk for f in self.families for v in f.voters]


def tps_for_coklit(*, user, tps_code: str) -> Tps:
    """The TPS, if ``user`` may do coklit there; Tps.DoesNotExist / PermissionDenied."""
    try:
        code = normalize_tps_code(tps_code)
    except InvalidRegionCode:
        raise Tps.DoesNotExist(tps_code) from None
    if user is not None:
        permissions.require(user, "voters.coklit", code)
    return Tps.objects.select_related("kelurahan").get(code=code)


def _area_voters(*, election: Election, tps_code: str):
    changed = CoklitRecord.objects.filter(
        voter=OuterRef("pk"), kind__in=[CoklitRecord.Kind.CHANGE, CoklitRecord.Kind.MOVE]
    )
    return (
        Voter.objects.filter(
            election=election,
            kelurahan_code=tps_code[:10],  # served by the (election, kelurahan_code) index
            tps_code=tps_code,
            source__in=SOURCES,
        )
        .annotate(changed=Exists(changed))
        .defer("line", "batch")
    )


def tps_area(*, user, election: Election, tps_code: str, query: str = "") -> TpsArea:
    """The voters of a TPS area grouped by family: families with a flagged member first
    (flagged members first in their family), then by RW, RT, address and NKK. ``query``
    keeps the voters whose name contains it (case-insensitive) and their family heading."""
    tps = tps_for_coklit(user=user, tps_code=tps_code)
    query = " ".join((query or "").split())[:100]
    qs = _area_voters(election=election, tps_code=tps.code)
    if query:
        qs = qs.filter(nama__icontains=query)
    rows = list(qs.order_by("rw", "rt", "alamat", "nkk", "tanggal_lahir", "pk")[:MAX_LIST])
    by_family: dict[str, list[Voter]] = {}
    for v in rows:
        _explain_flags(v)
        by_family.setdefault(v.nkk or f"#{v.pk}", []).append(v)
    families = []
    for nkk, members in by_family.items():
        members.sort(key=lambda v: not v.quality_flags)  # stable: flagged first
        families.append(
            CoklitFamily(nkk=nkk, voters=members, flagged=any(v.quality_flags for v in members))
        )
    families.sort(key=lambda f: not f.flagged)  # stable: keeps the address order
    pending = sum(1 for v in rows if v.status == Voter.Status.PENDING)
    return TpsArea(tps=tps, families=families, voters=len(rows), pending=pending, query=query)


def voter_for_coklit(*, user, voter_id) -> Voter:
    """One voter of a TPS the user may do coklit at (with ``changed``);
    Voter.DoesNotExist or PermissionDenied."""
    changed = CoklitRecord.objects.filter(
        voter=OuterRef("pk"), kind__in=[CoklitRecord.Kind.CHANGE, CoklitRecord.Kind.MOVE]
    )
    voter = (
        Voter.objects.filter(source__in=SOURCES)
        .annotate(changed=Exists(changed))
        .select_related("election")
        .get(pk=voter_id)
    )
    if user is not None:
        permissions.require(user, "voters.coklit", voter.tps_code or voter.kelurahan_code)
    return _explain_flags(voter)


def _explain_flags(voter: Voter) -> Voter:
    """``voter.flag_hints``: (flag code, the Pantarlih's explanation) for each flag."""
    from ..services.coklit import flag_hint

    voter.flag_hints = [(f, flag_hint(f)) for f in voter.flags]
    return voter


def history(*, voter: Voter) -> list[CoklitRecord]:
    return list(voter.coklit_records.order_by("-created_at", "-pk")[:20])


# ============================================================================================
# Progress
# ============================================================================================


@dataclass
class ProgressCounts:
    code: str | None
    name: str = ""
    level: str = ""
    total: int = 0
    pending: int = 0
    ms: int = 0
    tms: int = 0
    tms_by_code: dict[int, int] = field(default_factory=dict)
    changed: int = 0
    moved: int = 0
    new: int = 0
    flagged: int = 0

    @property
    def done(self) -> int:
        return self.ms + self.tms

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def add(self, other: ProgressCounts) -> None:
        for name in ("total", "pending", "ms", "tms", "changed", "moved", "new", "flagged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for code, n in other.tms_by_code.items():
            self.tms_by_code[code] = self.tms_by_code.get(code, 0) + n

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "total": self.total,
            "pending": self.pending,
            "ms": self.ms,
            "tms": self.tms,
            "tms_by_code": {str(k): v for k, v in sorted(self.tms_by_code.items())},
            "changed": self.changed,
            "moved": self.moved,
            "new": self.new,
            "flagged": self.flagged,
            "percent_done": self.percent,
        }


@dataclass
class ProgressPage:
    region_code: str
    level: str
    name: str
    rows: list[ProgressCounts]
    total: ProgressCounts
    crumbs: list[Region]
    child_level: str

    def as_dict(self) -> dict:
        return {
            "region_code": self.region_code,
            "level": self.level,
            "name": self.name,
            "child_level": self.child_level,
            "total": self.total.as_dict(),
            "rows": [r.as_dict() for r in self.rows],
        }


def progress_counts(*, election: Election, region_code: str) -> list[ProgressCounts]:
    """Coklit counts per child of ``region_code`` (kab/kota, kecamatan, kelurahan, or TPS
    under a kelurahan; a TPS code gives that TPS alone), unscoped, in ONE grouped query.
    ``changed``: voters with a data correction; ``moved``: voters moved here from another TPS
    (salah penempatan TPS); ``new``: new voters found in coklit; ``flagged``: pending voters
    still carrying a data-quality flag."""
    code = normalize_region_code(region_code, allow_tps=True)
    length = len(code)
    child = _CHILD_LENGTH[length]
    voters = Voter._meta.db_table
    records = CoklitRecord._meta.db_table
    key = "v.tps_code" if child == 13 else f"substr(v.kelurahan_code, 1, {child})"
    if length == 13:
        where, params = "v.kelurahan_code = %s AND v.tps_code = %s", [code[:10], code]
    elif length == 10:
        where, params = "v.kelurahan_code = %s", [code]
    else:
        where, params = "v.kelurahan_code LIKE %s", [f"{code}%"]
    tms_cols = ",\n".join(
        f"SUM(CASE WHEN v.tms_code = {c} THEN 1 ELSE 0 END)" for c in range(1, 9)
    )
    sql = f"""
        SELECT {key} AS k,
          COUNT(*),
          SUM(CASE WHEN v.status = 'pending' THEN 1 ELSE 0 END),
          SUM(CASE WHEN v.status = 'ms' THEN 1 ELSE 0 END),
          SUM(CASE WHEN v.status = 'tms' THEN 1 ELSE 0 END),
          {tms_cols},
          SUM(CASE WHEN c.changed = 1 THEN 1 ELSE 0 END),
          SUM(CASE WHEN c.moved = 1 THEN 1 ELSE 0 END),
          SUM(CASE WHEN v.source = 'coklit' THEN 1 ELSE 0 END),
          SUM(CASE WHEN v.status = 'pending' AND v.quality_flags <> '' THEN 1 ELSE 0 END)
        FROM {voters} v
        LEFT JOIN (
          SELECT voter_id,
                 MAX(CASE WHEN kind = 'change' THEN 1 ELSE 0 END) AS changed,
                 MAX(CASE WHEN kind = 'move' THEN 1 ELSE 0 END) AS moved
          FROM {records}
          WHERE election_id = %s AND kind IN ('change', 'move')
          GROUP BY voter_id
        ) c ON c.voter_id = v.id
        WHERE v.election_id = %s AND v.source IN (%s, %s) AND {where}
        GROUP BY {key}
        ORDER BY {key}
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [election.pk, election.pk, *SOURCES, *params])
        rows = cursor.fetchall()
    out = []
    for row in rows:
        k, total, pending, ms, tms, *rest = row
        by_code, (changed, moved, new, flagged) = rest[:8], rest[8:]
        out.append(
            ProgressCounts(
                code=k,
                total=int(total or 0),
                pending=int(pending or 0),
                ms=int(ms or 0),
                tms=int(tms or 0),
                tms_by_code={i + 1: int(n or 0) for i, n in enumerate(by_code) if n},
                changed=int(changed or 0),
                moved=int(moved or 0),
                new=int(new or 0),
                flagged=int(flagged or 0),
            )
        )
    return out


def progress_region(*, user, election: Election, region_code: str | None) -> str:
    """The region a progress page shows: ``region_code`` or the user's own scope (the
    election's region for an operator or a scope above it). PermissionDenied outside the
    user's scope, ValueError for a malformed code."""
    if region_code:
        code = normalize_region_code(region_code, allow_tps=True)
    else:
        scope = getattr(user, "region_code", "") or ""
        code = scope if scope.startswith(election.region_code) else election.region_code
    if not code.startswith(election.region_code[: len(code)]):
        raise PermissionDenied(f"region {code} is outside the election")
    if not code.startswith(election.region_code):
        code = election.region_code
    if user is not None:
        permissions.require(user, "voters.coklit_progress", code)
    return code


def coklit_progress(*, user, election: Election, region_code: str | None = None) -> ProgressPage:
    """The progress page of a region: one row per child region (or TPS), with names, the
    total and the breadcrumbs. ``user`` None is the operator (the command line)."""
    code = progress_region(user=user, election=election, region_code=region_code)
    rows = progress_counts(election=election, region_code=code)
    length = len(code)
    child_level = level_of(code) if length == 13 else level_of("0" * _CHILD_LENGTH[length])
    region_codes = {r.code for r in rows if r.code and len(r.code) <= 10}
    ancestors = [code[:n] for n in (2, 4, 6, 10) if n <= len(code)]
    names = dict(
        Region.objects.filter(Q(code__in=region_codes) | Q(code__in=ancestors)).values_list(
            "code", "name"
        )
    )
    for r in rows:
        r.level = child_level or ""
        if r.code and len(r.code) == 13:
            r.name = f"TPS {r.code[10:]}"
        else:
            r.name = names.get(r.code or "", "") if r.code else ""
    total = ProgressCounts(code=code, name=names.get(code, ""), level=level_of(code) or "")
    for r in rows:
        total.add(r)
    crumbs = list(Region.objects.filter(code__in=ancestors).order_by("code"))
    return ProgressPage(
        region_code=code,
        level=level_of(code) or "",
        name=f"TPS {code[10:]}" if length == 13 else names.get(code, code),
        rows=rows,
        total=total,
        crumbs=crumbs,
        child_level=child_level or "",
    )

"""Verifikasi faktual: reads for the PPS's phone page, the progress pages and the records.

* :func:`kelurahan_list` -- the supporters of one kelurahan in verifikasi faktual, those with
  an open objection first, then the ones still to visit, by RW, RT and name; search by name,
  RT, RW; pages of :data:`PAGE_SIZE`. For the PPS there (and KPU above it) to record, for
  Bawaslu, the PPK and the pair's LO (own pair only) to read. Personal data are masked
  unless the role may unmask (``candidacy.support_view_unmasked``); the view logs an unmasked
  page with ``log_unmasked_access``.
* :func:`verfak_progress` -- pending / not found awaiting the pair / MS / TMS per outcome per
  child region (kab/kota, kecamatan, kelurahan), from ONE grouped query.
* :func:`check_records` -- every FactualCheck in the user's scope (Bawaslu observes them).

Scope: ``candidacy.support_view`` or ``candidacy.verfak`` on the region; an LO sees only the
supporters of its own pair (:class:`~pilkada.candidacy.models.PairLiaison`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, Exists, OuterRef, Q, Value, When
from django.db.models.functions import Substr

from pilkada.accounts import permissions
from pilkada.accounts.roles import Role
from pilkada.core.masking import mask_address, mask_birth_date, mask_name, mask_nik
from pilkada.regions.codes import level_of, normalize_region_code
from pilkada.regions.models import Region
from pilkada.schedule.models import Election

from ..access import liaison_pair_id
from ..models import FactualCheck, Pair, Supporter, SupportObjection
from ..services.verfak import (
    IN_VERFAK,
    batas_waktu_menghadirkan_pendukung,
    not_found_since,
)

__all__ = [
    "PAGE_SIZE",
    "KelurahanPage",
    "ProgressPage",
    "RecordsPage",
    "VerfakCounts",
    "check_records",
    "history",
    "kelurahan_list",
    "lo_pair_id",
    "overdue_not_found",
    "progress_counts",
    "supporter_for_verfak",
    "total_counts",
    "unmasked_for",
    "verfak_progress",
]

PAGE_SIZE = 50
Outcome = FactualCheck.Outcome
V = Supporter.VerfakStatus
#: TMS outcomes, in the order the pages show them.
TMS_OUTCOMES = (Outcome.DENIES, Outcome.NOT_FOUND, Outcome.DECEASED, Outcome.CHOSE_OTHER)
_CHILD_LENGTH = {2: 4, 4: 6, 6: 10, 10: 10}


# ============================================================================================
# Who may see what
# ============================================================================================


def lo_pair_id(user) -> int | None:
    """The pair an LO acts for (None for other roles); PermissionDenied for an LO without
    a pair (:func:`pilkada.candidacy.access.liaison_pair_id`)."""
    if getattr(user, "role", "") != Role.LO:
        return None
    pair_id = liaison_pair_id(user)
    if pair_id is None:
        raise PermissionDenied("candidacy: this LO account is not linked to a pair")
    return pair_id


def _require_view(user, region_code: str | None) -> None:
    if user is None:
        return
    if permissions.can(user, "candidacy.verfak", region_code):
        return
    permissions.require(user, "candidacy.support_view", region_code)


def _pair_filter(user, pair_id) -> int | None:
    """The pair to show: the LO's own (refusing another), else the one asked for or all."""
    own = lo_pair_id(user) if user is not None else None
    if own is not None:
        if pair_id not in (None, "", own, str(own)):
            raise PermissionDenied("candidacy: an LO sees only its own pair's supporters")
        return own
    if pair_id in (None, ""):
        return None
    try:
        return int(pair_id)
    except (TypeError, ValueError):
        raise PermissionDenied("candidacy: no such pair") from None


def unmasked_for(user, region_code: str) -> bool:
    return user is None or permissions.can(user, "candidacy.support_view_unmasked", region_code)


def _show(s: Supporter, unmasked: bool) -> Supporter:
    """Fields for display: ``nik_shown``, ``nama_shown``, ``lahir_shown``, ``alamat_shown``."""
    if unmasked:
        s.nik_shown, s.nama_shown = s.nik, s.nama
        s.lahir_shown = s.tanggal_lahir.isoformat() if s.tanggal_lahir else ""
        s.alamat_shown = f"{s.alamat} RT {s.rt or '-'}/RW {s.rw or '-'}".strip()
    else:
        s.nik_shown, s.nama_shown = mask_nik(s.nik), mask_name(s.nama)
        s.lahir_shown = mask_birth_date(s.tanggal_lahir)
        s.alamat_shown = mask_address(s.alamat, s.rt, s.rw)
    return s


# ============================================================================================
# The PPS's list of a kelurahan
# ============================================================================================


@dataclass
class KelurahanPage:
    region: Region
    supporters: list[Supporter]
    counts: VerfakCounts
    can_record: bool
    unmasked: bool
    pair_id: int | None
    pairs: list[Pair]
    query: str = ""
    rt: str = ""
    rw: str = ""
    page: int = 1
    has_next: bool = False

    @property
    def supporter_ids(self) -> list[int]:
        return [s.pk for s in self.supporters]


def _open_objection():
    return Exists(
        SupportObjection.objects.filter(
            supporter=OuterRef("pk"), status=SupportObjection.Status.OPEN
        )
    )


def _rt_rw_values(raw: str) -> list[str]:
    text = (raw or "").strip()
    if not text.isdigit():
        return [text] if text else []
    n = int(text)
    return sorted({text, str(n), f"{n:03d}", f"{n:02d}"})


def _annotate(rows: list[Supporter], *, unmasked: bool, today: dt.date) -> list[Supporter]:
    """Per row: display fields, the other pairs of a held supporter (``held_rows``), the day
    a not-found supporter was first missed and the pair's deadline, the latest records."""
    held_niks = {s.nik for s in rows if s.vermin_status == Supporter.VerminStatus.HELD}
    held: dict[str, list[dict]] = {}
    if held_niks:
        for r in (
            Supporter.objects.filter(
                election_id=rows[0].election_id,
                nik__in=held_niks,
                vermin_status=Supporter.VerminStatus.HELD,
            )
            .order_by("pair_id", "pk")
            .values("pk", "nik", "pair_id", "pair__name", "verfak_status", "verfak_outcome")
        ):
            held.setdefault(r["nik"], []).append(r)
    history: dict[int, list[tuple[str, dt.date, str]]] = {s.pk: [] for s in rows}
    for sid, outcome, day, by in (
        FactualCheck.objects.filter(supporter_id__in=list(history))
        .order_by("supporter_id", "created_at", "id")
        .values_list("supporter_id", "outcome", "recorded_on", "recorded_by")
    ):
        history[sid].append((outcome, day, by))
    labels = dict(Outcome.choices)
    for s in rows:
        _show(s, unmasked)
        s.outcome_label = labels.get(s.verfak_outcome, s.verfak_outcome)
        s.held_rows = held.get(s.nik, []) if s.vermin_status == "held" else []
        records = history.get(s.pk, [])
        s.records = len(records)
        s.last_record = records[-1] if records else None
        since = not_found_since([(o, d) for o, d, _by in records])
        s.not_found_since = since
        s.deadline = batas_waktu_menghadirkan_pendukung(tidak_ditemui_pada=since) if since else None
        s.deadline_passed = bool(s.deadline and today > s.deadline)
    return rows


def _supporters(election: Election, pair_id: int | None):
    """Supporters in verfak, by pair: one pair, or the election's pairs listed by id, so that
    the (pair, region_code) index serves a kelurahan's rows."""
    qs = Supporter.objects.filter(verfak_status__in=IN_VERFAK)
    if pair_id is not None:
        return qs.filter(pair_id=pair_id, election=election)
    return qs.filter(pair__in=Pair.objects.filter(election=election).values("pk"))


def kelurahan_list(
    *,
    user,
    election: Election,
    kelurahan_code: str,
    query: str = "",
    rt: str = "",
    rw: str = "",
    pair_id=None,
    page: int = 1,
    today: dt.date | None = None,
) -> KelurahanPage:
    """The supporters of a kelurahan in verifikasi faktual (see the module's docstring).
    Region.DoesNotExist for an unknown kelurahan, PermissionDenied outside the user's scope."""
    from pilkada.core import clock

    code = normalize_region_code(kelurahan_code)
    if level_of(code) != "kelurahan":
        raise Region.DoesNotExist(code)
    _require_view(user, code)
    pair_id = _pair_filter(user, pair_id)
    region = Region.objects.get(code=code)
    query = " ".join((query or "").split())[:100]
    qs = _supporters(election, pair_id).filter(region_code=code)
    if query:
        qs = qs.filter(nama__icontains=query)
    if rt.strip():
        qs = qs.filter(rt__in=_rt_rw_values(rt))
    if rw.strip():
        qs = qs.filter(rw__in=_rt_rw_values(rw))
    page = max(1, int(page or 1))
    todo = Case(When(verfak_status=V.PENDING, then=Value(0)), default=Value(1))
    qs = (
        qs.select_related("pair")
        .annotate(open_objection=_open_objection(), todo=todo)
        .order_by("-open_objection", "todo", "rw", "rt", "nama", "pk")
    )
    offset = (page - 1) * PAGE_SIZE
    rows = list(qs[offset : offset + PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    unmasked = unmasked_for(user, code)
    _annotate(rows, unmasked=unmasked, today=today or clock.today())
    counts = total_counts(
        progress_counts(election=election, region_code=code, pair_id=pair_id), code
    )
    pairs = list(
        Pair.objects.filter(pk__in=_supporters(election, None).filter(region_code=code)
                            .values("pair_id")).order_by("ballot_number", "pk")
    )  # fmt: skip
    if pair_id is not None:
        pairs = [p for p in pairs if p.pk == pair_id] or list(Pair.objects.filter(pk=pair_id))
    return KelurahanPage(
        region=region,
        supporters=rows,
        counts=counts,
        can_record=user is None or permissions.can(user, "candidacy.verfak", code),
        unmasked=unmasked,
        pair_id=pair_id,
        pairs=pairs,
        query=query,
        rt=rt.strip(),
        rw=rw.strip(),
        page=page,
        has_next=has_next,
    )


def supporter_for_verfak(*, user, supporter_id, today: dt.date | None = None) -> Supporter:
    """One supporter in verifikasi faktual, annotated as in the list; Supporter.DoesNotExist
    or PermissionDenied (outside the scope, or another pair's supporter for an LO)."""
    from pilkada.core import clock

    s = (
        Supporter.objects.filter(verfak_status__in=IN_VERFAK)
        .select_related("pair", "election")
        .annotate(open_objection=_open_objection())
        .get(pk=supporter_id)
    )
    _require_view(user, s.region_code or "-")
    own = lo_pair_id(user) if user is not None else None
    if own is not None and own != s.pair_id:
        raise PermissionDenied("candidacy: an LO sees only its own pair's supporters")
    unmasked = unmasked_for(user, s.region_code)
    _annotate([s], unmasked=unmasked, today=today or clock.today())
    s.can_record = user is None or permissions.can(user, "candidacy.verfak", s.region_code)
    return s


def history(*, supporter: Supporter) -> list[FactualCheck]:
    return list(supporter.factual_checks.order_by("-created_at", "-pk")[:20])


# ============================================================================================
# Progress
# ============================================================================================


@dataclass
class VerfakCounts:
    code: str | None
    name: str = ""
    level: str = ""
    total: int = 0
    pending: int = 0  # not yet met (no record)
    awaiting: int = 0  # not found; the pair may still bring them before the deadline
    ms: int = 0
    tms: int = 0
    tms_by_outcome: dict[str, int] = field(default_factory=dict)
    objected: int = 0

    @property
    def done(self) -> int:
        return self.ms + self.tms

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0

    def tms_of(self, outcome: str) -> int:
        return self.tms_by_outcome.get(outcome, 0)

    @property
    def tms_columns(self) -> list[int]:
        return [self.tms_of(o) for o in TMS_OUTCOMES]

    def add(self, other: VerfakCounts) -> None:
        for name in ("total", "pending", "awaiting", "ms", "tms", "objected"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for k, n in other.tms_by_outcome.items():
            self.tms_by_outcome[k] = self.tms_by_outcome.get(k, 0) + n

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "level": self.level,
            "total": self.total,
            "pending": self.pending,
            "not_found_awaiting": self.awaiting,
            "ms": self.ms,
            "tms": self.tms,
            "tms_by_outcome": {o: self.tms_of(o) for o in TMS_OUTCOMES},
            "objected": self.objected,
            "percent_done": self.percent,
        }


@dataclass
class ProgressPage:
    region_code: str
    level: str
    name: str
    child_level: str
    pair_id: int | None
    rows: list[VerfakCounts]
    total: VerfakCounts
    crumbs: list[Region]
    pairs: list[Pair]

    def as_dict(self) -> dict:
        return {
            "region_code": self.region_code,
            "level": self.level,
            "name": self.name,
            "child_level": self.child_level,
            "pair": self.pair_id,
            "total": self.total.as_dict(),
            "rows": [r.as_dict() for r in self.rows],
        }


def total_counts(rows: list[VerfakCounts], code: str) -> VerfakCounts:
    total = VerfakCounts(code=code, level=level_of(code) or "")
    for r in rows:
        total.add(r)
    return total


def progress_counts(
    *, election: Election, region_code: str, pair_id: int | None = None
) -> list[VerfakCounts]:
    """Verfak counts per child region of ``region_code`` (a kelurahan gives itself), unscoped,
    in ONE grouped query. Under the election's region, supporters without a kelurahan form a
    row with code ""."""
    code = normalize_region_code(region_code)
    child = _CHILD_LENGTH[len(code)]
    qs = _supporters(election, pair_id)
    if len(code) == 10:
        qs = qs.filter(region_code=code)
    elif code == election.region_code:
        qs = qs.filter(Q(region_code__startswith=code) | Q(region_code=""))
    else:
        # The kelurahan codes under the area, so that the (pair, region_code) index serves
        # a kab/kota or kecamatan (a LIKE prefix cannot use it under every collation).
        kelurahan = Region.objects.filter(level="kelurahan", code__startswith=code)
        qs = qs.filter(region_code__in=list(kelurahan.values_list("code", flat=True)))
    pending = Q(verfak_status=V.PENDING)
    measures = {
        "total": Count("pk"),
        "pending": Count("pk", filter=pending & ~Q(verfak_outcome=Outcome.NOT_FOUND)),
        "awaiting": Count("pk", filter=pending & Q(verfak_outcome=Outcome.NOT_FOUND)),
        "ms": Count("pk", filter=Q(verfak_status=V.MS)),
        "tms": Count("pk", filter=Q(verfak_status=V.TMS)),
        "objected": Count("pk", filter=Q(objected=True)),
        **{
            f"tms_{o}": Count("pk", filter=Q(verfak_status=V.TMS, verfak_outcome=o))
            for o in TMS_OUTCOMES
        },
    }
    grouped = (
        qs.annotate(k=Substr("region_code", 1, child))
        .values("k")
        .annotate(**measures)
        .order_by("k")
    )
    return [
        VerfakCounts(
            code=r["k"],
            total=r["total"],
            pending=r["pending"],
            awaiting=r["awaiting"],
            ms=r["ms"],
            tms=r["tms"],
            objected=r["objected"],
            tms_by_outcome={o: r[f"tms_{o}"] for o in TMS_OUTCOMES if r[f"tms_{o}"]},
        )
        for r in grouped
    ]


def progress_region(*, user, election: Election, region_code: str | None) -> str:
    """``region_code`` or the user's own scope (the election's region for an operator or a
    scope above it); PermissionDenied outside the scope or the election, ValueError for a
    malformed code (InvalidRegionCode)."""
    if region_code:
        code = normalize_region_code(region_code)
    else:
        scope = getattr(user, "region_code", "") or ""
        code = scope if scope.startswith(election.region_code) else election.region_code
    if not code.startswith(election.region_code[: len(code)]):
        raise PermissionDenied(f"region {code} is outside the election")
    if not code.startswith(election.region_code):
        code = election.region_code
    if len(code) > 10:
        code = code[:10]
    _require_view(user, code)
    return code


def verfak_progress(
    *, user, election: Election, region_code: str | None = None, pair_id=None
) -> ProgressPage:
    """The progress page of a region (``user`` None: the operator, e.g. the command line)."""
    code = progress_region(user=user, election=election, region_code=region_code)
    pair_id = _pair_filter(user, pair_id)
    rows = progress_counts(election=election, region_code=code, pair_id=pair_id)
    child = _CHILD_LENGTH[len(code)]
    child_level = level_of("0" * child) or ""
    ancestors = [code[:n] for n in (2, 4, 6, 10) if n <= len(code)]
    names = dict(
        Region.objects.filter(
            Q(code__in=[r.code for r in rows if r.code]) | Q(code__in=ancestors)
        ).values_list("code", "name")
    )
    for r in rows:
        r.level = child_level if r.code else ""
        r.name = names.get(r.code or "", "")
    total = total_counts(rows, code)
    total.name = names.get(code, code)
    pairs = list(
        Pair.objects.filter(election=election, path=Pair.Path.INDEPENDENT).order_by(
            "ballot_number", "pk"
        )
    )
    if user is not None and lo_pair_id(user) is not None:
        pairs = [p for p in pairs if p.pk == pair_id]
    return ProgressPage(
        region_code=code,
        level=level_of(code) or "",
        name=total.name,
        child_level=child_level,
        pair_id=pair_id,
        rows=rows,
        total=total,
        crumbs=list(Region.objects.filter(code__in=ancestors).order_by("code")),
        pairs=pairs,
    )


def overdue_not_found(*, user, election: Election, today: dt.date | None = None) -> int:
    """How many not-found supporters in the user's scope are past the deadline but still
    pending (waiting for :func:`~pilkada.candidacy.services.verfak.expire_not_found`)."""
    from pilkada.core import clock

    today = today or clock.today()
    qs = Supporter.objects.filter(
        election=election, verfak_status=V.PENDING, verfak_outcome=Outcome.NOT_FOUND
    )
    if user is not None:
        qs = qs.filter(permissions.scope_q(user, "region_code"))
        own = lo_pair_id(user)
        if own is not None:
            qs = qs.filter(pair_id=own)
    ids = list(qs.values_list("pk", flat=True)[:100_000])
    overdue = 0
    history: dict[int, list[tuple[str, dt.date]]] = {}
    for start in range(0, len(ids), 1000):
        for sid, outcome, day in (
            FactualCheck.objects.filter(supporter_id__in=ids[start : start + 1000])
            .order_by("supporter_id", "created_at", "id")
            .values_list("supporter_id", "outcome", "recorded_on")
        ):
            history.setdefault(sid, []).append((outcome, day))
    for records in history.values():
        since = not_found_since(records)
        if since and today > batas_waktu_menghadirkan_pendukung(tidak_ditemui_pada=since):
            overdue += 1
    return overdue


# ============================================================================================
# Every record (Bawaslu observes them)
# ============================================================================================


@dataclass
class RecordsPage:
    records: list[FactualCheck]
    page: int
    has_next: bool
    region_code: str
    outcome: str
    pair_id: int | None


def check_records(
    *, user, election: Election, region_code: str | None = None, pair_id=None,
    outcome: str = "", page: int = 1,
) -> RecordsPage:  # fmt: skip
    """Every FactualCheck of supporters in the region (newest first), with the supporter
    masked unless the role may unmask; read-only."""
    code = progress_region(user=user, election=election, region_code=region_code)
    pair_id = _pair_filter(user, pair_id)
    qs = FactualCheck.objects.filter(supporter__election=election).select_related(
        "supporter", "supporter__pair"
    )
    if code == election.region_code:
        qs = qs.filter(Q(supporter__region_code__startswith=code) | Q(supporter__region_code=""))
    else:
        qs = qs.filter(supporter__region_code__startswith=code)
    if pair_id is not None:
        qs = qs.filter(supporter__pair_id=pair_id)
    if outcome in Outcome.values:
        qs = qs.filter(outcome=outcome)
    page = max(1, int(page or 1))
    offset = (page - 1) * 100
    records = list(qs.order_by("-created_at", "-pk")[offset : offset + 101])
    for r in records:
        _show(r.supporter, unmasked_for(user, r.supporter.region_code or "-"))
    return RecordsPage(
        records=records[:100],
        page=page,
        has_next=len(records) > 100,
        region_code=code,
        outcome=outcome if outcome in Outcome.values else "",
        pair_id=pair_id,
    )

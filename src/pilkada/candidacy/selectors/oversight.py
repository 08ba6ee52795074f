"""Bawaslu's view of candidacy (issue 4 part 8): read-only, scoped by region, masked.

* :func:`overview` -- per pair: supporters listed, vermin results with the count per reason,
  verfak outcomes, overall status, objections per status, recommendations per status; a few
  grouped queries whatever the number of supporters.
* :func:`supporter_page` / :func:`supporter_rows` -- a pair's supporter list with filters,
  always masked (the CSV export goes through :mod:`pilkada.candidacy.services.oversight`,
  which audits it).
* :func:`objection_page` -- the "I did not give this support" objections, masked, with the
  counts per pair.
* :func:`recommendation_page` -- Bawaslu's recommendations and KPU's answers.

Scope: ``candidacy.support_view`` for supporter lists (an LO: its own pair only, by
:func:`pilkada.candidacy.access.visible_pairs`), ``candidacy.objection_view`` (KPU, Bawaslu)
for the overview, objections and recommendations. Rows are kept inside the user's region;
a user whose region holds the whole election also sees supporters without a kelurahan.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q

from pilkada.accounts import permissions
from pilkada.core.masking import MASK, mask_address, mask_birth_date, mask_name, mask_nik
from pilkada.schedule.models import Election

from ..access import visible_pairs
from ..models import BawasluRecommendation, Pair, Supporter, SupportObjection

__all__ = [
    "EXPORT_COLUMNS",
    "PAGE_SIZE",
    "PairOverview",
    "as_dict",
    "masked_row",
    "objection_page",
    "overview",
    "recommendation",
    "recommendation_page",
    "region_q",
    "supporter_page",
    "supporter_rows",
    "visible_pair",
]

PAGE_SIZE = 100
EXPORT_COLUMNS = (
    "id", "paslon", "putaran", "baris", "nik", "nama", "tanggal_lahir", "jenis_kelamin",
    "alamat", "kode_kelurahan", "status_vermin", "alasan_vermin", "status_verfak",
    "hasil_verfak", "ada_tanggapan", "status",
)  # fmt: skip


def region_q(user, election: Election, field_name: str = "region_code") -> Q:
    """Rows inside the user's region; a user whose region holds the whole election (or an
    operator) also gets the rows with no region ("")."""
    if user is None or permissions.is_operator(user):
        return Q()
    if not permissions.has_valid_scope(user):
        return Q(pk__in=[])
    if election.region_code.startswith(user.region_code):
        return Q()
    return Q(**{f"{field_name}__startswith": user.region_code})


def _require(user, action: str) -> None:
    if user is not None:
        permissions.require(user, action, None)


def visible_pair(*, user, election: Election, pair_id) -> Pair:
    """A pair whose supporters the user may see; Pair.DoesNotExist otherwise (an LO asking
    for another pair gets the same answer as for a pair that does not exist)."""
    _require(user, "candidacy.support_view")
    pairs = (
        Pair.objects.filter(election=election)
        if user is None
        else visible_pairs(user, election=election)
    )
    return pairs.get(pk=pair_id)


# ============================================================================================
# Overview per pair
# ============================================================================================


@dataclass
class PairOverview:
    pair: Pair
    listed: int = 0
    vermin: dict[str, int] = field(default_factory=dict)
    vermin_reasons: dict[str, int] = field(default_factory=dict)
    verfak: dict[str, int] = field(default_factory=dict)
    verfak_outcomes: dict[str, int] = field(default_factory=dict)
    status: dict[str, int] = field(default_factory=dict)
    objections: dict[str, int] = field(default_factory=dict)
    recommendations: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "pair": self.pair.pk,
            "name": self.pair.name,
            "path": self.pair.path,
            "listed": self.listed,
            "vermin": dict(sorted(self.vermin.items())),
            "vermin_reasons": dict(sorted(self.vermin_reasons.items())),
            "verfak": dict(sorted(self.verfak.items())),
            "verfak_outcomes": dict(sorted(self.verfak_outcomes.items())),
            "status": dict(sorted(self.status.items())),
            "objections": dict(sorted(self.objections.items())),
            "recommendations": dict(sorted(self.recommendations.items())),
        }


def _bump(counter: dict, key: str, n: int) -> None:
    if key:
        counter[key] = counter.get(key, 0) + n


def overview(*, user, election: Election) -> list[PairOverview]:
    """Per pair the user may see: the counts of its supporters (in the user's region), its
    objections and Bawaslu's recommendations, from three grouped queries."""
    _require(user, "candidacy.objection_view")
    pairs = list(Pair.objects.filter(election=election).order_by("ballot_number", "pk"))
    by_pair = {p.pk: PairOverview(pair=p) for p in pairs}
    grouped = (
        Supporter.objects.filter(election=election)
        .filter(region_q(user, election))
        .values(
            "pair_id", "vermin_status", "vermin_reason", "verfak_status", "verfak_outcome", "status"
        )
        .annotate(n=Count("pk"))
        .order_by()
    )
    for r in grouped:
        o = by_pair.get(r["pair_id"])
        if o is None:
            continue
        n = r["n"]
        o.listed += n
        _bump(o.vermin, r["vermin_status"], n)
        if r["vermin_status"] == Supporter.VerminStatus.TMS:
            _bump(o.vermin_reasons, r["vermin_reason"] or "-", n)
        _bump(o.verfak, r["verfak_status"], n)
        if r["verfak_status"] != Supporter.VerfakStatus.NOT_APPLICABLE:
            _bump(o.verfak_outcomes, r["verfak_outcome"] or "pending", n)
        _bump(o.status, r["status"], n)
    for r in (
        SupportObjection.objects.filter(election=election)
        .filter(region_q(user, election, "supporter__region_code"))
        .values("pair_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if r["pair_id"] in by_pair:
            _bump(by_pair[r["pair_id"]].objections, r["status"], r["n"])
    for r in (
        _recommendations(user, election)
        .exclude(pair__isnull=True)
        .values("pair_id", "status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if r["pair_id"] in by_pair:
            _bump(by_pair[r["pair_id"]].recommendations, r["status"], r["n"])
    return list(by_pair.values())


# ============================================================================================
# A pair's supporters (masked)
# ============================================================================================

#: Filters of the supporter list: query parameter -> field.
SUPPORTER_FILTERS = {
    "status": "status",
    "vermin": "vermin_status",
    "alasan": "vermin_reason",
    "verfak": "verfak_status",
    "hasil": "verfak_outcome",
}


@dataclass
class SupporterPage:
    pair: Pair
    rows: list[dict]
    total: int
    page: int
    has_next: bool
    filters: dict[str, str]


def _supporters(*, user, election: Election, pair: Pair, filters: dict | None):
    qs = Supporter.objects.filter(election=election, pair=pair).filter(region_q(user, election))
    clean = {}
    for key, value in (filters or {}).items():
        value = str(value or "").strip()
        if not value:
            continue
        if key in SUPPORTER_FILTERS:
            qs = qs.filter(**{SUPPORTER_FILTERS[key]: value})
        elif key == "wilayah" and value.isdigit():
            qs = qs.filter(region_code__startswith=value)
        elif key == "nik" and value.isdigit():
            qs = qs.filter(nik=value)
        elif key == "objected" and value in ("1", "ya"):
            qs = qs.filter(objected=True)
        else:
            continue
        clean[key] = value
    return qs, clean


def masked_row(s: Supporter) -> dict:
    """A supporter as every oversight list and export shows it: masked personal data."""
    return {
        "id": s.pk,
        "paslon": s.pair_id,
        "putaran": s.round,
        "baris": s.line,
        "nik": mask_nik(s.nik),
        "nama": mask_name(s.nama),
        "tanggal_lahir": mask_birth_date(s.tanggal_lahir),
        "jenis_kelamin": s.jenis_kelamin,
        "alamat": mask_address(s.alamat, s.rt, s.rw),
        "kode_kelurahan": s.region_code,
        "status_vermin": s.vermin_status,
        "alasan_vermin": s.vermin_reason,
        "status_verfak": s.verfak_status,
        "hasil_verfak": s.verfak_outcome,
        "ada_tanggapan": "ya" if s.objected else "",
        "status": s.status,
    }


_FIELDS = ("pk", "pair_id", "round", "line", "nik", "nama", "tanggal_lahir", "jenis_kelamin",
           "alamat", "rt", "rw", "region_code", "vermin_status", "vermin_reason",
           "verfak_status", "verfak_outcome", "objected", "status")  # fmt: skip


def supporter_page(
    *, user, election: Election, pair_id, filters: dict | None = None, page: int = 1
) -> SupporterPage:
    """One page of a pair's supporters in the user's region, masked, by upload line."""
    pair = visible_pair(user=user, election=election, pair_id=pair_id)
    qs, clean = _supporters(user=user, election=election, pair=pair, filters=filters)
    page = max(1, int(page or 1))
    offset = (page - 1) * PAGE_SIZE
    rows = list(qs.only(*_FIELDS).order_by("round", "batch_id", "line", "pk")[
        offset : offset + PAGE_SIZE + 1])  # fmt: skip
    return SupporterPage(
        pair=pair,
        rows=[masked_row(s) for s in rows[:PAGE_SIZE]],
        total=qs.count(),
        page=page,
        has_next=len(rows) > PAGE_SIZE,
        filters=clean,
    )


def supporter_rows(*, user, election: Election, pair: Pair, filters: dict | None = None):
    """(an iterator of masked dicts, the filters applied, the number of rows) for the export;
    the caller has checked the pair with :func:`visible_pair`."""
    qs, clean = _supporters(user=user, election=election, pair=pair, filters=filters)
    ordered = qs.only(*_FIELDS).order_by("round", "batch_id", "line", "pk")
    rows = (masked_row(s) for s in ordered.iterator(chunk_size=5000))
    return rows, clean, qs.count()


# ============================================================================================
# Objections
# ============================================================================================


def mask_phone(value: str) -> str:
    digits = (value or "").strip()
    if len(digits) <= 4:
        return MASK * len(digits)
    return MASK * (len(digits) - 3) + digits[-3:]


def mask_email(value: str) -> str:
    if not value or "@" not in value:
        return ""
    local, domain = value.split("@", 1)
    return f"{local[:1]}{MASK * 3}@{domain}"


@dataclass
class ObjectionPage:
    rows: list[dict]
    counts: list[dict]  # per pair: name and count per status
    page: int
    has_next: bool
    pair_id: int | None
    status: str


def objection_page(
    *, user, election: Election, pair_id=None, status: str = "", page: int = 1
) -> ObjectionPage:
    """The objections of supporters in the user's region, newest first, masked (supporter's
    NIK and name, the citizen's contact), with the counts per pair and status."""
    _require(user, "candidacy.objection_view")
    qs = (
        SupportObjection.objects.filter(election=election)
        .filter(region_q(user, election, "supporter__region_code"))
        .select_related("pair", "supporter")
    )
    counts: dict[int, dict] = {}
    for r in qs.values("pair_id", "pair__name", "status").annotate(n=Count("pk")).order_by():
        c = counts.setdefault(
            r["pair_id"], {"pair": r["pair_id"], "name": r["pair__name"], "total": 0}
        )
        c[r["status"]] = r["n"]
        c["total"] += r["n"]
    pid = int(pair_id) if str(pair_id or "").isdigit() else None
    if pid is not None:
        qs = qs.filter(pair_id=pid)
    if status in SupportObjection.Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = max(1, int(page or 1))
    offset = (page - 1) * PAGE_SIZE
    objections = list(qs.order_by("-created_at", "-pk")[offset : offset + PAGE_SIZE + 1])
    rows = [
        {
            "id": o.pk,
            "receipt": o.receipt,
            "pair": o.pair.name,
            "pair_id": o.pair_id,
            "supporter": o.supporter_id,
            "nik": mask_nik(o.supporter.nik),
            "nama": mask_name(o.supporter.nama),
            "kelurahan": o.supporter.region_code,
            "contact_name": mask_name(o.contact_name),
            "contact_phone": mask_phone(o.contact_phone),
            "contact_email": mask_email(o.contact_email),
            "statement": o.statement,
            "status": o.status,
            "status_label": o.get_status_display(),
            "created_on": o.created_on.isoformat(),
            "resolved_by": o.resolved_by,
            "resolved_on": o.resolved_on.isoformat() if o.resolved_on else None,
            "resolution_note": o.resolution_note,
            "verfak_outcome": o.supporter.verfak_outcome,
        }
        for o in objections[:PAGE_SIZE]
    ]
    return ObjectionPage(
        rows=rows,
        counts=sorted(counts.values(), key=lambda c: c["pair"]),
        page=page,
        has_next=len(objections) > PAGE_SIZE,
        pair_id=pid,
        status=status,
    )


# ============================================================================================
# Recommendations
# ============================================================================================


def _recommendations(user, election: Election):
    """Recommendations the user may see: those on an area inside the user's region, and
    those on a pair, batch or decision (no region) for every KPU and Bawaslu user."""
    qs = BawasluRecommendation.objects.filter(election=election)
    scope = region_q(user, election)
    if scope:
        qs = qs.filter(scope | Q(region_code=""))
    return qs


@dataclass
class RecommendationPage:
    rows: list[BawasluRecommendation]
    counts: dict[str, int]
    page: int
    has_next: bool
    status: str
    pair_id: int | None


def recommendation_page(
    *, user, election: Election, status: str = "", pair_id=None, page: int = 1
) -> RecommendationPage:
    _require(user, "candidacy.objection_view")
    qs = _recommendations(user, election).select_related("pair")
    counts = {r["status"]: r["n"] for r in qs.values("status").annotate(n=Count("pk")).order_by()}
    pid = int(pair_id) if str(pair_id or "").isdigit() else None
    if pid is not None:
        qs = qs.filter(pair_id=pid)
    if status in BawasluRecommendation.Status.values:
        qs = qs.filter(status=status)
    else:
        status = ""
    page = max(1, int(page or 1))
    offset = (page - 1) * PAGE_SIZE
    rows = list(qs.order_by("-created_at", "-pk")[offset : offset + PAGE_SIZE + 1])
    return RecommendationPage(
        rows=rows[:PAGE_SIZE],
        counts=counts,
        page=page,
        has_next=len(rows) > PAGE_SIZE,
        status=status,
        pair_id=pid,
    )


def recommendation(*, user, election: Election, recommendation_id) -> BawasluRecommendation:
    """One recommendation the user may see; BawasluRecommendation.DoesNotExist otherwise."""
    _require(user, "candidacy.objection_view")
    return _recommendations(user, election).select_related("pair").get(pk=recommendation_id)


def as_dict(rec: BawasluRecommendation) -> dict:
    return {
        "id": rec.pk,
        "subject": rec.subject,
        "object_id": rec.object_id,
        "pair": rec.pair_id,
        "region_code": rec.region_code,
        "text": rec.text,
        "created_by": rec.created_by,
        "created_on": rec.created_on.isoformat(),
        "status": rec.status,
        "answer": rec.answer,
        "answered_by": rec.answered_by,
        "answered_on": rec.answered_on.isoformat() if rec.answered_on else None,
    }

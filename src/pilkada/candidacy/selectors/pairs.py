"""Reads of candidate pairs and of the numbers their nomination rests on.

Who sees what:

* ``candidacy.view`` (every role) whose region overlaps the election's: the pairs of the
  election, their candidates (NIK and address masked), checklist and status;
* an LO (role "lo") sees only its own pair (:class:`~pilkada.candidacy.models.PairLiaison`):
  other pairs are not listed and their pages answer 404;
* the public: the minimum support and party threshold (:func:`minimum_support`) and the list
  of pairs set at penetapan (:func:`published_pairs`).

The party threshold is read by :func:`party_threshold`. **Which DPT sets the band:** the
``dpt_total`` KPU entered for it, else the last election's DPT (``previous_dpt_total``).
Registration (27-29 Aug 2024) comes before this election's own DPT is set (September), so
the DPT known when the parties nominate is the last election's; MK 60/PUU-XXII/2024 speaks
of the DPT of the region without naming which, and the default follows what was known on
the day (for DKI 2024 both readings give the 7.5 % band). KPU overrides it by setting
``dpt_total``; every result says which figure it used.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Prefetch, Sum
from django.utils.translation import gettext as _

from pilkada.accounts import permissions
from pilkada.accounts.roles import Role
from pilkada.core.masking import mask_address, mask_nik
from pilkada.regions.models import Region
from pilkada.schedule.selectors import action_windows
from pilkada.voters.models import Voter

from .. import rules
from ..models import (
    CandidacyBasis,
    Candidate,
    Pair,
    PairLiaison,
    PairParty,
    PairRequirement,
    PartyVote,
)
from ..pair_documents import document_label, required_documents
from .results import support_result

__all__ = [
    "MANAGE_ACTION",
    "VIEW_ACTION",
    "BasisSuggestion",
    "MinimumSupport",
    "ThresholdResult",
    "basis_of",
    "basis_suggestion",
    "liaison_pair_id",
    "may_manage",
    "may_view",
    "minimum_support",
    "pair_detail",
    "pair_for",
    "pairs_for",
    "party_threshold",
    "party_votes",
    "penetapan_date",
    "published_pairs",
]

VIEW_ACTION = "candidacy.view"
#: Pairs with a ballot number first, by number (NULLs sort differently per database).
BALLOT_ORDER = F("ballot_number").asc(nulls_last=True)
MANAGE_ACTION = "candidacy.pair_manage"


# ============================================================================================
# Who may see and do what
# ============================================================================================


def _overlaps(user, election) -> bool:
    """The user's region lies inside the election's region or contains it."""
    if permissions.is_operator(user):
        return True
    code = getattr(user, "region_code", "") or ""
    return bool(code) and (
        code.startswith(election.region_code) or election.region_code.startswith(code)
    )


def may_view(user, election) -> bool:
    return permissions.can(user, VIEW_ACTION, None) and _overlaps(user, election)


def may_manage(user, election) -> bool:
    return permissions.can(user, MANAGE_ACTION, election.region_code)


def liaison_pair_id(user) -> int | None:
    """The pair an LO acts for, or None (not an LO, or an LO not yet linked)."""
    if getattr(user, "role", "") != Role.LO or not getattr(user, "is_authenticated", False):
        return None
    return PairLiaison.objects.filter(user=user).values_list("pair_id", flat=True).first()


def _candidates_prefetch():
    return Prefetch("candidates", queryset=Candidate.objects.order_by("-position"))


def pairs_for(*, user, election):
    """The pairs of ``election`` the user may see, with candidates and parties prefetched:
    all of them for officers, only its own for an LO (none when not linked)."""
    qs = Pair.objects.filter(election=election)
    if not may_view(user, election):
        return qs.none()
    if getattr(user, "role", "") == Role.LO:
        own = liaison_pair_id(user)
        qs = qs.filter(pk=own) if own else qs.none()
    return qs.prefetch_related(
        _candidates_prefetch(),
        Prefetch("parties", queryset=PairParty.objects.select_related("party")),
    ).order_by(BALLOT_ORDER, "id")


def pair_for(*, user, pair_id: int) -> Pair:
    """The pair ``pair_id`` if the user may see it; ``Pair.DoesNotExist`` otherwise (an LO
    asking for another pair gets the same answer as for a pair that does not exist)."""
    pair = Pair.objects.select_related("election").get(pk=pair_id)
    if not pairs_for(user=user, election=pair.election).filter(pk=pair.pk).exists():
        raise Pair.DoesNotExist(f"pair {pair_id} is not visible to you")
    return pair


# ============================================================================================
# The basis numbers and the party votes
# ============================================================================================


def basis_of(election) -> CandidacyBasis | None:
    return CandidacyBasis.objects.filter(election=election).first()


def party_votes(election) -> list[PartyVote]:
    return list(
        PartyVote.objects.filter(election=election)
        .prefetch_related(
            Prefetch("pairparty_set", queryset=PairParty.objects.select_related("pair"))
        )
        .order_by("-valid_votes", "code")
    )


@dataclass(frozen=True)
class BasisSuggestion:
    """What the data in the system suggests for the basis (KPU decides)."""

    previous_dpt_register: int  # rows of the register's previous DPT (source "dpt-lama")
    party_votes_sum: int
    parties: int


def basis_suggestion(election) -> BasisSuggestion:
    register = Voter.objects.filter(election=election, source=Voter.Source.DPT_LAMA).count()
    agg = PartyVote.objects.filter(election=election).aggregate(s=Sum("valid_votes"))
    parties = PartyVote.objects.filter(election=election).count()
    return BasisSuggestion(register, int(agg["s"] or 0), parties)


# ============================================================================================
# The party threshold of a pair (MK 60/2024)
# ============================================================================================


@dataclass(frozen=True)
class ThresholdResult:
    pair_id: int
    parties: list[dict]  # [{"code", "name", "valid_votes"}]
    coalition_votes: int
    total_valid_votes: int | None  # CandidacyBasis.dprd_valid_votes
    dpt_used: int | None
    dpt_source: str | None  # "dpt_total" | "previous_dpt_total"
    percent: Decimal | None
    votes_needed: int | None
    share: Decimal | None  # coalition_votes / total_valid_votes, in percent (2 decimals)
    meets: bool
    missing: str = ""  # why it cannot be computed ("" when it can)

    def as_dict(self) -> dict:
        return {
            "parties": self.parties,
            "coalition_votes": self.coalition_votes,
            "total_valid_votes": self.total_valid_votes,
            "dpt_used": self.dpt_used,
            "dpt_source": self.dpt_source,
            "percent": str(self.percent) if self.percent is not None else None,
            "votes_needed": self.votes_needed,
            "share": str(self.share) if self.share is not None else None,
            "meets": self.meets,
            "missing": self.missing,
        }


def _threshold_dpt(basis: CandidacyBasis) -> tuple[int, str]:
    if basis.dpt_total:
        return basis.dpt_total, "dpt_total"
    return basis.previous_dpt_total, "previous_dpt_total"


def party_threshold(*, pair: Pair) -> ThresholdResult:
    """Whether the pair's parties reach the threshold: the sum of their valid votes in the
    last DPRD election against ``CandidacyBasis.dprd_valid_votes``, decided by
    :func:`pilkada.candidacy.rules.memenuhi_ambang_batas_partai` with the band of the DPT
    chosen as the module docstring says."""
    parties = [
        {"code": pp.party.code, "name": pp.party.name, "valid_votes": pp.party.valid_votes}
        for pp in PairParty.objects.filter(pair=pair)
        .select_related("party")
        .order_by("party__code")
    ]
    votes = sum(p["valid_votes"] for p in parties)
    basis = basis_of(pair.election)
    level = rules.level_of_election(pair.election.kind)

    def _missing(reason: str, **extra) -> ThresholdResult:
        return ThresholdResult(
            pair_id=pair.pk,
            parties=parties,
            coalition_votes=votes,
            total_valid_votes=extra.get("total"),
            dpt_used=extra.get("dpt"),
            dpt_source=extra.get("source"),
            percent=extra.get("percent"),
            votes_needed=None,
            share=None,
            meets=False,
            missing=reason,
        )

    if basis is None:
        return _missing(_("KPU belum menetapkan angka dasar pencalonan (DPT)."))
    dpt, source = _threshold_dpt(basis)
    percent = rules.ambang_batas_pencalonan_partai(dpt_total=dpt, level=level)
    total = basis.dprd_valid_votes
    if not total:
        return _missing(
            _("KPU belum menetapkan suara sah pemilu DPRD terakhir."),
            dpt=dpt,
            source=source,
            percent=percent,
        )
    if not parties:
        return _missing(
            _("Pasangan belum diusulkan oleh partai politik mana pun."),
            total=total,
            dpt=dpt,
            source=source,
            percent=percent,
        )
    meets = rules.memenuhi_ambang_batas_partai(
        coalition_votes=votes, total_valid_votes=total, dpt_total=dpt, level=level
    )
    return ThresholdResult(
        pair_id=pair.pk,
        parties=parties,
        coalition_votes=votes,
        total_valid_votes=total,
        dpt_used=dpt,
        dpt_source=source,
        percent=percent,
        votes_needed=math.ceil(percent * total / 100),
        share=(Decimal(votes) * 100 / total).quantize(Decimal("0.01")),
        meets=meets,
    )


# ============================================================================================
# The minimum support and the threshold of an election (part 2 of the issue)
# ============================================================================================


@dataclass(frozen=True)
class MinimumSupport:
    election_slug: str
    election_name: str
    level: str  # "provinsi" | "kabkota"
    area_level: str  # "kabkota" | "kecamatan": where the spread is counted
    basis_set: bool
    previous_dpt_total: int | None
    previous_dpt_source: str
    percent: Decimal | None
    minimum: int | None
    areas_total: int
    spread_needed: int
    bands: list[tuple[int | None, Decimal]]
    party_dpt_used: int | None
    party_dpt_source: str | None
    party_percent: Decimal | None
    dprd_valid_votes: int | None
    party_votes_needed: int | None
    legal_basis: str = "UU 10/2016 Pasal 41 ayat (1)-(2); Pasal 40 ayat (1) jo. MK 60/PUU-XXII/2024"

    def as_dict(self) -> dict:
        pct = self.percent
        return {
            "election": self.election_slug,
            "election_name": self.election_name,
            "level": self.level,
            "basis_set": self.basis_set,
            "independent": {
                "previous_dpt_total": self.previous_dpt_total,
                "previous_dpt_source": self.previous_dpt_source,
                "percent": str(pct) if pct is not None else None,
                "minimum": self.minimum,
                "area_level": self.area_level,
                "areas_total": self.areas_total,
                "spread_needed": self.spread_needed,
            },
            "party": {
                "dpt_used": self.party_dpt_used,
                "dpt_source": self.party_dpt_source,
                "percent": str(self.party_percent) if self.party_percent is not None else None,
                "dprd_valid_votes": self.dprd_valid_votes,
                "votes_needed": self.party_votes_needed,
            },
            "bands": [{"dpt_up_to": up_to, "percent": str(p)} for up_to, p in self.bands],
            "legal_basis": self.legal_basis,
        }


def _area_level(level: str) -> str:
    """Governor: spread over kab/kota; regent or mayor: over kecamatan (Pasal 41 huruf e)."""
    return "kabkota" if level == rules.PROVINSI else "kecamatan"


def minimum_support(election) -> MinimumSupport:
    """The independent minimum support (percentage, minimum, spread) and the party
    threshold of ``election`` from the rules and the basis KPU set. Without a basis the
    figures that need it are None. DKI 2024: 7.5 % of 8,252,897 = 618,968 in 4 of 6."""
    level = rules.level_of_election(election.kind)
    area_level = _area_level(level)
    areas_total = Region.objects.filter(
        level=area_level, code__startswith=election.region_code
    ).count()
    bands = (getattr(settings, "PILKADA_SUPPORT_BANDS", None) or rules.DEFAULT_SUPPORT_BANDS)[level]
    basis = basis_of(election)
    percent = minimum = party_percent = party_dpt = party_source = votes_needed = None
    if basis is not None:
        percent = rules.persentase_dukungan_perseorangan(
            dpt_total=basis.previous_dpt_total, level=level
        )
        minimum = rules.syarat_minimal_dukungan(dpt_total=basis.previous_dpt_total, level=level)
        party_dpt, party_source = _threshold_dpt(basis)
        party_percent = rules.ambang_batas_pencalonan_partai(dpt_total=party_dpt, level=level)
        if basis.dprd_valid_votes:
            votes_needed = math.ceil(party_percent * basis.dprd_valid_votes / 100)
    return MinimumSupport(
        election_slug=election.slug,
        election_name=election.name,
        level=level,
        area_level=area_level,
        basis_set=basis is not None,
        previous_dpt_total=basis.previous_dpt_total if basis else None,
        previous_dpt_source=basis.previous_dpt_source if basis else "",
        percent=percent,
        minimum=minimum,
        areas_total=areas_total,
        spread_needed=rules.minimal_sebaran_dukungan(areas_total=areas_total) if areas_total else 0,
        bands=[(up_to, Decimal(str(p))) for up_to, p in bands],
        party_dpt_used=party_dpt,
        party_dpt_source=party_source,
        party_percent=party_percent,
        dprd_valid_votes=basis.dprd_valid_votes if basis else None,
        party_votes_needed=votes_needed,
    )


# ============================================================================================
# A pair's page
# ============================================================================================


def penetapan_date(election) -> dt.date | None:
    """The day the pairs are set (the first day of the stage opening
    ``candidacy.set_pairs``): the day the candidates' minimum age is counted (MK 70/2024)."""
    windows = action_windows(election=election, action="candidacy.set_pairs")
    return windows[0].start if windows else None


@dataclass(frozen=True)
class CandidateView:
    position: str
    position_label: str
    nama: str
    nik_masked: str
    tempat_lahir: str
    tanggal_lahir: dt.date
    jenis_kelamin: str
    pekerjaan: str
    alamat_masked: str

    def as_dict(self) -> dict:
        return {
            "position": self.position,
            "nama": self.nama,
            "nik": self.nik_masked,
            "tempat_lahir": self.tempat_lahir,
            "tanggal_lahir": self.tanggal_lahir.isoformat(),
            "jenis_kelamin": self.jenis_kelamin,
            "pekerjaan": self.pekerjaan,
        }


@dataclass(frozen=True)
class RequirementView:
    code: str
    label: str
    kind: str
    status: str
    status_label: str
    note: str
    checked_by: str
    checked_on: dt.date | None

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "label": self.label,
            "kind": self.kind,
            "status": self.status,
            "note": self.note,
            "checked_by": self.checked_by,
            "checked_on": self.checked_on.isoformat() if self.checked_on else None,
        }


@dataclass
class PairDetail:
    pair: Pair
    candidates: list[CandidateView]
    parties: list[dict]
    documents: list[RequirementView]  # the stored checklist, or the expected one
    rules: list[RequirementView]
    liaisons: list[str]
    threshold: ThresholdResult | None = None
    support: object | None = None  # SupportResult of an independent pair ("final")
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        p = self.pair
        data = {
            "id": p.pk,
            "name": p.name,
            "path": p.path,
            "status": p.status,
            "ballot_number": p.ballot_number,
            "registered_on": p.registered_on.isoformat() if p.registered_on else None,
            "set_on": p.set_on.isoformat() if p.set_on else None,
            "status_note": p.status_note,
            "candidates": [c.as_dict() for c in self.candidates],
            "parties": self.parties,
            "documents": [d.as_dict() for d in self.documents],
            "rules": [r.as_dict() for r in self.rules],
            "liaisons": self.liaisons,
        }
        if self.threshold is not None:
            data["threshold"] = self.threshold.as_dict()
        if self.support is not None:
            s = self.support
            data["support"] = {
                "stage": s.stage,
                "minimum": s.minimum,
                "counted": s.counted,
                "shortfall": s.shortfall,
                "areas_with_support": s.areas_with_support,
                "spread_needed": s.spread_needed,
                "meets": s.meets,
            }
        return data


def candidate_view(c: Candidate) -> CandidateView:
    return CandidateView(
        position=c.position,
        position_label=str(c.get_position_display()),
        nama=c.nama,
        nik_masked=mask_nik(c.nik),
        tempat_lahir=c.tempat_lahir,
        tanggal_lahir=c.tanggal_lahir,
        jenis_kelamin=c.jenis_kelamin,
        pekerjaan=c.pekerjaan,
        alamat_masked=mask_address(c.alamat),
    )


def _requirement_view(r: PairRequirement) -> RequirementView:
    label = (
        document_label(r.code) if r.kind == PairRequirement.Kind.DOCUMENT else rule_label(r.code)
    )
    return RequirementView(
        code=r.code,
        label=label,
        kind=r.kind,
        status=r.status,
        status_label=str(r.get_status_display()),
        note=r.note,
        checked_by=r.checked_by,
        checked_on=r.checked_on,
    )


def rule_label(code: str) -> str:
    labels = {
        "usia.head": _("Usia minimal calon kepala daerah pada penetapan"),
        "usia.deputy": _("Usia minimal calon wakil kepala daerah pada penetapan"),
        "ambang_batas": _("Ambang batas pencalonan partai politik (MK 60/2024)"),
        "dukungan": _("Dukungan minimal dan sebarannya (UU 10/2016 Pasal 41)"),
    }
    return labels.get(code, code)


def pair_detail(*, user, pair: Pair) -> PairDetail:
    """What a pair's page shows. The caller has checked visibility (:func:`pair_for`)."""
    candidates = [candidate_view(c) for c in pair.candidates.order_by("-position")]
    parties = [
        {"code": pp.party.code, "name": pp.party.name, "valid_votes": pp.party.valid_votes}
        for pp in pair.parties.select_related("party").order_by("party__code")
    ]
    stored = list(pair.requirements.all())
    documents = [_requirement_view(r) for r in stored if r.kind == PairRequirement.Kind.DOCUMENT]
    if not documents:
        missing = str(PairRequirement.Status.MISSING.label)
        documents = [
            RequirementView(line.code, line.label, "document", "missing", missing, "", "", None)
            for line in required_documents(path=pair.path, parties=len(parties))
        ]
    rule_rows = [_requirement_view(r) for r in stored if r.kind == PairRequirement.Kind.RULE]
    liaisons = list(
        PairLiaison.objects.filter(pair=pair)
        .order_by("user__username")
        .values_list("user__username", flat=True)
    )
    detail = PairDetail(pair, candidates, parties, documents, rule_rows, liaisons)
    if pair.is_independent:
        detail.support = support_result(pair=pair, stage="final")
    else:
        detail.threshold = party_threshold(pair=pair)
    return detail


# ============================================================================================
# Penetapan: the published list
# ============================================================================================


def published_pairs(election) -> list[Pair]:
    """The pairs set at penetapan (status "set"), by ballot number once drawn."""
    return list(
        Pair.objects.filter(election=election, status=Pair.Status.SET)
        .prefetch_related(
            _candidates_prefetch(),
            Prefetch("parties", queryset=PairParty.objects.select_related("party")),
        )
        .order_by(BALLOT_ORDER, "id")
    )


def status_counts(election) -> dict[str, int]:
    """Pairs of ``election`` per status (every status present, 0 when none)."""
    rows = dict(
        Pair.objects.filter(election=election)
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {s: rows.get(s, 0) for s in Pair.Status.values}


def undecided_pairs(election) -> list[Pair]:
    """Registered pairs whose requirement check has not yet decided (blocks penetapan)."""
    return list(
        Pair.objects.filter(election=election, status=Pair.Status.REGISTERED).order_by("id")
    )

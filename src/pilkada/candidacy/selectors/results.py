"""Whether an independent pair's support meets the minimum and the spread (UU 10/2016
Pasal 41), with the counts per area: the one place every page, command and decision reads it.

Two stages are counted:

* ``vermin``: supporters whose verifikasi administrasi said MS (or held, pending verfak);
* ``final``: supporters whose overall status is MS (both checks passed).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.db.models.functions import Substr

from pilkada.regions.models import Region

from .. import rules
from ..models import CandidacyBasis, Pair, Supporter

STAGES = ("vermin", "final")


@dataclass(frozen=True)
class AreaCount:
    code: str
    name: str
    counted: int  # supporters that count at this stage
    listed: int  # all supporters listed in the area (any status)
    holds_support: bool


@dataclass(frozen=True)
class SupportResult:
    pair_id: int
    stage: str
    level: str
    previous_dpt_total: int | None  # None: KPU has not set the basis yet
    minimum: int | None
    counted: int
    shortfall: int | None
    areas_total: int
    areas_with_support: int
    spread_needed: int
    spread_ok: bool
    perbaikan_required: int | None  # replacements to submit when short (twice the shortfall)
    areas: list[AreaCount] = field(default_factory=list)

    @property
    def meets(self) -> bool:
        return self.minimum is not None and self.shortfall == 0 and self.spread_ok


def _area_level(level: str) -> tuple[str, int]:
    """Governor: support spread over kab/kota (4 digits); regent/mayor: kecamatan (6)."""
    return ("kabkota", 4) if level == rules.PROVINSI else ("kecamatan", 6)


def _counted_q(stage: str) -> Q:
    if stage == "vermin":
        return Q(vermin_status__in=("ms", "held"))
    if stage == "final":
        return Q(status="ms")
    raise ValueError(f"unknown stage {stage!r}: use one of {STAGES}")


def support_result(*, pair: Pair, stage: str = "final") -> SupportResult:
    """The pair's support at ``stage`` against the minimum and the spread."""
    from django.conf import settings

    election = pair.election
    level = rules.level_of_election(election.kind)
    area_level, width = _area_level(level)
    areas = list(
        Region.objects.filter(level=area_level, code__startswith=election.region_code)
        .order_by("code")
        .values_list("code", "name")
    )
    rows = (
        Supporter.objects.filter(pair=pair)
        .annotate(area=Substr("region_code", 1, width))
        .values("area")
        .annotate(listed=Count("id"), counted=Count("id", filter=_counted_q(stage)))
    )
    by_area = {r["area"]: r for r in rows}
    per_area_min = int(getattr(settings, "PILKADA_SUPPORT_SPREAD_MIN_PER_AREA", 1))
    area_counts = [
        AreaCount(
            code=code,
            name=name,
            counted=by_area.get(code, {}).get("counted", 0),
            listed=by_area.get(code, {}).get("listed", 0),
            holds_support=by_area.get(code, {}).get("counted", 0) >= per_area_min,
        )
        for code, name in areas
    ]
    counted = sum(r["counted"] for r in rows)
    basis = CandidacyBasis.objects.filter(election=election).first()
    minimum = shortfall = perbaikan = None
    if basis is not None:
        minimum = rules.syarat_minimal_dukungan(dpt_total=basis.previous_dpt_total, level=level)
        shortfall = max(0, minimum - counted)
        perbaikan = rules.jumlah_dukungan_perbaikan(shortfall=shortfall)
    with_support = sum(a.holds_support for a in area_counts)
    areas_total = len(area_counts)
    return SupportResult(
        pair_id=pair.pk,
        stage=stage,
        level=level,
        previous_dpt_total=basis.previous_dpt_total if basis else None,
        minimum=minimum,
        counted=counted,
        shortfall=shortfall,
        areas_total=areas_total,
        areas_with_support=with_support,
        spread_needed=rules.minimal_sebaran_dukungan(areas_total=areas_total) if areas_total else 0,
        spread_ok=bool(areas_total)
        and rules.memenuhi_sebaran_dukungan(
            areas_with_support=with_support, areas_total=areas_total
        ),
        perbaikan_required=perbaikan,
        areas=area_counts,
    )

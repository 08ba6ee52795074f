"""The ad hoc bodies in the JSON API: public aggregates only (the openings, as KPU announces
them), never an applicant's or member's data."""

from django.http import Http404
from ninja import Router, Schema

from pilkada.core.selectors import current_election
from pilkada.regions.codes import InvalidRegionCode, normalize_region_code

from .selectors.openings import openings_summary

router = Router(tags=["adhoc"])


class OpeningsOut(Schema):
    body: str
    areas: int
    seats: int


@router.get(
    "/openings",
    response=list[OpeningsOut],
    summary="Openings (formasi) of PPK, PPS, KPPS and Pantarlih: areas and seats per body",
)
def openings(request, region: str = ""):
    """Inside ``region`` (a KPU or dotted Kemendagri code; default the election's region)."""
    election = current_election()
    if election is None:
        raise Http404("no election loaded")
    prefix = ""
    if region:
        try:
            prefix = normalize_region_code(region, allow_tps=True)
        except InvalidRegionCode as exc:
            raise Http404(str(exc)) from None
    return openings_summary(election=election, region_prefix=prefix)

from django.http import Http404
from ninja import Router, Schema

from pilkada.core.selectors import current_election
from pilkada.voters.selectors import voter_counts

from . import selectors
from .codes import InvalidRegionCode
from .models import Region

router = Router(tags=["regions"])


class RegionOut(Schema):
    code: str
    dotted: str
    name: str
    level: str
    parent_code: str | None
    voters: int | None
    laki_laki: int | None
    perempuan: int | None


class RegionDetailOut(RegionOut):
    children: list[RegionOut]


def _out(region: Region, counts) -> RegionOut:
    count = counts.get(region.code)
    return RegionOut(
        code=region.code, dotted=region.dotted, name=region.name, level=region.level,
        parent_code=region.parent_id,
        voters=count.total if count else None,
        laki_laki=count.laki_laki if count else None,
        perempuan=count.perempuan if count else None,
    )  # fmt: skip


@router.get(
    "/{code}", response=RegionDetailOut, summary="A region, its children and voter counts"
)
def region(request, code: str):
    """Public reference data and aggregate counts (no personal data)."""
    try:
        region = selectors.get_region(code)
    except (InvalidRegionCode, Region.DoesNotExist):
        raise Http404(f"no region {code}") from None
    children = list(selectors.children(region.code))
    election = current_election()
    codes = [region.code, *(c.code for c in children)]
    counts = voter_counts(election=election, region_codes=codes) if election else {}
    return RegionDetailOut(
        **_out(region, counts).dict(), children=[_out(c, counts) for c in children]
    )

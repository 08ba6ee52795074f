import datetime as dt

from django.http import Http404
from ninja import Router, Schema

from . import clock, selectors

router = Router(tags=["election"])


class ElectionOut(Schema):
    slug: str
    name: str
    kind: str
    region_code: str
    voting_day: dt.date
    today: dt.date
    clock_fixed: bool


@router.get("/election", response=ElectionOut, summary="The election and its clock")
def election(request):
    current = selectors.current_election()
    if current is None:
        raise Http404("no election loaded")
    return ElectionOut(
        slug=current.slug,
        name=current.name,
        kind=current.kind,
        region_code=current.region_code,
        voting_day=current.voting_day,
        today=clock.today(),
        clock_fixed=clock.is_fixed(),
    )

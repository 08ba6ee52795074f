from django.http import Http404
from django.shortcuts import render
from django.views.decorators.http import require_GET

from pilkada.regions.codes import InvalidRegionCode, normalize_region_code

from . import clock, selectors


@require_GET
def home(request):
    election = selectors.current_election()
    context = {"election": election}
    if election is not None:
        crumbs, rows = selectors.home_root(user=request.user, election=election)
        context.update(
            stages=selectors.stage_rows(election=election, today=clock.today()),
            crumbs=crumbs,
            rows=rows,
        )
    return render(request, "core/home.html", context)


@require_GET
def region_children(request, code):
    election = selectors.current_election()
    if election is None:
        raise Http404("no election")
    try:
        code = normalize_region_code(code)
    except InvalidRegionCode as error:
        raise Http404(str(error)) from None
    rows = selectors.child_rows(user=request.user, election=election, code=code)
    return render(request, "core/_region_rows.html", {"rows": rows})

"""Pages of the stage schedule: everyone reads it; KPU Provinsi moves a window in place."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_http_methods

from pilkada.accounts.permissions import can
from pilkada.core import clock
from pilkada.core.selectors import current_election

from . import selectors, services
from .models import Stage


def _row_context(request, stage, **extra):
    election = stage.election
    return {
        "s": stage,
        "status": selectors.Window.of(stage).status(clock.today()),
        "can_edit": can(request.user, "schedule.edit", election.region_code),
        **extra,
    }


def stage_list(request):
    election = current_election()
    if election is None:
        raise Http404("no election loaded")
    today = clock.today()
    rows = [
        {"s": s, "status": selectors.Window.of(s).status(today)}
        for s in selectors.stages(election=election)
    ]
    return render(
        request,
        "schedule/stage_list.html",
        {
            "election": election,
            "rows": rows,
            "can_edit": can(request.user, "schedule.edit", election.region_code),
        },
    )


@require_http_methods(["GET", "POST"])
def stage_edit(request, pk):
    """GET: the row as a form (HTMX). POST: save through the service; the row comes back,
    with the refusal's reason when the service refuses."""
    stage = get_object_or_404(Stage.objects.select_related("election"), pk=pk)
    if not can(request.user, "schedule.edit", stage.election.region_code):
        raise PermissionDenied("schedule.edit")
    if request.method == "GET":
        return render(request, "schedule/_stage_form.html", _row_context(request, stage))
    try:
        stage = services.update_stage(
            actor=request.user,
            stage=stage,
            start=request.POST.get("start", ""),
            end=request.POST.get("end", ""),
        )
    except ValidationError as error:
        context = _row_context(request, stage, errors=error.messages)
        # 200, not 422: HTMX swaps only successful responses, and the form shows the reason.
        return render(request, "schedule/_stage_form.html", context)
    return render(request, "schedule/_stage_row.html", _row_context(request, stage, saved=True))


def stage_row(request, pk):
    stage = get_object_or_404(Stage.objects.select_related("election"), pk=pk)
    return render(request, "schedule/_stage_row.html", _row_context(request, stage))

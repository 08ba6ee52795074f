"""Pages of the voter register: tps -- voters and ballots per TPS, and (re)running the TPS
formation as a background job (KPU)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pilkada.accounts import permissions
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.regions.codes import InvalidRegionCode
from pilkada.schedule.gate import StageClosed, is_open

from ..selectors.tps import tps_overview
from ..services import tps as services


@login_required
@require_GET
def tps_list(request):
    election = _election()
    try:
        overview = tps_overview(
            user=request.user, election=election, region_code=request.GET.get("wilayah") or None
        )
    except InvalidRegionCode:
        raise Http404("no such region") from None
    try:
        region = services.formation_region(election=election, actor=request.user)
    except services.TpsFormRefused:
        region = None
    return render(
        request,
        "voters/tps/list.html",
        {
            "election": election,
            "o": overview,
            "one_kelurahan": len(overview.region_code) == 10,
            "can_form": region is not None
            and permissions.can(request.user, services.ACTION, region),
            "form_region": region,
            "window": is_open(election=election, action=services.ACTION),
        },
    )


@login_required
@require_POST
def tps_form(request):
    """Queue the formation for the officer's region; the job page shows its progress."""
    election = _election()
    cap = request.POST.get("cap", "").strip()
    try:
        job = services.start_tps_form_job(
            election=election, actor=request.user, cap=int(cap) if cap else None
        )
    except ValueError as exc:  # TpsFormRefused, or a cap that is not a number
        messages.error(request, _("Pembentukan TPS ditolak: %(e)s") % {"e": exc})
        return redirect("voters:tps_list")
    except StageClosed as exc:
        messages.error(request, exc.decision.reason)
        return redirect("voters:tps_list")
    return redirect("jobs:detail", job_id=job.pk)


urlpatterns = [
    path("pemilih/tps/", tps_list, name="tps_list"),
    path("pemilih/tps/bentuk/", tps_form, name="tps_form"),
]

"""Pages of the voter register: the DP4 synchronised with the previous DPT.

* ``voters:sync`` -- counts per region (kab/kota -> kecamatan -> kelurahan drill) of the
  last synchronisation; a button starts it as a background job (``voters.sync``);
* ``voters:sync_missing`` -- the previous-DPT voters missing from the DP4 in a region,
  masked (unmask logged), for coklit follow-up.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_POST

from pilkada.accounts import permissions
from pilkada.core.masking import log_unmasked_access
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.jobs.services import start_job
from pilkada.regions.codes import InvalidRegionCode, normalize_region_code
from pilkada.regions.selectors import ancestors
from pilkada.schedule.gate import StageClosed, is_open

from ..jobs.sync import KIND
from ..selectors import sync as selectors
from ..services.sync import PERMISSION, STAGE_ACTION

PAGE_SIZE = 50


def _region(request, election) -> str | None:
    value = request.GET.get("wilayah", "")
    if not value:
        return None
    try:
        return normalize_region_code(value)
    except InvalidRegionCode:
        raise Http404("no such region") from None


@login_required
def counts(request):
    election = _election()
    parent = _region(request, election)
    rows = selectors.count_rows(user=request.user, election=election, parent=parent)
    parent = parent or (
        request.user.region_code
        if getattr(request.user, "region_code", "").startswith(election.region_code)
        else election.region_code
    )
    return render(
        request,
        "voters/sync/counts.html",
        {
            "election": election,
            "rows": rows,
            "parent": parent,
            "total": selectors.region_count(
                user=request.user, election=election, region_code=parent
            ),
            "crumbs": ancestors(parent, include_self=True),
            "run": selectors.latest_run(election=election),
            "can_run": permissions.can(request.user, PERMISSION, election.region_code),
            "window": is_open(election=election, action=STAGE_ACTION),
        },
    )


@login_required
@require_POST
def run_sync(request):
    election = _election()
    decision = is_open(election=election, action=STAGE_ACTION)
    if not decision:
        raise StageClosed(decision)
    permissions.require(request.user, PERMISSION, election.region_code)
    job = start_job(
        kind=KIND,
        actor=request.user,
        params={"election_id": election.pk},
        region_code=election.region_code,
    )
    return redirect("jobs:detail", job_id=job.pk)


@login_required
def missing(request):
    election = _election()
    region = _region(request, election) or election.region_code
    voters = selectors.missing_voters(user=request.user, election=election, region_code=region)
    page = Paginator(voters, PAGE_SIZE).get_page(request.GET.get("hal"))
    unmask = request.GET.get("buka") == "1"
    can_unmask = permissions.can(request.user, "voters.view_unmasked", region)
    if unmask and not can_unmask:
        raise PermissionDenied("voters.view_unmasked")
    rows = [selectors.masked_missing(v, unmasked=unmask) for v in page]
    if unmask and rows:
        log_unmasked_access(
            actor=request.user,
            what="voters.sync_missing",
            object_type="voters.Voter",
            object_ids=[r["voter_id"] for r in rows],
            reason=f"previous-DPT voters missing from the DP4 in {region}",
        )
    return render(
        request,
        "voters/sync/missing.html",
        {
            "election": election,
            "region": region,
            "crumbs": ancestors(region, include_self=True),
            "page": page,
            "rows": rows,
            "unmasked": unmask,
            "can_unmask": can_unmask,
        },
    )


urlpatterns = [
    path("pemilih/sinkronisasi/", counts, name="sync"),
    path("pemilih/sinkronisasi/jalankan/", run_sync, name="sync_run"),
    path("pemilih/sinkronisasi/tidak-ada-di-dp4/", missing, name="sync_missing"),
]

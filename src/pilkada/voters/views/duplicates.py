"""Pages of the voter register: the duplicates review queue (ganda).

* ``voters:duplicates`` -- the queue: filters (kind, kelurahan, minimum weight), counts,
  pages of groups; a button starts detection as a background job (``voters.duplicates``);
* ``voters:duplicate_detail`` -- a group: its records side by side with agree/differ per
  field and the weight of each comparison, masked unless unmasked (logged); the confirm and
  reject forms (POST, CSRF; HTMX swaps the decision block in place);
* ``voters:duplicate_confirm`` / ``duplicate_reject`` / ``duplicate_undo`` -- the decisions.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pilkada.accounts import permissions
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.jobs.services import start_job
from pilkada.schedule.gate import StageClosed, is_open

from ..jobs.duplicates import KIND
from ..models import DuplicateGroup
from ..selectors import duplicates as selectors
from ..services.duplicates import (
    STAGE_ACTION,
    DuplicateRefused,
    confirm_duplicate,
    reject_duplicate,
    undo_confirm,
)

PAGE_SIZE = 25


def _require_view(user, election):
    if not permissions.can(user, selectors.VIEW_ACTION, None):
        raise PermissionDenied(f"{selectors.VIEW_ACTION}: not allowed for your role")


def _float(value):
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


@login_required
def queue(request):
    election = _election()
    _require_view(request.user, election)
    kind = request.GET.get("jenis", "")
    kelurahan = request.GET.get("kelurahan", "").replace(".", "").strip()
    min_weight = _float(request.GET.get("bobot_min"))
    status = request.GET.get("status", DuplicateGroup.Status.OPEN)
    if status not in {*DuplicateGroup.Status.values, "semua"}:
        status = DuplicateGroup.Status.OPEN
    groups = selectors.queue(
        user=request.user,
        election=election,
        kind=kind,
        kelurahan=kelurahan,
        min_weight=min_weight,
        status="" if status == "semua" else status,
    )
    page = Paginator(groups, PAGE_SIZE).get_page(request.GET.get("hal"))
    query = request.GET.copy()
    query.pop("hal", None)
    return render(
        request,
        "voters/duplicates/queue.html",
        {
            "election": election,
            "page": page,
            "counts": selectors.queue_counts(user=request.user, election=election),
            "run": selectors.latest_run(election=election),
            "filters": {
                "jenis": kind,
                "kelurahan": kelurahan,
                "bobot_min": request.GET.get("bobot_min", ""),
                "status": status,
            },
            "query": query.urlencode(),
            "can_run": permissions.can(request.user, selectors.VIEW_ACTION, election.region_code),
            "window": is_open(election=election, action=STAGE_ACTION),
        },
    )


@login_required
@require_POST
def run_detection(request):
    election = _election()
    decision = is_open(election=election, action=STAGE_ACTION)
    if not decision:
        raise StageClosed(decision)
    permissions.require(request.user, selectors.VIEW_ACTION, election.region_code)
    job = start_job(
        kind=KIND,
        actor=request.user,
        params={"election_id": election.pk},
        region_code=election.region_code,
    )
    return redirect("jobs:detail", job_id=job.pk)


def _detail_context(request, pk, *, unmask=False, **extra):
    try:
        detail = selectors.group_detail(user=request.user, group_id=pk, unmask=unmask)
    except DuplicateGroup.DoesNotExist:
        raise Http404("no such group in your scope") from None
    return {
        "d": detail,
        "g": detail.group,
        "window": is_open(election=detail.group.election, action=STAGE_ACTION),
        **extra,
    }


@login_required
def detail(request, pk):
    _require_view(request.user, None)
    unmask = request.GET.get("buka") == "1"
    return render(
        request, "voters/duplicates/detail.html", _detail_context(request, pk, unmask=unmask)
    )


def _decided(request, pk, action):
    """Run a decision; the decision block (HTMX) or the page comes back, with the refusal's
    reason when refused."""
    error = ""
    try:
        action()
    except (DuplicateRefused, StageClosed, PermissionDenied) as exc:
        error = str(exc)
    htmx = bool(request.headers.get("HX-Request"))
    template = "voters/duplicates/_decision.html" if htmx else "voters/duplicates/detail.html"
    context = _detail_context(request, pk, error=error, saved=not error)
    # HTMX swaps only successful answers: the refusal comes back as 200 with its reason.
    return render(request, template, context, status=409 if error and not htmx else 200)


def _ids(values):
    try:
        return [int(v) for v in values if v != ""]
    except ValueError:
        raise DuplicateRefused("bad_input", _("Nomor pemilih tidak valid.")) from None


@login_required
@require_POST
def confirm(request, pk):
    def action():
        keep = request.POST.get("keep") or None
        remove = _ids(request.POST.getlist("remove")) or None
        confirm_duplicate(
            group=pk, actor=request.user, keep=keep, remove=remove,
            note=request.POST.get("note", "")[:1000],
        )  # fmt: skip

    return _decided(request, pk, action)


@login_required
@require_POST
def reject(request, pk):
    def action():
        chosen = _ids(request.POST.getlist("voters")) or None
        reject_duplicate(
            group=pk, actor=request.user, voters=chosen, note=request.POST.get("note", "")[:1000]
        )

    return _decided(request, pk, action)


@login_required
@require_POST
def undo(request, pk):
    return _decided(
        request,
        pk,
        lambda: undo_confirm(group=pk, actor=request.user, note=request.POST.get("note", "")),
    )


urlpatterns = [
    path("pemilih/ganda/", queue, name="duplicates"),
    path("pemilih/ganda/jalankan/", run_detection, name="duplicates_run"),
    path("pemilih/ganda/<int:pk>/", detail, name="duplicate_detail"),
    path("pemilih/ganda/<int:pk>/konfirmasi/", confirm, name="duplicate_confirm"),
    path("pemilih/ganda/<int:pk>/tolak/", reject, name="duplicate_reject"),
    path("pemilih/ganda/<int:pk>/batalkan/", undo, name="duplicate_undo"),
]

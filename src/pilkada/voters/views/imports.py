"""Pages of the voter register: importing DP4 and the previous DPT from the web, as a
background job with its progress page (the CLI runs the same service)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from pilkada.accounts.permissions import can
from pilkada.core.selectors import current_election_or_404
from pilkada.schedule.gate import StageClosed, is_open

from ..models import ImportBatch
from ..selectors.imports import import_batches, import_jobs
from ..services.imports import IMPORT_ACTIONS, ImportRefused, start_import_job


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request):
    election = current_election_or_404()
    may_import = can(request.user, "voters.import", election.region_code)
    if not (may_import or can(request.user, "voters.view", election.region_code)):
        raise PermissionDenied(_("Anda tidak berhak melihat impor daftar pemilih."))
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is None:
            error = _("Pilih berkas yang akan diimpor.")
        else:
            try:
                job = start_import_job(
                    election=election,
                    actor=request.user,
                    upload=upload,
                    kind=request.POST.get("kind", ""),
                )
            except StageClosed as exc:
                error = exc.decision.reason
            except ImportRefused as exc:
                error = str(exc)
            else:
                messages.success(request, _("Berkas diterima; impor berjalan di latar belakang."))
                return redirect("jobs:detail", job_id=job.pk)
    window = is_open(election=election, action=IMPORT_ACTIONS[ImportBatch.Kind.DP4])
    return render(
        request,
        "voters/imports/import_page.html",
        {
            "election": election,
            "batches": import_batches(election=election, user=request.user),
            "jobs": import_jobs(user=request.user),
            "may_import": may_import,
            "window": window,
            "kinds": ImportBatch.Kind.choices,
            "error": error,
        },
        status=400 if error else 200,
    )


urlpatterns = [
    path("pemilih/impor/", import_page, name="import"),
]

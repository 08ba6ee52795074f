"""Pages of the voter register: the automatic eligibility check (TMS 3, 6, 7 from data)."""

from __future__ import annotations

import tempfile
from pathlib import Path

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

from ..models import Voter
from ..services.eligibility import (
    PERMISSION,
    STAGE_ACTION,
    MemberListRejected,
    check_eligibility,
    read_member_list,
    tms_counts,
)


def _member_list(upload):
    if upload is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / Path(upload.name or "list.csv").name
        with open(target, "wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        return read_member_list(target)


@login_required
@require_http_methods(["GET", "POST"])
def eligibility_page(request):
    election = current_election_or_404()
    if not can(request.user, PERMISSION, election.region_code):
        raise PermissionDenied(_("Hanya KPU yang menjalankan pemeriksaan syarat pemilih."))
    error = ""
    lists = {}
    if request.method == "POST":
        try:
            tni = _member_list(request.FILES.get("tni"))
            polri = _member_list(request.FILES.get("polri"))
            result = check_eligibility(election=election, actor=request.user, tni=tni, polri=polri)
        except StageClosed as exc:
            error = exc.decision.reason
        except MemberListRejected as exc:
            error = str(exc)
        else:
            lists = {"tni": tni, "polri": polri}
            messages.success(
                request,
                _("Ditandai TMS: %(u)s di bawah umur, %(t)s TNI, %(p)s Polri.")
                % {"u": result.di_bawah_umur, "t": result.tni, "p": result.polri},
            )
            if not any(m and m.rejected for m in lists.values()):
                return redirect("voters:eligibility")
    counts = tms_counts(election=election)
    rows = [(code, label, counts.get(code, 0)) for code, label in Voter.TmsCode.choices]
    return render(
        request,
        "voters/eligibility/eligibility_page.html",
        {
            "election": election,
            "window": is_open(election=election, action=STAGE_ACTION),
            "rows": rows,
            "total": sum(counts.values()),
            "lists": {k: v for k, v in lists.items() if v is not None},
            "error": error,
        },
        status=400 if error else 200,
    )


urlpatterns = [path("pemilih/syarat/", eligibility_page, name="eligibility")]

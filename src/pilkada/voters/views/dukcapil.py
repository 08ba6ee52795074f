"""Pages of the voter register: Dukcapil's KTP-el work (issue 3 part 9).

``pemilih/ktp-el/`` -- voters without KTP-el per region, drilling down kab/kota ->
kecamatan -> kelurahan; a kelurahan shows its list, where Dukcapil marks cards issued (one
or many), uploads a CSV of NIKs to mark in bulk, and exports the list as CSV.
"""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pilkada.accounts.permissions import can
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.regions.codes import InvalidRegionCode, level_of, normalize_region_code

from ..selectors import dukcapil as selectors
from ..services import dukcapil as services


def _code(code: str | None) -> str | None:
    if code is None:
        return None
    try:
        return normalize_region_code(code)
    except InvalidRegionCode as error:
        raise Http404(str(error)) from None


@login_required
@require_GET
def ktp_el(request, code: str | None = None):
    election = _election()
    code = _code(code)
    counts = selectors.ktp_el_counts(user=request.user, election=election, region_code=code)
    context = {
        "election": election,
        "counts": counts,
        "root": counts.root,
        "can_issue": can(request.user, "voters.ktp_el_issue", counts.root.code),
    }
    if counts.root.level == "kelurahan":
        rows, total, unmasked = selectors.ktp_el_voters(
            user=request.user, election=election, kelurahan_code=counts.root.code
        )
        context.update(voters=rows, total=total, unmasked=unmasked)
    return render(request, "voters/dukcapil/ktp_el.html", context)


@login_required
@require_POST
def ktp_el_mark(request, code: str):
    election = _election()
    code = _code(code)
    if level_of(code) != "kelurahan":
        raise Http404("not a kelurahan")
    ids = request.POST.getlist("voter")
    try:
        result = services.mark_ktp_el_issued(
            actor=request.user, election=election, voter_ids=[int(i) for i in ids]
        )
    except ValueError:  # MarkRefused, or an id that is not a number
        messages.error(request, _("Pilih dulu pemilih yang KTP-el-nya sudah diterbitkan."))
        return redirect("voters:ktp_el_region", code=code)
    messages.success(
        request,
        _("%(n)d KTP-el ditandai sudah terbit.") % {"n": result.marked},
    )
    if result.rejects:
        messages.warning(
            request,
            _("%(n)d pemilih tidak ditandai (sudah punya KTP-el atau tidak ada di daftar).")
            % {"n": len(result.rejects)},
        )
    return redirect("voters:ktp_el_region", code=code)


@login_required
@require_POST
def ktp_el_upload(request):
    election = _election()
    if not can(request.user, "voters.ktp_el_issue", request.user.region_code or None):
        raise PermissionDenied("voters.ktp_el_issue")
    upload = request.FILES.get("file")
    context = {"election": election, "result": None, "error": ""}
    if upload is None:
        context["error"] = _("Pilih berkas CSV berisi NIK.")
    elif upload.size > services.MAX_UPLOAD_BYTES:
        context["error"] = _("Berkas terlalu besar.")
    else:
        try:
            context["result"] = services.mark_ktp_el_issued_from_file(
                actor=request.user, election=election, data=upload.read()
            )
        except services.MarkRefused as error:
            context["error"] = _("Berkas tidak dapat dibaca: %(reason)s") % {"reason": error}
    status = 400 if context["error"] else 200
    return render(request, "voters/dukcapil/upload_result.html", context, status=status)


@login_required
@require_GET
def ktp_el_export(request, code: str):
    election = _election()
    code = _code(code)
    out = io.StringIO()
    selectors.export_ktp_el_csv(user=request.user, election=election, region_code=code, out=out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    stamp = dt.date.today().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="ktp-el-{code}-{stamp}.csv"'
    return response


urlpatterns = [
    path("pemilih/ktp-el/", ktp_el, name="ktp_el"),
    path("pemilih/ktp-el/unggah/", ktp_el_upload, name="ktp_el_upload"),
    path("pemilih/ktp-el/<str:code>/", ktp_el, name="ktp_el_region"),
    path("pemilih/ktp-el/<str:code>/terbit/", ktp_el_mark, name="ktp_el_mark"),
    path("pemilih/ktp-el/<str:code>/ekspor.csv", ktp_el_export, name="ktp_el_export"),
]

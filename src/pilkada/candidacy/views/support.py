"""Pages of independent support (dukungan perseorangan):

* ``candidacy:support`` -- the independent pairs a user may follow, each with its support
  against the minimum and the spread (after verifikasi administrasi and final);
* ``candidacy:support_pair`` -- one pair: the result per stage, counts per reason, per area
  (kab/kota -> kecamatan -> kelurahan), its uploaded lists (with the rejects file), the
  upload form (round 1 or perbaikan) and, for KPU, "verify again";
* ``candidacy:supporters`` -- the pair's supporter rows, filtered by status, reason and
  area, masked unless the role may unmask (each unmasked view logged);
* ``candidacy:support_rejects`` -- a list's rejects file (line, column, reason).

An LO sees only its own pair; PPS and PPK see the rows of their area.
"""

from __future__ import annotations

from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from pilkada.accounts import permissions
from pilkada.core.masking import log_unmasked_access, mask_address, mask_name, mask_nik
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.regions.codes import InvalidRegionCode, normalize_region_code
from pilkada.regions.selectors import ancestors
from pilkada.schedule.gate import StageClosed, is_open

from ..access import can_for_pair, visible_pairs
from ..models import SupportBatch, Supporter
from ..selectors import support as selectors
from ..services.support import (
    PERBAIKAN_ACTION,
    UPLOAD_ACTION,
    VERIFY_ACTION,
    SupportRefused,
    reverify_pair,
    shortfall_summary,
    start_support_upload_job,
)

PAGE_SIZE = 50
REASON_LABELS = selectors.REASON_LABELS


def _pair_or_404(request, pair_id: int):
    election = _election()
    pair = get_object_or_404(visible_pairs(request.user, election=election), pk=pair_id)
    if not pair.is_independent:
        raise Http404("not an independent pair")
    return election, pair


def _region(request, default: str) -> str:
    value = request.GET.get("wilayah", "")
    if not value:
        return default
    try:
        return normalize_region_code(value)
    except InvalidRegionCode:
        raise Http404("no such region") from None


@login_required
def support_index(request):
    election = _election()
    pairs = [p for p in visible_pairs(request.user, election=election) if p.is_independent]
    if not pairs and not permissions.can(request.user, "candidacy.support_view"):
        raise PermissionDenied(_("Anda tidak berhak melihat dukungan pasangan calon."))
    rows = [{"pair": p, "support": shortfall_summary(pair=p)} for p in pairs]
    return render(
        request,
        "candidacy/support/index.html",
        {"election": election, "rows": rows, "window": is_open(election=election,
                                                                 action=UPLOAD_ACTION)},
    )  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def support_pair(request, pair_id: int):
    election, pair = _pair_or_404(request, pair_id)
    error = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        round_ = 2 if request.POST.get("round") == "2" else 1
        if upload is None:
            error = _("Pilih berkas daftar pendukung (B.1.1-KWK).")
        else:
            try:
                job = start_support_upload_job(
                    election=election, pair=pair, actor=request.user, upload=upload, round=round_
                )
            except StageClosed as exc:
                error = exc.decision.reason
            except (SupportRefused, PermissionDenied) as exc:
                error = str(exc)
            else:
                messages.success(
                    request, _("Berkas diterima; pemeriksaan berjalan di latar belakang.")
                )
                return redirect("jobs:detail", job_id=job.pk)
    user = request.user
    parent = _region(request, election.region_code)
    rows = selectors.supporters_visible(user=user, pair=pair)
    context = {
        "election": election,
        "pair": pair,
        "support": shortfall_summary(pair=pair),
        "counts": selectors.status_counts(rows),
        "areas": selectors.area_counts(user=user, pair=pair, parent=parent),
        "parent": parent,
        "crumbs": ancestors(parent, include_self=True),
        "batches": selectors.batches(pair=pair),
        "can_upload": can_for_pair(user, UPLOAD_ACTION, pair),
        "can_verify": can_for_pair(user, VERIFY_ACTION, pair),
        "upload_window": is_open(election=election, action=UPLOAD_ACTION),
        "perbaikan_window": is_open(election=election, action=PERBAIKAN_ACTION),
        "verify_window": is_open(election=election, action=VERIFY_ACTION),
        "error": error,
    }
    return render(request, "candidacy/support/pair.html", context, status=400 if error else 200)


@login_required
@require_POST
def support_reverify(request, pair_id: int):
    pair = _pair_or_404(request, pair_id)[1]
    try:
        out = reverify_pair(pair=pair, actor=request.user)
    except StageClosed as exc:
        messages.error(request, exc.decision.reason)
    except (SupportRefused, PermissionDenied) as exc:
        messages.error(request, str(exc))
    else:
        c = out["counts"]
        messages.success(
            request,
            _("Verifikasi administrasi diulang: %(ms)s MS, %(tms)s TMS, %(held)s ditahan.")
            % {"ms": c["vermin_ms"], "tms": c["vermin_tms"], "held": c["vermin_held"]},
        )
    return redirect("candidacy:support_pair", pair_id=pair.pk)


@login_required
def supporters(request, pair_id: int):
    election, pair = _pair_or_404(request, pair_id)
    rows = selectors.supporters_visible(user=request.user, pair=pair)
    status = request.GET.get("status", "")
    reason = request.GET.get("alasan", "")
    region = request.GET.get("wilayah", "")
    if status in Supporter.Status.values:
        rows = rows.filter(status=status)
    if reason in REASON_LABELS:
        rows = rows.filter(vermin_reason=reason)
    if region.isdigit():
        rows = rows.filter(region_code__startswith=region)
    page = Paginator(rows.order_by("batch_id", "line"), PAGE_SIZE).get_page(request.GET.get("hal"))
    may_unmask = permissions.can(request.user, "candidacy.support_view_unmasked", region or None)
    unmasked = may_unmask and request.GET.get("buka") == "1"
    items = list(page.object_list)
    if unmasked:
        log_unmasked_access(
            actor=request.user,
            what="candidacy.supporters",
            object_type="candidacy.Supporter",
            object_ids=[s.pk for s in items],
            reason=f"pair {pair.pk} status={status} reason={reason} region={region}",
        )
    shown = [
        {
            "line": s.line, "batch": s.batch_id, "round": s.round,
            "nik": s.nik if unmasked else mask_nik(s.nik),
            "nama": s.nama if unmasked else mask_name(s.nama),
            "alamat": s.alamat if unmasked else mask_address(s.alamat, s.rt, s.rw),
            "region_code": s.region_code, "vermin_status": s.get_vermin_status_display(),
            "vermin_reason": s.vermin_reason,
            "reason_label": REASON_LABELS.get(s.vermin_reason, s.vermin_reason),
            "verfak": s.get_verfak_status_display(),
            "status": s.status, "status_label": s.get_status_display(), "objected": s.objected,
        }
        for s in items
    ]  # fmt: skip
    return render(
        request,
        "candidacy/support/supporters.html",
        {
            "election": election, "pair": pair, "page": page, "rows": shown,
            "statuses": Supporter.Status.choices, "reasons": list(REASON_LABELS.items()),
            "status": status, "reason": reason, "region": region,
            "may_unmask": may_unmask, "unmasked": unmasked,
        },
    )  # fmt: skip


@login_required
def support_rejects(request, batch_id: int):
    election = _election()
    batch = get_object_or_404(SupportBatch, pk=batch_id, election=election)
    if not can_for_pair(request.user, "candidacy.support_view", batch.pair):
        raise PermissionDenied(_("Anda tidak berhak melihat berkas ini."))
    from django.conf import settings

    path = Path(settings.DATA_DIR) / batch.rejects_file
    if not batch.rejects_file or not path.is_file():
        raise Http404("no rejects file")
    return FileResponse(
        open(path, "rb"), as_attachment=True, filename=f"ditolak-{batch.pk}.csv",
        content_type="text/csv",
    )  # fmt: skip


urlpatterns = [
    path("pencalonan/dukungan/", support_index, name="support"),
    path("pencalonan/dukungan/<int:pair_id>/", support_pair, name="support_pair"),
    path("pencalonan/dukungan/<int:pair_id>/ulang/", support_reverify, name="support_reverify"),
    path("pencalonan/dukungan/<int:pair_id>/pendukung/", supporters, name="supporters"),
    path("pencalonan/dukungan/berkas/<int:batch_id>/ditolak/", support_rejects,
         name="support_rejects"),
]  # fmt: skip

"""Pages of the selection (issue 5 part 4).

Officers (``adhoc.scores``, and the bodies they recruit, ``adhoc.access``), under
``adhoc/seleksi/``:

* ``adhoc/seleksi/``: progress per body in the officer's region; import a score file; rank;
  publish a stage's announcement;
* ``adhoc/seleksi/nilai/<body>/<area>/``: the applicants of one area with their scores, to
  enter or correct the written-test and interview scores;
* ``adhoc/seleksi/perempuan/``: the 30 % women rule per ranked area (``adhoc.view``);
* ``adhoc/seleksi/sk/``: the SK listing as a PDF, its versions, and their download
  (``adhoc.seat``).

Public, under ``rekrutmen/pengumuman/``: the published announcements and, per area, the
application number, the name and the result (never NIK, birth date or address: the
snapshot holds nothing else).
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from pilkada.accounts import permissions
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.engine.tabular_read import FileRejected
from pilkada.schedule.gate import StageClosed, is_open

from ..models import Body, SelectionAnnouncement
from ..selectors import selection as selectors
from ..services import selection as services
from ..services.sk import SkRefused, generate_sk, sk_files, sk_path

MAX_UPLOAD_BYTES = 50 << 20

#: (url name, label, what it is for, permission action; None = public), for the hub.
MENU: list[tuple] = [
    ("adhoc:selection", gettext_lazy("Seleksi"),
     gettext_lazy("nilai tes tertulis dan wawancara, pemeringkatan, pengumuman"), "adhoc.scores"),
    ("adhoc:selection_women", gettext_lazy("Keterwakilan perempuan"),
     gettext_lazy("wilayah yang belum memenuhi 30 % perempuan"), "adhoc.view"),
    ("adhoc:selection_sk", gettext_lazy("SK penetapan"),
     gettext_lazy("daftar anggota terpilih sebagai PDF"), "adhoc.seat"),
    ("adhoc:announcements", gettext_lazy("Pengumuman seleksi"),
     gettext_lazy("hasil seleksi administrasi, tes tertulis dan hasil akhir"), None),
]  # fmt: skip

#: Labels of the result codes of the announcements and the score page.
RESULT_LABELS = {
    "lulus": gettext_lazy("Lulus"),
    "tidak_lulus": gettext_lazy("Tidak lulus"),
    "selected": gettext_lazy("Terpilih"),
    "reserve": gettext_lazy("Cadangan"),
    "not_selected": gettext_lazy("Tidak terpilih"),
    "": gettext_lazy("Belum ada"),
}

#: The reasons of rejected score rows, in Indonesian.
REJECT_LABELS = {
    "row_unreadable": gettext_lazy("baris tidak terbaca"),
    "number_missing": gettext_lazy("nomor pendaftaran kosong"),
    "score_missing": gettext_lazy("nilai kosong"),
    "score_not_number": gettext_lazy("nilai bukan angka (paling banyak 2 desimal)"),
    "score_out_of_range": gettext_lazy("nilai di luar 0 sampai 100"),
    "duplicate_number": gettext_lazy("nomor pendaftaran sudah diberi nilai pada baris sebelumnya"),
    "unknown_number": gettext_lazy("nomor pendaftaran tidak ditemukan"),
    "out_of_scope": gettext_lazy("bukan pelamar badan dan wilayah yang Anda rekrut"),
    "not_admin_passed": gettext_lazy("tidak lulus seleksi administrasi"),
    "not_shortlisted": gettext_lazy("tidak termasuk peserta wawancara"),
}


#: Why a step is refused (SelectionRefused / SkRefused codes), in Indonesian; the detail
#: (English, with the counts) follows.
REFUSED_LABELS = {
    "not_checked": gettext_lazy("masih ada pelamar yang belum diperiksa (sistem atau dokumen)"),
    "not_ranked": gettext_lazy("masih ada pelamar yang belum diperingkat"),
    "stale_ranking": gettext_lazy("nilai berubah sejak pemeringkatan terakhir: susun ulang"),
    "no_written_test": gettext_lazy("belum ada nilai tes tertulis"),
    "nothing": gettext_lazy("belum ada pelamar"),
    "nobody_selected": gettext_lazy("belum ada pelamar terpilih: susun peringkat dahulu"),
    "bad_region": gettext_lazy("kode wilayah tidak sesuai untuk badan ini"),
    "no_number": gettext_lazy("nomor SK belum diisi"),
    "unknown_body": gettext_lazy("badan tidak dikenal"),
    "unknown_stage": gettext_lazy("tahap tidak dikenal"),
    "unknown_kind": gettext_lazy("jenis nilai tidak dikenal"),
}


def _refused(exc) -> str:
    label = REFUSED_LABELS.get(getattr(exc, "code", ""), "")
    return f"{label} ({exc})" if label else str(exc)


def _reject_text(result) -> str:
    parts = [f"{REJECT_LABELS.get(code, code)}: {n}" for code, n in result.reasons.items()]
    return "; ".join(parts)


def _window(election):
    return is_open(election=election, action=services.SELECT_ACTION)


@login_required
def selection(request):
    election = _election()
    permissions.require(request.user, services.PERMISSION)
    return render(request, "adhoc/selection/index.html", {
        "election": election,
        "window": _window(election),
        "summary": selectors.selection_summary(election=election, user=request.user),
        "bodies": [(b, Body(b).label) for b in selectors.bodies_for(request.user)],
        "stages": SelectionAnnouncement.Stage.choices,
        "region": request.user.region_code,
        "announcements": [a for a in selectors.latest_announcements(election=election)
                          if permissions.in_scope(request.user, a.region_code)],
    })  # fmt: skip


@login_required
@require_POST
def import_scores(request):
    election = _election()
    upload = request.FILES.get("file")
    kind = request.POST.get("kind", "")
    if upload is None or upload.size == 0:
        messages.error(request, _("Pilih berkas berisi kolom number dan nilai."))
    elif upload.size > MAX_UPLOAD_BYTES:
        messages.error(request, _("Berkas terlalu besar."))
    else:
        suffix = Path(upload.name).suffix[:10]
        with tempfile.NamedTemporaryFile(suffix=suffix) as tmp:
            for chunk in upload.chunks():
                tmp.write(chunk)
            tmp.flush()
            try:
                result = services.import_scores(election=election, actor=request.user,
                                                path=tmp.name, kind=kind,
                                                file_name=upload.name[:255])  # fmt: skip
            except StageClosed as exc:
                messages.error(request, str(exc))
            except (FileRejected, services.SelectionRefused) as exc:
                messages.error(request, _("Berkas ditolak, tidak ada yang diubah: %(reason)s")
                               % {"reason": _refused(exc)})  # fmt: skip
            else:
                messages.success(request, _(
                    "Nilai: %(accepted)s diterima, %(rejected)s ditolak dari %(read)s baris."
                ) % result.as_dict())  # fmt: skip
                if result.rejected:
                    messages.warning(request, _("Ditolak: %(reasons)s (berkas %(file)s)")
                                     % {"reasons": _reject_text(result),
                                        "file": result.rejects_file})  # fmt: skip
    return redirect("adhoc:selection")


@login_required
@require_POST
def rank(request):
    election = _election()
    body = request.POST.get("body") or None
    try:
        out = services.rank(election=election, actor=request.user, body=body)
    except StageClosed as exc:
        messages.error(request, str(exc))
    except services.SelectionRefused as exc:
        messages.error(request, _refused(exc))
    else:
        messages.success(request, _(
            "Pemeringkatan selesai: %(areas)s wilayah, %(selected)s terpilih, %(reserve)s "
            "cadangan, %(not_selected)s tidak terpilih."
        ) % out)  # fmt: skip
    return redirect("adhoc:selection")


@login_required
@require_POST
def publish(request):
    election = _election()
    try:
        ann = services.publish_announcement(
            election=election, actor=request.user, body=request.POST.get("body", ""),
            region_code=request.POST.get("region", "").strip(),
            stage=request.POST.get("stage", ""),
        )  # fmt: skip
    except StageClosed as exc:
        messages.error(request, str(exc))
    except services.SelectionRefused as exc:
        messages.error(request, _("Belum dapat diumumkan: %(reason)s") % {"reason": _refused(exc)})
    else:
        messages.success(request, _(
            "Diumumkan: %(stage)s %(body)s %(region)s versi %(version)s (%(rows)s baris)."
        ) % {"stage": ann.get_stage_display(), "body": ann.get_body_display(),
             "region": ann.region_code, "version": ann.version, "rows": ann.rows})  # fmt: skip
    return redirect("adhoc:selection")


@login_required
def scores(request, body: str, area: str):
    election = _election()
    if body not in Body.values:
        raise Http404
    # Raises PermissionDenied outside the officer's bodies and region.
    rows = selectors.area_applicants(election=election, user=request.user, body=body,
                                     region_code=area)  # fmt: skip
    errors = []
    if request.method == "POST":
        kind = request.POST.get("kind", "")
        values = {r["number"]: request.POST.get(f"score-{r['number']}", "") for r in rows}
        try:
            result = services.enter_scores(election=election, actor=request.user, body=body,
                                           region_code=area, kind=kind, scores=values)  # fmt: skip
        except StageClosed as exc:
            messages.error(request, str(exc))
        except services.SelectionRefused as exc:
            messages.error(request, _refused(exc))
        else:
            if result.rejected:
                errors = [(raw.split(",", 1)[0], REJECT_LABELS.get(code, code))
                          for _line, _col, code, raw in result.rejects]  # fmt: skip
                messages.error(request, _("Tidak ada nilai yang disimpan: perbaiki baris yang "
                                          "ditolak lalu kirim lagi."))  # fmt: skip
            elif result.accepted:
                messages.success(request, _("%(n)s nilai disimpan.") % {"n": result.accepted})
                return redirect("adhoc:selection_scores", body=body, area=area)
    return render(request, "adhoc/selection/scores.html", {
        "election": election, "body": body, "body_label": Body(body).label, "area": area,
        "rows": rows, "errors": errors, "window": _window(election),
        "result_labels": RESULT_LABELS,
        "kind": request.POST.get("kind") or request.GET.get("jenis") or "written",
    })  # fmt: skip


@login_required
def area_pick(request):
    body = request.GET.get("body", "")
    area = request.GET.get("area", "").strip()
    if body not in Body.values or not area.isdigit():
        messages.error(request, _("Pilih badan dan isi kode wilayah kerja."))
        return redirect("adhoc:selection")
    return redirect("adhoc:selection_scores", body=body, area=area)


@login_required
def women(request):
    election = _election()
    permissions.require(request.user, "adhoc.view")
    body = request.GET.get("body") or None
    if body not in (None, *Body.values):
        body = None
    show_all = request.GET.get("semua") == "1"
    rows = selectors.women_report(election=election, user=request.user, body=body,
                                  missed_only=not show_all)  # fmt: skip
    return render(request, "adhoc/selection/women.html", {
        "election": election, "rows": rows, "body": body, "show_all": show_all,
        "bodies": Body.choices,
    })  # fmt: skip


@login_required
def sk(request):
    election = _election()
    permissions.require(request.user, "adhoc.seat")
    if request.method == "POST":
        try:
            day = dt.date.fromisoformat(request.POST.get("date", ""))
        except ValueError:
            messages.error(request, _("Tanggal SK harus diisi (TTTT-BB-HH)."))
        else:
            try:
                result = generate_sk(
                    election=election, actor=request.user, body=request.POST.get("body", ""),
                    region_code=request.POST.get("region", ""),
                    number=request.POST.get("number", "")[:100], date=day,
                    title=request.POST.get("title", "")[:300],
                )  # fmt: skip
            except StageClosed as exc:
                messages.error(request, str(exc))
            except SkRefused as exc:
                messages.error(
                    request, _("SK tidak dibuat: %(reason)s") % {"reason": _refused(exc)}
                )
            else:
                messages.success(request, _("SK dibuat: %(file)s, %(members)s anggota, SHA-256 "
                                            "%(sha256)s") % result.as_dict())  # fmt: skip
        return redirect("adhoc:selection_sk")
    return render(request, "adhoc/selection/sk.html", {
        "election": election, "files": sk_files(election, user=request.user),
        "bodies": [(b, Body(b).label) for b in selectors.bodies_for(request.user, "adhoc.seat")],
        "region": request.user.region_code,
    })  # fmt: skip


@login_required
def sk_download(request, name: str):
    election = _election()
    try:
        target = sk_path(election, name, user=request.user)
    except FileNotFoundError:
        raise Http404 from None
    except PermissionDenied:
        raise
    return FileResponse(open(target, "rb"), as_attachment=True, filename=name,
                        content_type="application/pdf")  # fmt: skip


# -- public ---------------------------------------------------------------------------------


def announcements(request):
    election = _election()
    items = selectors.latest_announcements(election=election)
    return render(request, "adhoc/selection/announcements.html",
                  {"election": election, "items": items})  # fmt: skip


def announcement(request, pk: int):
    election = _election()
    ann = get_object_or_404(SelectionAnnouncement, pk=pk, election=election)
    latest = (SelectionAnnouncement.objects.filter(
        election=election, body=ann.body, region_code=ann.region_code, stage=ann.stage,
    ).order_by("-version").first())  # fmt: skip
    areas = selectors.announcement_areas(ann)
    area = request.GET.get("wilayah", "")
    if not area and len(areas) == 1:
        area = areas[0]["code"]
    rows = []
    if area:
        rows = selectors.announcement_table(ann, area)
        for r in rows:
            r["result_label"] = RESULT_LABELS.get(r["result"], r["result"])
    return render(request, "adhoc/selection/announcement.html", {
        "election": election, "ann": ann, "areas": areas, "area": area, "rows": rows,
        "superseded": latest is not None and latest.pk != ann.pk, "latest": latest,
        "area_name": next((a["name"] for a in areas if a["code"] == area), area),
        "show_score": ann.stage != SelectionAnnouncement.Stage.ADMINISTRATIVE,
        "show_rank": ann.stage == SelectionAnnouncement.Stage.FINAL,
        "self_url": reverse("adhoc:announcement", args=[ann.pk]),
    })  # fmt: skip


urlpatterns = [
    path("adhoc/seleksi/", selection, name="selection"),
    path("adhoc/seleksi/impor-nilai/", import_scores, name="selection_import"),
    path("adhoc/seleksi/peringkat/", rank, name="selection_rank"),
    path("adhoc/seleksi/umumkan/", publish, name="selection_publish"),
    path("adhoc/seleksi/nilai/", area_pick, name="selection_area"),
    path("adhoc/seleksi/nilai/<str:body>/<str:area>/", scores, name="selection_scores"),
    path("adhoc/seleksi/perempuan/", women, name="selection_women"),
    path("adhoc/seleksi/sk/", sk, name="selection_sk"),
    path("adhoc/seleksi/sk/<str:name>", sk_download, name="selection_sk_file"),
    path("rekrutmen/pengumuman/", announcements, name="announcements"),
    path("rekrutmen/pengumuman/<int:pk>/", announcement, name="announcement"),
]

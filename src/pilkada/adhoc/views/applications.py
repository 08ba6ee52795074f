"""Officers' pages of the applications (``adhoc/pelamar/``): the list per body and area in the
officer's scope with the checks' outcome, filters by status and reason, NIK and name masked;
the "run the checks" button (HTMX: the counts update in place); an application's detail --
unmasked on request only for ``adhoc.view_unmasked`` in that area, each unmasked view logged
-- with its documents (downloads logged) and the document check form (the body's recruiters).
Bawaslu reads the same pages, masked, without the buttons."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from pilkada.accounts import permissions
from pilkada.core.masking import (
    log_unmasked_access,
    mask_address,
    mask_birth_date,
    mask_name,
    mask_nik,
    mask_nkk,
)
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.schedule.gate import is_open

from ..access import can_for_body
from ..models import Application, ApplicationDocument, Body
from ..models.applications import REASONS, WARNINGS
from ..selectors import applications as selectors
from ..services.documents_check import DocumentsCheckRefused, record_documents_check
from ..services.eligibility import ACTION as CHECK_ACTION
from ..services.eligibility import (
    STAGE_ACTION,
    bodies_for,
    checks_in_background,
    run_checks,
    start_checks_job,
)

PAGE_SIZE = 50

#: (url name, label, what it is for, permission action; None = public), for the hub.
MENU: list[tuple] = [
    (
        "adhoc:applications",
        gettext_lazy("Pelamar dan pemeriksaan syarat"),
        gettext_lazy("daftar pelamar per badan dan wilayah, hasil pemeriksaan syarat oleh "
                     "sistem, pemeriksaan dokumen"),
        "adhoc.view",
    ),
]  # fmt: skip

STATUS_LABELS = {
    "pending": gettext_lazy("Belum diperiksa"),
    "eligible": gettext_lazy("Memenuhi syarat"),
    "ineligible": gettext_lazy("Tidak memenuhi syarat"),
    "documents_ok": gettext_lazy("Dokumen lengkap"),
    "documents_bad": gettext_lazy("Dokumen tidak lengkap"),
    "documents_pending": gettext_lazy("Dokumen belum diperiksa"),
}


def _filters(get) -> dict:
    return {
        "body": get.get("badan", "")[:10],
        "region": "".join(c for c in get.get("wilayah", "") if c.isdigit())[:13],
        "status": get.get("status", "")[:20],
        "reason": get.get("alasan", "")[:40],
    }


def _page(value) -> int:
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return 1


def _row(a: Application) -> dict:
    return {
        "pk": a.pk,
        "number": a.number,
        "body": a.get_body_display(),
        "region_code": a.region_code,
        "nik": mask_nik(a.nik),
        "nama": mask_name(a.nama),
        "eligibility": a.eligibility,
        "eligibility_label": a.get_eligibility_display(),
        "reasons": [(c, REASONS.get(c, c)) for c in a.reasons],
        "warnings": [(c, WARNINGS.get(c, c)) for c in a.warnings],
        "documents_ok": a.documents_ok,
    }


def _can_check(user, election, filters) -> bool:
    if not permissions.can(user, CHECK_ACTION):
        return False
    region = filters["region"] or getattr(user, "region_code", "") or election.region_code
    try:
        return bool(bodies_for(user, region_code=region, body=filters["body"] or None))
    except PermissionDenied:
        return False


@login_required
@require_GET
def applications(request):
    election = _election()
    permissions.require(request.user, "adhoc.view")
    filters = _filters(request.GET)
    qs = selectors.applications_for(request.user, election=election, **filters)
    page = _page(request.GET.get("halaman"))
    rows = list(qs[(page - 1) * PAGE_SIZE : page * PAGE_SIZE + 1])
    has_next = len(rows) > PAGE_SIZE
    counts = selectors.check_counts(
        request.user, election=election, body=filters["body"], region=filters["region"]
    )
    context = {
        "election": election,
        "filters": filters,
        "query": urlencode({k: v for k, v in request.GET.items() if k != "halaman" and v}),
        "rows": [_row(a) for a in rows[:PAGE_SIZE]],
        "page": page,
        "has_next": has_next,
        "total": qs.count(),
        "counts": counts,
        "reason_labels": REASONS,
        "bodies": Body.choices,
        "statuses": list(STATUS_LABELS.items()),
        "can_check": _can_check(request.user, election, filters),
        "window": is_open(election=election, action=STAGE_ACTION),
    }
    return render(request, "adhoc/applications/list.html", context)


@login_required
@require_POST
def check(request):
    """Run the checks on the scope of the list's filters (body, region)."""
    election = _election()
    filters = _filters(request.POST)
    result, error = None, None
    scope = {"body": filters["body"] or None, "region_prefix": filters["region"]}
    try:
        if checks_in_background(election=election, actor=request.user, **scope):
            job = start_checks_job(election=election, actor=request.user, **scope)
            target = reverse("jobs:detail", kwargs={"job_id": job.pk})
            if request.headers.get("HX-Request"):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = target
                return response
            return redirect(target)
        result = run_checks(
            election=election,
            actor=request.user,
            body=filters["body"] or None,
            region_prefix=filters["region"],
        )
    except PermissionDenied as exc:  # StageClosed is a PermissionDenied too
        error = _("Pemeriksaan ditolak: %(reason)s") % {"reason": exc}
    except ValueError as exc:
        error = str(exc)
    if request.headers.get("HX-Request"):
        return render(
            request,
            "adhoc/applications/_check_result.html",
            {"result": result, "error": error, "reason_labels": REASONS},
            status=200 if error is None else 403,
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(
            request,
            _("Pemeriksaan selesai: %(n)s pelamar, %(ok)s memenuhi syarat, %(bad)s tidak.")
            % {"n": result.applications, "ok": result.by_eligibility["eligible"],
               "bad": result.by_eligibility["ineligible"]},
        )  # fmt: skip
    query = urlencode({"badan": filters["body"], "wilayah": filters["region"]})
    return redirect(reverse("adhoc:applications") + "?" + query)


def _application_or_404(request, pk) -> Application:
    app = selectors.application_for(request.user, election=_election(), pk=pk)
    if app is None:
        raise Http404("no such application in your scope")
    return app


def _can_unmask(user, app: Application) -> bool:
    return can_for_body(user, "adhoc.view_unmasked", body=app.body, region_code=app.region_code)


@login_required
def detail(request, pk):
    permissions.require(request.user, "adhoc.view")
    app = _application_or_404(request, pk)
    can_unmask = _can_unmask(request.user, app)
    unmasked = can_unmask and request.GET.get("buka") == "1"
    if unmasked:
        log_unmasked_access(
            actor=request.user,
            what="adhoc.application_detail",
            object_type="adhoc.Application",
            object_ids=[app.pk],
            reason=f"application {app.number}",
        )
    person = {
        "nik": app.nik if unmasked else mask_nik(app.nik),
        "nkk": app.nkk if unmasked else mask_nkk(app.nkk),
        "nama": app.nama if unmasked else mask_name(app.nama),
        "tempat_lahir": app.tempat_lahir if unmasked else "******",
        "tanggal_lahir": app.tanggal_lahir.isoformat() if unmasked
        else mask_birth_date(app.tanggal_lahir),
        "alamat": f"{app.alamat} RT {app.rt or '-'}/RW {app.rw or '-'}" if unmasked
        else mask_address(app.alamat, app.rt, app.rw),
        "phone": app.phone if unmasked else mask_nik(app.phone),
        "email": app.email if unmasked else ("***" if app.email else ""),
    }  # fmt: skip
    can_check_documents = can_for_body(
        request.user, CHECK_ACTION, body=app.body, region_code=app.region_code
    )
    return render(
        request,
        "adhoc/applications/detail.html",
        {
            "election": app.election,
            "app": app,
            "row": _row(app),
            "person": person,
            "unmasked": unmasked,
            "can_unmask": can_unmask,
            "documents": list(app.documents.order_by("kind")),
            "can_download": can_unmask,
            "can_check_documents": can_check_documents,
            "window": is_open(election=app.election, action=STAGE_ACTION),
        },
    )


@login_required
@require_GET
def document(request, pk, kind):
    permissions.require(request.user, "adhoc.view")
    app = _application_or_404(request, pk)
    if not _can_unmask(request.user, app):
        raise PermissionDenied("adhoc.view_unmasked: the documents hold personal data")
    doc = ApplicationDocument.objects.filter(application=app, kind=kind).first()
    if doc is None or not doc.file:
        raise Http404("no such document")
    log_unmasked_access(
        actor=request.user,
        what="adhoc.application_document",
        object_type="adhoc.Application",
        object_ids=[app.pk],
        reason=f"document {kind} of {app.number}",
    )
    try:
        handle = doc.file.open("rb")
    except FileNotFoundError:
        raise Http404("the document's file is missing") from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{app.number}-{kind}{_suffix(doc)}",
        content_type=doc.content_type or "application/octet-stream",
    )


def _suffix(doc: ApplicationDocument) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
        doc.content_type, ""
    )


@login_required
@require_POST
def documents_check(request, pk):
    app = _application_or_404(request, pk)
    verdict = request.POST.get("documents_ok", "")
    if verdict not in ("1", "0"):
        messages.error(request, _("Pilih: dokumen lengkap atau tidak lengkap."))
        return redirect("adhoc:application", pk=app.pk)
    try:
        record_documents_check(
            application=app,
            actor=request.user,
            documents_ok=verdict == "1",
            note=request.POST.get("note", ""),
        )
    except DocumentsCheckRefused as exc:
        message = {
            "note_required": _("Tulis apa yang kurang atau salah pada dokumen."),
            "note_too_long": _("Catatan terlalu panjang."),
            "withdrawn": _("Lamaran ini sudah ditarik."),
        }.get(exc.code, str(exc))
        messages.error(request, message)
    except PermissionDenied as exc:
        messages.error(request, _("Pemeriksaan dokumen ditolak: %(reason)s") % {"reason": exc})
    else:
        messages.success(request, _("Hasil pemeriksaan dokumen disimpan."))
    return redirect("adhoc:application", pk=app.pk)


urlpatterns = [
    path("adhoc/pelamar/", applications, name="applications"),
    path("adhoc/pelamar/periksa/", check, name="applications_check"),
    path("adhoc/pelamar/<int:pk>/", detail, name="application"),
    path("adhoc/pelamar/<int:pk>/dokumen/<slug:kind>/", document, name="application_document"),
    path(
        "adhoc/pelamar/<int:pk>/periksa-dokumen/",
        documents_check,
        name="application_documents_check",
    ),
]

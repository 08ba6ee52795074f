"""Public pages of the application to an ad hoc body (issue 5 part 2), under ``rekrutmen/``.

* ``rekrutmen/daftar/``: the form. The body and its area are dependent selects (kecamatan
  -> kelurahan -> TPS, only areas with an opening), updated in place with HTMX from
  ``rekrutmen/daftar/wilayah/`` (the domicile likewise from ``.../domisili/``); without
  JavaScript a button re-shows the form with the next select. Every POST goes through
  ``core.public.public_lookup`` (per-client rate limits, a minimum answer time): a refused
  duplicate says that the NIK applied to the body, so the form is not a free oracle.
* ``rekrutmen/daftar/terkirim/``: the application number and the access code, shown once.
* ``rekrutmen/lamaran/masuk/``: number + access code (rate-limited, one answer for a wrong
  code and an unknown number) -> the applicant's session holds that one application's id
  for :data:`SESSION_SECONDS` of inactivity;
* ``rekrutmen/lamaran/``: the applicant's own page -- data, documents, checks, result;
  ``ubah/`` correct, ``dokumen/<kind>/`` see or replace a document, ``tarik/`` withdraw,
  ``aktifkan/`` reinstate, ``keluar/`` leave.

Personal data: the applicant's own page shows the NIK and NKK masked (the form leaves them
empty: an empty field keeps the number on file); nothing of another application is
reachable, since every page reads the one id the session holds.
"""

from __future__ import annotations

import time

from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from pilkada.core.masking import log_unmasked_access, mask_nik
from pilkada.core.public import public_lookup
from pilkada.core.selectors import current_election_or_404
from pilkada.schedule.gate import StageClosed, is_open

from ..forms import AccessForm, ApplicationForm, CorrectionForm, DocumentForm
from ..models import ApplicationDocument, Body
from ..selectors import apply as selectors
from ..services import apply as services

#: (url name, label, what it is for, permission action; None = public), for the hub.
MENU: list[tuple] = [
    (
        "adhoc:apply",
        gettext_lazy("Pendaftaran badan ad hoc"),
        gettext_lazy("formulir pendaftaran PPK, PPS, KPPS dan Pantarlih"),
        None,
    ),
    (
        "adhoc:apply_open",
        gettext_lazy("Lamaran saya"),
        gettext_lazy("lihat, perbaiki atau tarik lamaran dengan nomor pendaftaran dan kode akses"),
        None,
    ),
]

SESSION_KEY = "adhoc_applicant"
RECEIPT_KEY = "adhoc_apply_receipt"
#: The applicant's page closes after this many seconds without a request.
SESSION_SECONDS = 30 * 60


def _is_htmx(request) -> bool:
    return request.META.get("HTTP_HX_REQUEST") == "true"


def _area_context(election, source) -> dict:
    options = selectors.area_options(
        election=election,
        body=source.get("body", ""),
        kecamatan=source.get("kecamatan", ""),
        kelurahan=source.get("kelurahan", ""),
        tps=source.get("tps", ""),
    )
    return {"area": options, "bodies": Body.choices}


def _domicile_context(election, source) -> dict:
    return {
        "domicile": selectors.domicile_options(
            election=election, kecamatan=source.get("domicile_kecamatan", "")
        ),
        "domicile_code": source.get("domicile_code", ""),
    }


@never_cache
def area_fragment(request):
    election = current_election_or_404()
    context = {
        **_area_context(election, request.GET),
        "errors": {},
        "editing": request.GET.get("editing") == "1",
    }
    return render(request, "adhoc/apply/_area.html", context)


@never_cache
def domicile_fragment(request):
    election = current_election_or_404()
    context = {**_domicile_context(election, request.GET), "errors": {}}
    return render(request, "adhoc/apply/_domicile.html", context)


def _window(election):
    return is_open(election=election, action=services.APPLY_ACTION)


@never_cache
@require_http_methods(["GET", "POST"])
@public_lookup("adhoc_apply")
def apply(request):
    election = current_election_or_404()
    decision = _window(election)
    source = request.POST if request.method == "POST" else request.GET
    form = ApplicationForm(request.POST or None, request.FILES or None)
    errors: dict = {}
    status = 200
    if request.method == "POST" and "_area" not in request.POST and form.is_valid():
        area = selectors.area_options(
            election=election,
            body=form.cleaned_data["body"],
            kecamatan=source.get("kecamatan", ""),
            kelurahan=source.get("kelurahan", ""),
            tps=source.get("tps", ""),
        )
        try:
            submission = services.submit_application(
                election=election,
                body=form.cleaned_data["body"],
                data=form.service_data(
                    region_code=area.region_code, domicile_code=source.get("domicile_code", "")
                ),
                documents=form.documents(),
            )
        except StageClosed as exc:
            decision = exc.decision
            status = 403
        except services.ApplicationRefused as exc:
            errors = exc.fields
            status = 400
        else:
            application = submission.application
            request.session.cycle_key()
            request.session[RECEIPT_KEY] = {
                "number": application.number,
                "code": submission.access_code,
                "mail": submission.mail,
                "email": bool(application.email),
            }
            _sign_in(request, application)
            return redirect("adhoc:apply_done")
    elif request.method == "POST" and "_area" not in request.POST:
        # The form could not read a field (a date): show it and every other error at once.
        area = selectors.area_options(
            election=election,
            body=source.get("body", ""),
            kecamatan=source.get("kecamatan", ""),
            kelurahan=source.get("kelurahan", ""),
            tps=source.get("tps", ""),
        )
        unread = set(form.errors)
        data = form.service_data(
            region_code=area.region_code, domicile_code=source.get("domicile_code", "")
        )
        errors = {
            name: message
            for name, message in services.field_errors(
                election=election, body=source.get("body", ""), data=data
            ).items()
            if name not in unread
        }
        status = 400
    context = {
        "election": election,
        "decision": decision,
        "form": form,
        "errors": _attach(form, errors),
        "show_errors": request.method == "POST" and "_area" not in request.POST,
        "max_bytes": _max_mb(),
        **_area_context(election, source),
        **_domicile_context(election, source),
    }
    return render(request, "adhoc/apply/form.html", context, status=status)


def _max_mb() -> str:
    from django.conf import settings

    return f"{settings.PILKADA_ADHOC_DOCUMENT_MAX_BYTES / 1024 / 1024:g} MB"


#: Fields the area and domicile selects show (not fields of the Django form).
_SELECT_FIELDS = ("body", "region_code", "domicile_code")


def _attach(form, errors: dict) -> dict:
    """Put the service's messages beside the form's fields; return those of the selects
    (rendered by the area and domicile parts) and of the whole form ("")."""
    rest = {}
    for name, message in errors.items():
        if name in form.fields and name not in _SELECT_FIELDS:
            form.add_error(name, message)
        else:
            rest[name] = message
    return rest


@never_cache
def done(request):
    receipt = request.session.pop(RECEIPT_KEY, None)
    if receipt is None:
        return redirect("adhoc:apply_own" if _own_id(request) else "adhoc:apply")
    return render(request, "adhoc/apply/done.html", {"receipt": receipt})


# --- the applicant's session ----------------------------------------------------------------


def _sign_in(request, application) -> None:
    request.session[SESSION_KEY] = {
        "id": application.pk,
        "election": application.election_id,
        "at": int(time.time()),
    }


def _own_id(request) -> int | None:
    """The id of the application this session opened, while it is fresh."""
    entry = request.session.get(SESSION_KEY)
    if not isinstance(entry, dict):
        return None
    if time.time() - float(entry.get("at", 0)) > SESSION_SECONDS:
        request.session.pop(SESSION_KEY, None)
        return None
    entry["at"] = int(time.time())
    request.session[SESSION_KEY] = entry
    return int(entry["id"])


def _own_or_redirect(request, election):
    application_id = _own_id(request)
    own = (
        selectors.own_application(application_id=application_id, election=election)
        if application_id
        else None
    )
    return own


@never_cache
@require_http_methods(["GET", "POST"])
@public_lookup("adhoc_apply_open")
def open_own(request):
    election = current_election_or_404()
    form = AccessForm(request.POST or None)
    error = ""
    status = 200
    if request.method == "POST":
        form.is_valid()
        application = selectors.open_application(
            election=election,
            number=form.cleaned_data.get("number", ""),
            access_code=form.cleaned_data.get("access_code", ""),
        )
        if application is not None:
            request.session.cycle_key()
            _sign_in(request, application)
            # The page shows the applicant's data unmasked to whoever holds the code: each
            # opening is on record (a stolen code shows up in the log).
            log_unmasked_access(
                actor=f"applicant:{application.number}",
                what="adhoc.apply_own",
                object_type="adhoc.Application",
                object_ids=[application.pk],
                reason="opened with the access code",
            )
            return redirect("adhoc:apply_own")
        error = _("Nomor pendaftaran atau kode akses salah.")
        status = 400
    return render(request, "adhoc/apply/open.html", {"form": form, "error": error}, status=status)


def _login_needed(request):
    return redirect("adhoc:apply_open")


@never_cache
def own(request):
    election = current_election_or_404()
    page = _own_or_redirect(request, election)
    if page is None:
        return _login_needed(request)
    return render(
        request,
        "adhoc/apply/own.html",
        {
            "page": page,
            "a": page.application,
            "masked_nik": mask_nik(page.application.nik),
            "masked_nkk": mask_nik(page.application.nkk),
            "changeable": page.changeable,
            "max_bytes": _max_mb(),
        },
    )


def _initial(application) -> dict:
    return {
        name: getattr(application, name)
        for name in services.EDITABLE_FIELDS
        if name not in ("nik", "nkk", "region_code", "domicile_code")
    }


@never_cache
@require_http_methods(["GET", "POST"])
@public_lookup("adhoc_apply")
def edit(request):
    election = current_election_or_404()
    page = _own_or_redirect(request, election)
    if page is None:
        return _login_needed(request)
    application = page.application
    errors: dict = {}
    status = 200
    if request.method == "POST":
        source = request.POST
        form = CorrectionForm(request.POST)
    else:
        source = {
            "body": application.body,
            **selectors.area_path(application.region_code),
            "domicile_kecamatan": application.domicile_code[:6],
            "domicile_code": application.domicile_code,
        }
        form = CorrectionForm(initial=_initial(application))
    if request.method == "POST" and "_area" not in request.POST:
        if form.is_valid():
            area = selectors.area_options(
                election=election,
                body=application.body,
                kecamatan=source.get("kecamatan", ""),
                kelurahan=source.get("kelurahan", ""),
                tps=source.get("tps", ""),
            )
            try:
                changed = services.correct_application(
                    application=application,
                    data=form.service_data(
                        region_code=area.region_code,
                        domicile_code=source.get("domicile_code", ""),
                    ),
                )
            except StageClosed as exc:
                errors = {"": exc.decision.reason}
                status = 403
            except services.ApplicationRefused as exc:
                errors = exc.fields
                status = 400
            else:
                from django.contrib import messages

                if changed:
                    messages.success(
                        request,
                        _(
                            "Perbaikan tersimpan. Pemeriksaan persyaratan akan dijalankan "
                            "kembali atas data yang baru."
                        ),
                    )
                else:
                    messages.info(request, _("Tidak ada data yang berubah."))
                return redirect("adhoc:apply_own")
        else:
            status = 400
    area_source = {k: source.get(k, "") for k in ("kecamatan", "kelurahan", "tps")}
    area_source["body"] = application.body
    context = {
        "page": page,
        "a": application,
        "form": form,
        "errors": _attach(form, errors),
        "show_errors": request.method == "POST" and "_area" not in request.POST,
        "masked_nik": mask_nik(application.nik),
        "masked_nkk": mask_nik(application.nkk),
        "editing": True,
        **_area_context(election, area_source),
        **_domicile_context(election, source),
    }
    return render(request, "adhoc/apply/edit.html", context, status=status)


@never_cache
@require_http_methods(["GET", "POST"])
def document(request, kind):
    election = current_election_or_404()
    application_id = _own_id(request)
    if application_id is None:
        return _login_needed(request)
    if kind not in ApplicationDocument.Kind.values:
        raise Http404("no such document kind")
    if request.method == "GET":
        item = selectors.own_document(application_id=application_id, kind=kind)
        if item is None:
            raise Http404("no such document")
        response = FileResponse(
            item.file.open("rb"),
            content_type=item.content_type,
            as_attachment=True,
            filename=f"{kind}{services.EXTENSION.get(item.content_type, '')}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response
    page = selectors.own_application(application_id=application_id, election=election)
    if page is None:
        return _login_needed(request)
    from django.contrib import messages

    form = DocumentForm(request.POST, request.FILES)
    form.is_valid()
    try:
        services.replace_document(
            application=page.application, kind=kind, upload=form.cleaned_data.get("file")
        )
    except StageClosed as exc:
        messages.error(request, exc.decision.reason)
    except services.ApplicationRefused as exc:
        label = ApplicationDocument.Kind(kind).label
        for message in exc.fields.values():
            messages.error(request, f"{label}: {message}")
    else:
        messages.success(
            request,
            _("%(document)s diganti. Pemeriksaan akan dijalankan kembali.")
            % {"document": ApplicationDocument.Kind(kind).label},
        )
    return redirect("adhoc:apply_own")


def _state_change(request, change, done_message: str, same_message: str):
    election = current_election_or_404()
    page = _own_or_redirect(request, election)
    if page is None:
        return _login_needed(request)
    from django.contrib import messages

    if request.POST.get("confirm") != "1":
        messages.error(request, _("Centang konfirmasi terlebih dahulu."))
        return redirect("adhoc:apply_own")
    try:
        changed = change(application=page.application)
    except StageClosed as exc:
        messages.error(request, exc.decision.reason)
    except services.ApplicationRefused as exc:
        for message in exc.fields.values():
            messages.error(request, message)
    else:
        messages.success(request, done_message if changed else same_message)
    return redirect("adhoc:apply_own")


@never_cache
@require_POST
def withdraw(request):
    return _state_change(
        request,
        services.withdraw_application,
        _("Lamaran Anda sudah ditarik."),
        _("Lamaran ini sudah ditarik sebelumnya."),
    )


@never_cache
@require_POST
def reinstate(request):
    return _state_change(
        request,
        services.reinstate_application,
        _("Lamaran Anda aktif kembali dan akan diperiksa ulang."),
        _("Lamaran ini masih aktif."),
    )


@never_cache
@require_POST
def sign_out(request):
    request.session.pop(SESSION_KEY, None)
    return redirect("adhoc:apply_open")


urlpatterns = [
    path("rekrutmen/daftar/", apply, name="apply"),
    path("rekrutmen/daftar/wilayah/", area_fragment, name="apply_area"),
    path("rekrutmen/daftar/domisili/", domicile_fragment, name="apply_domicile"),
    path("rekrutmen/daftar/terkirim/", done, name="apply_done"),
    path("rekrutmen/lamaran/masuk/", open_own, name="apply_open"),
    path("rekrutmen/lamaran/", own, name="apply_own"),
    path("rekrutmen/lamaran/ubah/", edit, name="apply_edit"),
    path("rekrutmen/lamaran/dokumen/<str:kind>/", document, name="apply_document"),
    path("rekrutmen/lamaran/tarik/", withdraw, name="apply_withdraw"),
    path("rekrutmen/lamaran/aktifkan/", reinstate, name="apply_reinstate"),
    path("rekrutmen/lamaran/keluar/", sign_out, name="apply_sign_out"),
]

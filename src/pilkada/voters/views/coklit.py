"""Pages of the voter register: coklit.

The Pantarlih's phone page lists the voters of their TPS area by family and marks each in
place (HTMX): MS, TMS with code and evidence note, changed data, a move to another TPS, a
new voter in a family. The progress page (PPS, PPK, KPU, Bawaslu) drills down by region.
Views only parse input and call the coklit services and selectors.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilkada.accounts import permissions
from pilkada.accounts.roles import Role
from pilkada.core.masking import log_unmasked_access
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.regions.codes import InvalidRegionCode
from pilkada.regions.models import Tps
from pilkada.schedule.gate import StageClosed, is_open

from ..models import Voter
from ..selectors import coklit as selectors
from ..services import coklit as services


def _counts(election, tps_code):
    rows = selectors.progress_counts(election=election, region_code=tps_code)
    total = selectors.ProgressCounts(code=tps_code)
    for r in rows:
        total.add(r)
    return total


def _tms_choices():
    return [
        (int(code), label, services.tms_evidence(code)) for code, label in Voter.TmsCode.choices
    ]


def _voter_context(request, voter, **extra):
    with_counts = extra.pop("with_counts", False)
    return {
        "v": voter,
        "tms_choices": _tms_choices(),
        "oob_counts": _counts(voter.election, voter.tps_code) if with_counts else None,
        **extra,
    }


def _errors(exc) -> list[str]:
    if isinstance(exc, StageClosed):
        return [exc.decision.reason]
    return list(getattr(exc, "messages", None) or [str(exc)])


@login_required
@require_GET
def coklit_home(request):
    """A Pantarlih goes straight to their TPS; a PPS picks a TPS of its kelurahan from the
    progress table; the others see progress."""
    user = request.user
    if user.role == Role.PANTARLIH and user.region_code:
        return redirect("voters:coklit_tps", tps_code=user.region_code)
    return redirect("voters:coklit_progress")


@login_required
@require_GET
def coklit_tps(request, tps_code):
    election = _election()
    query = request.GET.get("q", "")
    try:
        area = selectors.tps_area(
            user=request.user, election=election, tps_code=tps_code, query=query
        )
    except Tps.DoesNotExist:
        raise Http404("no such TPS") from None
    log_unmasked_access(
        actor=request.user,
        what="voters.coklit_list",
        object_type="voters.Voter",
        object_ids=area.voter_ids,
        reason=f"coklit TPS {area.tps.code}" + (f" search {area.query!r}" if area.query else ""),
    )
    context = {
        "election": election,
        "area": area,
        "tps": area.tps,
        "counts": _counts(election, area.tps.code),
        "window": is_open(election=election, action=services.ACTION),
        "tms_choices": _tms_choices(),
        "flag_hint": services.flag_hint,
    }
    if request.headers.get("HX-Request") and request.GET.get("partial") == "families":
        return render(request, "voters/coklit/_families.html", context)
    return render(request, "voters/coklit/tps.html", context)


def _voter_or_404(request, voter_id):
    try:
        return selectors.voter_for_coklit(user=request.user, voter_id=voter_id)
    except Voter.DoesNotExist:
        raise Http404("no such voter") from None


@login_required
@require_GET
def coklit_voter(request, voter_id):
    """The voter's card (``?edit=1``: the correction form), for HTMX."""
    voter = _voter_or_404(request, voter_id)
    form = "edit" if request.GET.get("edit") else request.GET.get("form", "")
    context = _voter_context(request, voter)
    if form == "edit":
        context["history"] = selectors.history(voter=voter)
    return render(request, _CARD_TEMPLATES.get(form, _CARD_TEMPLATES[""]), context)


#: The card and its forms, loaded on demand (a TPS page of 600 voters stays small).
_CARD_TEMPLATES = {
    "": "voters/coklit/_voter.html",
    "edit": "voters/coklit/_voter_edit.html",
    "tms": "voters/coklit/_voter_tms.html",
}


def _mark(request, voter_id, action):
    voter = _voter_or_404(request, voter_id)
    try:
        voter = action(voter)
    except (services.CoklitRefused, StageClosed) as exc:
        voter = _voter_or_404(request, voter_id)
        form = request.POST.get("form", "")
        context = _voter_context(request, voter, errors=_errors(exc), posted=request.POST)
        return render(request, _CARD_TEMPLATES.get(form, _CARD_TEMPLATES[""]), context)
    voter = _voter_or_404(request, voter.pk)
    return render(
        request,
        "voters/coklit/_voter.html",
        _voter_context(request, voter, saved=True, with_counts=True),
    )


@login_required
@require_POST
def coklit_ms(request, voter_id):
    return _mark(request, voter_id, lambda v: services.mark_ms(voter=v, actor=request.user))


@login_required
@require_POST
def coklit_tms(request, voter_id):
    return _mark(
        request,
        voter_id,
        lambda v: services.mark_tms(
            voter=v,
            actor=request.user,
            tms_code=request.POST.get("tms_code", ""),
            note=request.POST.get("note", ""),
        ),
    )


@login_required
@require_POST
def coklit_change(request, voter_id):
    """The correction form: the fields that differ from the register are changed; a new
    TPS code moves the voter (salah penempatan TPS)."""
    post = request.POST

    def act(voter):
        changes = {}
        for name in services.CHANGE_FIELDS:
            if name not in post:
                continue
            raw = post.get(name, "")
            current = getattr(voter, name)
            shown = "" if current is None else current
            if name == "tanggal_lahir" and current is not None:
                shown = current.isoformat()
            if name == "ktp_el":
                shown = {True: "1", False: "0", None: ""}[current]
            if str(raw).strip() != str(shown):
                changes[name] = raw
        return services.correct(
            voter=voter,
            actor=request.user,
            changes=changes,
            tps_code=post.get("tps_baru", "").strip() or None,
            note=post.get("note", ""),
        )

    return _mark(request, voter_id, act)


@login_required
@require_http_methods(["GET", "POST"])
def coklit_new(request, tps_code):
    """GET: the new-voter form of a family (HTMX). POST: add a new voter to a family of this
    TPS; the family section comes back (with the new member, or with the form and the reason
    it was refused)."""
    election = _election()
    try:
        tps = selectors.tps_for_coklit(user=request.user, tps_code=tps_code)
    except Tps.DoesNotExist:
        raise Http404("no such TPS") from None
    if request.method == "GET":
        nkk = request.GET.get("nkk", "")
        return render(
            request,
            "voters/coklit/_new_voter_form.html",
            {"tps": tps, "nkk": nkk, "key": selectors.family_key(nkk)},
        )
    post = request.POST
    nkk = post.get("nkk", "")
    errors = []
    try:
        services.add_new_voter(
            election=election,
            actor=request.user,
            tps_code=tps.code,
            nkk=nkk,
            nik=post.get("nik", ""),
            nama=post.get("nama", ""),
            tanggal_lahir=post.get("tanggal_lahir", ""),
            jenis_kelamin=post.get("jenis_kelamin", ""),
            status_kawin=post.get("status_kawin", "B"),
            tempat_lahir=post.get("tempat_lahir", ""),
            alamat=post.get("alamat", ""),
            disabilitas=post.get("disabilitas", "0") or "0",
            ktp_el=post.get("ktp_el", ""),
        )
    except (services.CoklitRefused, StageClosed) as exc:
        errors = _errors(exc)
    area = selectors.tps_area(user=request.user, election=election, tps_code=tps.code)
    family = next((f for f in area.families if f.nkk == nkk), None)
    if family is None:
        raise Http404("no such family at this TPS")
    context = {
        "f": family,
        "tps": tps,
        "tms_choices": _tms_choices(),
        "flag_hint": services.flag_hint,
        "new_errors": errors,
        "posted": post if errors else None,
        "oob_counts": None if errors else _counts(election, tps.code),
        "added": not errors,
    }
    return render(request, "voters/coklit/_family.html", context)


@login_required
@require_GET
def coklit_progress(request):
    election = _election()
    try:
        page = selectors.coklit_progress(
            user=request.user, election=election, region_code=request.GET.get("wilayah") or None
        )
    except (InvalidRegionCode, ValueError, KeyError):
        raise Http404("no such region") from None
    can_coklit = {
        r.code
        for r in page.rows
        if r.code and len(r.code) == 13 and permissions.can(request.user, "voters.coklit", r.code)
    }
    if len(page.region_code) == 13 and permissions.can(
        request.user, "voters.coklit", page.region_code
    ):
        can_coklit.add(page.region_code)
    return render(
        request,
        "voters/coklit/progress.html",
        {
            "election": election,
            "page": page,
            "can_coklit": can_coklit,
            "tms_labels": Voter.TmsCode.choices,
            "window": is_open(election=election, action=services.ACTION),
        },
    )


urlpatterns = [
    path("pemilih/coklit/", coklit_home, name="coklit"),
    path("pemilih/coklit/progres/", coklit_progress, name="coklit_progress"),
    path("pemilih/coklit/tps/<str:tps_code>/", coklit_tps, name="coklit_tps"),
    path("pemilih/coklit/tps/<str:tps_code>/baru/", coklit_new, name="coklit_new"),
    path("pemilih/coklit/pemilih/<int:voter_id>/", coklit_voter, name="coklit_voter"),
    path("pemilih/coklit/pemilih/<int:voter_id>/ms/", coklit_ms, name="coklit_ms"),
    path("pemilih/coklit/pemilih/<int:voter_id>/tms/", coklit_tms, name="coklit_tms"),
    path("pemilih/coklit/pemilih/<int:voter_id>/ubah/", coklit_change, name="coklit_change"),
]

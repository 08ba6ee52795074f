"""Pages of verifikasi faktual (issue 4 part 5).

The PPS's phone page lists the supporters of its kelurahan (open objections first) and
records each outcome in place (HTMX): met and confirms, met and denies (with the denial form
number), not found, deceased; a supporter listed by two pairs says which pair they support.
The progress page (PPS, PPK, KPU, Bawaslu, the pair's LO) drills down kab/kota -> kecamatan
-> kelurahan; the records page lists every record read-only (Bawaslu observes); KPU and PPS
apply a CSV of outcomes and close the not-found deadlines. Views only parse input and call
the verfak services and selectors.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilkada.accounts import permissions
from pilkada.accounts.roles import Role
from pilkada.core.masking import log_unmasked_access
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.regions.codes import InvalidRegionCode
from pilkada.regions.models import Region
from pilkada.schedule.gate import StageClosed, is_open

from ..models import FactualCheck, Pair, Supporter
from ..selectors import verfak as selectors
from ..services import verfak as services

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
#: The card and its forms, loaded on demand.
_FORMS = {"denies", "deceased", "neither"}


def _errors(exc) -> list[str]:
    if isinstance(exc, StageClosed):
        return [exc.decision.reason]
    return list(getattr(exc, "messages", None) or [str(exc)])


def _choices() -> dict:
    return {
        "methods": FactualCheck.Method.choices,
        "outcome_labels": dict(FactualCheck.Outcome.choices),
        "tms_outcomes": [(o, FactualCheck.Outcome(o).label) for o in selectors.TMS_OUTCOMES],
    }


@login_required
@require_GET
def verfak_home(request):
    """A PPS goes straight to its kelurahan; the others see progress."""
    user = request.user
    if user.role == Role.PPS and user.region_code:
        return redirect("candidacy:verfak_kelurahan", code=user.region_code)
    return redirect("candidacy:verfak_progress")


@login_required
@require_GET
def verfak_kelurahan(request, code):
    election = _election()
    get = request.GET
    try:
        page = selectors.kelurahan_list(
            user=request.user,
            election=election,
            kelurahan_code=code,
            query=get.get("q", ""),
            rt=get.get("rt", ""),
            rw=get.get("rw", ""),
            pair_id=get.get("paslon") or None,
            page=_int(get.get("halaman"), 1),
        )
    except (Region.DoesNotExist, InvalidRegionCode):
        raise Http404("no such kelurahan") from None
    if page.unmasked and page.supporters:
        search = " ".join(f"{k}={get[k]!r}" for k in ("q", "rt", "rw") if get.get(k))
        log_unmasked_access(
            actor=request.user,
            what="candidacy.verfak_list",
            object_type="candidacy.Supporter",
            object_ids=page.supporter_ids,
            reason=f"verfak kelurahan {code}" + (f" search {search}" if search else ""),
        )
    context = {
        "election": election,
        "page": page,
        "counts": page.counts,
        "window": is_open(election=election, action=services.ACTION),
        "deadline_days": services.not_found_days(),
        **_choices(),
    }
    if request.headers.get("HX-Request") and get.get("partial") == "list":
        return render(request, "candidacy/verfak/_list.html", context)
    return render(request, "candidacy/verfak/kelurahan.html", context)


def _int(value, default):
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def _supporter_or_404(request, supporter_id):
    try:
        return selectors.supporter_for_verfak(user=request.user, supporter_id=supporter_id)
    except Supporter.DoesNotExist:
        raise Http404("no such supporter") from None


def _card(request, supporter, *, form="", **extra):
    election = supporter.election
    context = {
        "s": supporter,
        "window": is_open(election=election, action=services.ACTION),
        "can_record": supporter.can_record,
        "form": form,
        **_choices(),
        **extra,
    }
    template = "candidacy/verfak/_form.html" if form in _FORMS else "candidacy/verfak/_card.html"
    if supporter.nik_shown == supporter.nik and not extra.get("quiet"):
        log_unmasked_access(
            actor=request.user,
            what="candidacy.verfak_card",
            object_type="candidacy.Supporter",
            object_ids=[supporter.pk],
            reason="verfak card",
        )
    return render(request, template, context)


@login_required
@require_GET
def verfak_supporter(request, supporter_id):
    """The supporter's card (``?form=denies|deceased|neither``: a form), for HTMX."""
    supporter = _supporter_or_404(request, supporter_id)
    form = request.GET.get("form", "")
    extra = {}
    if form == "riwayat":
        extra["history"] = selectors.history(supporter=supporter)
    return _card(request, supporter, form=form, **extra)


def _after(request, supporter_id, action):
    """Run ``action``; the card again (saved, with the counts and the other pairs' cards of a
    held supporter out of band), or the card/form with the reason it was refused."""
    supporter = _supporter_or_404(request, supporter_id)
    try:
        checks = action(supporter)
    except (services.VerfakRefused, StageClosed) as exc:
        supporter = _supporter_or_404(request, supporter_id)
        return _card(
            request, supporter, form=request.POST.get("form", ""), errors=_errors(exc),
            posted=request.POST, quiet=True,
        )  # fmt: skip
    supporter = _supporter_or_404(request, supporter_id)
    others = [
        _supporter_or_404(request, c.supporter_id) for c in checks if c.supporter_id != supporter.pk
    ]
    counts = selectors.total_counts(
        selectors.progress_counts(
            election=supporter.election,
            region_code=supporter.region_code,
            pair_id=request.POST.get("paslon") or None,
        ),
        supporter.region_code,
    )
    return _card(request, supporter, saved=True, oob_counts=counts, others=others, quiet=True)


@login_required
@require_POST
def verfak_record(request, supporter_id):
    post = request.POST
    return _after(
        request,
        supporter_id,
        lambda s: services.record_factual_check(
            supporter=s,
            actor=request.user,
            outcome=post.get("outcome", ""),
            method=post.get("method", ""),
            denial_form=post.get("denial_form", ""),
            note=post.get("note", ""),
        ),
    )


@login_required
@require_POST
def verfak_choose(request, supporter_id):
    """A held supporter's choice: ``pair`` is the pair's id, or ``none``."""
    post = request.POST
    return _after(
        request,
        supporter_id,
        lambda s: services.record_held_choice(
            supporter=s,
            actor=request.user,
            pair=post.get("pair", "") or "none",
            method=post.get("method", ""),
            denial_form=post.get("denial_form", ""),
            note=post.get("note", ""),
        ),
    )


@login_required
@require_GET
def verfak_progress(request):
    election = _election()
    try:
        page = selectors.verfak_progress(
            user=request.user,
            election=election,
            region_code=request.GET.get("wilayah") or None,
            pair_id=request.GET.get("paslon") or None,
        )
    except (InvalidRegionCode, ValueError, KeyError):
        raise Http404("no such region") from None
    user = request.user
    can_record = permissions.can(user, services.ACTION, page.region_code)
    return render(
        request,
        "candidacy/verfak/progress.html",
        {
            "election": election,
            "page": page,
            "can_record": can_record,
            "overdue": selectors.overdue_not_found(user=user, election=election)
            if can_record
            else None,
            "window": is_open(election=election, action=services.ACTION),
            "deadline_days": services.not_found_days(),
            **_choices(),
        },
    )


@login_required
@require_GET
def verfak_records(request):
    election = _election()
    get = request.GET
    try:
        page = selectors.check_records(
            user=request.user,
            election=election,
            region_code=get.get("wilayah") or None,
            pair_id=get.get("paslon") or None,
            outcome=get.get("hasil", ""),
            page=_int(get.get("halaman"), 1),
        )
    except (InvalidRegionCode, ValueError, KeyError):
        raise Http404("no such region") from None
    unmasked = [r.supporter_id for r in page.records if r.supporter.nik_shown == r.supporter.nik]
    if unmasked:
        log_unmasked_access(
            actor=request.user,
            what="candidacy.verfak_records",
            object_type="candidacy.Supporter",
            object_ids=unmasked,
            reason=f"verfak records {page.region_code}",
        )
    return render(
        request,
        "candidacy/verfak/records.html",
        {"election": election, "page": page, **_choices()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def verfak_upload(request):
    """The PPS or KPU office applies a CSV of outcomes (nik,outcome,method,denial_form,note)."""
    election = _election()
    permissions.require(request.user, services.ACTION, None)
    context = {
        "election": election,
        "columns": ",".join(services.FILE_COLUMNS),
        "window": is_open(election=election, action=services.ACTION),
        "pairs": Pair.objects.filter(election=election, path=Pair.Path.INDEPENDENT).order_by(
            "ballot_number", "pk"
        ),
    }
    if request.method == "GET":
        return render(request, "candidacy/verfak/upload.html", context)
    upload = request.FILES.get("file")
    pair = request.POST.get("paslon") or None
    if upload is None:
        context["error"] = _("Pilih berkas CSV hasil verifikasi faktual.")
    elif upload.size > MAX_UPLOAD_BYTES:
        context["error"] = _("Berkas terlalu besar.")
    else:
        try:
            context["result"] = services.apply_verfak_file(
                election=election, actor=request.user, data=upload.read(),
                pair=int(pair) if pair and pair.isdigit() else None,
            )  # fmt: skip
        except services.VerfakFileRefused as exc:
            context["error"] = _("Berkas tidak dapat diterapkan: %(reason)s") % {"reason": exc}
    status = 400 if context.get("error") else 200
    return render(request, "candidacy/verfak/upload.html", context, status=status)


@login_required
@require_POST
def verfak_expire(request):
    """Close the not-found deadlines that have passed, in the user's scope."""
    election = _election()
    result = services.expire_not_found(election=election, actor=request.user)
    messages.success(
        request,
        _("%(n)d pendukung yang tidak ditemui melewati batas waktu dan kini TMS.")
        % {"n": len(result.expired)},
    )
    return redirect(reverse("candidacy:verfak_progress"))


urlpatterns = [
    path("pencalonan/verfak/", verfak_home, name="verfak"),
    path("pencalonan/verfak/progres/", verfak_progress, name="verfak_progress"),
    path("pencalonan/verfak/catatan/", verfak_records, name="verfak_records"),
    path("pencalonan/verfak/unggah/", verfak_upload, name="verfak_upload"),
    path("pencalonan/verfak/kedaluwarsa/", verfak_expire, name="verfak_expire"),
    path("pencalonan/verfak/kelurahan/<str:code>/", verfak_kelurahan, name="verfak_kelurahan"),
    path(
        "pencalonan/verfak/pendukung/<int:supporter_id>/",
        verfak_supporter,
        name="verfak_supporter",
    ),
    path(
        "pencalonan/verfak/pendukung/<int:supporter_id>/catat/",
        verfak_record,
        name="verfak_record",
    ),
    path(
        "pencalonan/verfak/pendukung/<int:supporter_id>/pilih/",
        verfak_choose,
        name="verfak_choose",
    ),
]

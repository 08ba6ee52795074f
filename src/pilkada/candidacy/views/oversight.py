"""Pages of Bawaslu's oversight of candidacy (issue 4 part 8): the overview per pair (vermin
reasons, verfak outcomes, objections, recommendations), each pair's supporter list (masked,
with a masked CSV export that is audited), the objections, and the recommendations with
KPU's answers. Read-only except for recording a recommendation (Bawaslu) and answering it
(KPU). Views only parse input and call the oversight services and selectors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pilkada.accounts import permissions
from pilkada.core import clock
from pilkada.core.selectors import current_election_or_404 as _election

from ..models import BawasluRecommendation, FactualCheck, Pair, Supporter, SupportObjection
from ..selectors import oversight as selectors
from ..services import oversight as services


def _int(value, default=1):
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


@login_required
@require_GET
def overview(request):
    election = _election()
    rows = selectors.overview(user=request.user, election=election)
    return render(
        request,
        "candidacy/oversight/overview.html",
        {
            "election": election,
            "rows": rows,
            "outcome_labels": dict(FactualCheck.Outcome.choices),
            "objection_labels": SupportObjection.Status.choices,
            "can_recommend": permissions.can(request.user, "candidacy.recommend"),
        },
    )


def _filters(get) -> dict:
    keys = (*selectors.SUPPORTER_FILTERS, "wilayah", "nik", "objected")
    return {k: get.get(k, "") for k in keys if get.get(k)}


@login_required
@require_GET
def supporters(request, pair_id):
    election = _election()
    try:
        page = selectors.supporter_page(
            user=request.user,
            election=election,
            pair_id=pair_id,
            filters=_filters(request.GET),
            page=_int(request.GET.get("halaman")),
        )
    except Pair.DoesNotExist:
        raise Http404("no such pair") from None
    # The NIK searched for stays out of the paging and export links (and so out of logs).
    query = urlencode({k: v for k, v in page.filters.items() if k != "nik"})
    return render(
        request,
        "candidacy/oversight/supporters.html",
        {
            "election": election,
            "page": page,
            "query": query,
            "vermin_choices": Supporter.VerminStatus.choices,
            "verfak_choices": Supporter.VerfakStatus.choices,
            "status_choices": Supporter.Status.choices,
            "outcome_choices": FactualCheck.Outcome.choices,
            "can_recommend": permissions.can(request.user, "candidacy.recommend"),
        },
    )


@login_required
@require_GET
def supporters_export(request, pair_id):
    election = _election()
    try:
        result, lines = services.export_supporters(
            user=request.user, election=election, pair_id=pair_id, filters=_filters(request.GET)
        )
    except Pair.DoesNotExist:
        raise Http404("no such pair") from None
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    stamp = clock.today().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="pendukung-paslon-{result.pair.pk}-{stamp}.csv"'
    )
    return response


@login_required
@require_GET
def objections(request):
    election = _election()
    page = selectors.objection_page(
        user=request.user,
        election=election,
        pair_id=request.GET.get("paslon"),
        status=request.GET.get("status", ""),
        page=_int(request.GET.get("halaman")),
    )
    return render(
        request,
        "candidacy/oversight/objections.html",
        {
            "election": election,
            "page": page,
            "status_choices": SupportObjection.Status.choices,
            "pairs": Pair.objects.filter(election=election).order_by("ballot_number", "pk"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def recommendations(request):
    """The list with status; Bawaslu records a new recommendation here (POST)."""
    election = _election()
    user = request.user
    errors, posted = [], {}
    if request.method == "POST":
        posted = request.POST
        try:
            rec = services.recommend(
                election=election,
                actor=user,
                subject=posted.get("subject", ""),
                object_id=posted.get("object_id", ""),
                text=posted.get("text", ""),
                pair=posted.get("pair") or None,
            )
        except services.OversightRefused as exc:
            errors = list(exc.messages)
        else:
            messages.success(request, _("Rekomendasi #%(id)d dicatat.") % {"id": rec.pk})
            return redirect("candidacy:oversight_recommendation", recommendation_id=rec.pk)
    page = selectors.recommendation_page(
        user=user,
        election=election,
        status=request.GET.get("status", ""),
        pair_id=request.GET.get("paslon"),
        page=_int(request.GET.get("halaman")),
    )
    return render(
        request,
        "candidacy/oversight/recommendations.html",
        {
            "election": election,
            "page": page,
            "errors": errors,
            "posted": posted,
            "prefill": {"subject": request.GET.get("subjek", ""), "id": request.GET.get("id", "")},
            "subjects": BawasluRecommendation.Subject.choices,
            "status_choices": BawasluRecommendation.Status.choices,
            "pairs": Pair.objects.filter(election=election).order_by("ballot_number", "pk"),
            "can_recommend": permissions.can(user, "candidacy.recommend"),
        },
        status=400 if errors else 200,
    )


def _recommendation_or_404(request, election, recommendation_id):
    try:
        return selectors.recommendation(
            user=request.user, election=election, recommendation_id=recommendation_id
        )
    except BawasluRecommendation.DoesNotExist:
        raise Http404("no such recommendation") from None


@login_required
@require_GET
def recommendation(request, recommendation_id):
    election = _election()
    rec = _recommendation_or_404(request, election, recommendation_id)
    return _detail(request, election, rec)


def _detail(request, election, rec, **extra):
    region = rec.region_code or election.region_code
    return render(
        request,
        "candidacy/oversight/recommendation.html",
        {
            "election": election,
            "rec": rec,
            "can_answer": rec.status == BawasluRecommendation.Status.OPEN
            and permissions.can(request.user, "candidacy.recommendation_answer", region),
            **extra,
        },
        status=400 if extra.get("errors") else 200,
    )


@login_required
@require_POST
def recommendation_answer(request, recommendation_id):
    election = _election()
    rec = _recommendation_or_404(request, election, recommendation_id)
    decision = request.POST.get("decision", "")
    try:
        if decision not in ("followed", "not_followed"):
            raise services.OversightRefused(
                _("Pilih: ditindaklanjuti atau tidak ditindaklanjuti."), code="no_decision"
            )
        services.answer_recommendation(
            recommendation=rec,
            actor=request.user,
            followed=decision == "followed",
            answer=request.POST.get("answer", ""),
        )
    except services.OversightRefused as exc:
        return _detail(request, election, rec, errors=list(exc.messages), posted=request.POST)
    messages.success(request, _("Jawaban atas rekomendasi dicatat."))
    return redirect("candidacy:oversight_recommendation", recommendation_id=rec.pk)


urlpatterns = [
    path("pencalonan/pengawasan/", overview, name="oversight"),
    path(
        "pencalonan/pengawasan/paslon/<int:pair_id>/pendukung/",
        supporters,
        name="oversight_supporters",
    ),
    path(
        "pencalonan/pengawasan/paslon/<int:pair_id>/pendukung/ekspor.csv",
        supporters_export,
        name="oversight_supporters_export",
    ),
    path("pencalonan/pengawasan/tanggapan/", objections, name="oversight_objections"),
    path("pencalonan/pengawasan/rekomendasi/", recommendations, name="oversight_recommendations"),
    path(
        "pencalonan/pengawasan/rekomendasi/<int:recommendation_id>/",
        recommendation,
        name="oversight_recommendation",
    ),
    path(
        "pencalonan/pengawasan/rekomendasi/<int:recommendation_id>/jawab/",
        recommendation_answer,
        name="oversight_recommendation_answer",
    ),
]

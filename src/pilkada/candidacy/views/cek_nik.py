"""Pages of cek NIK dukungan (issue 4 part 7).

Public (no login), built like cek DPT (``voters/views/lookup.py``):

* ``cek-nik-dukungan/``: a NIK in, per pair the pair's name, a masked name and the status
  of the support out. The NIK travels in the POST body only (never in a URL, so never in
  access logs or the browser history) and is never echoed back. Every POST goes through
  ``core.public.public_lookup`` (per-client rate limits, a minimum answer time); each answer
  is padded to the same size, so neither time nor length tells a listed NIK from an
  unlisted one. Lookups are counted per outcome only (no NIK, not even a hash of it).
* ``cek-nik-dukungan/keberatan/``: the objection "Saya tidak memberikan dukungan ini",
  rate-limited as its own group. The NIK is sent again with the objection (typed again
  without JavaScript; copied from the lookup field by the page's script with it), so no
  NIK is ever kept in a session, a cookie or the page.

With JavaScript the forms post through HTMX and the answer box is replaced in place;
without it the same POSTs return the whole page.

Officers (``candidacy.objection_view``: KPU, Bawaslu): ``pencalonan/keberatan/`` lists the
objections with the counts per pair and status, filtered by pair, status and area; KPU
(``candidacy.objection_resolve``) resolves one by hand on its page.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections import Counter
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pilkada.accounts import permissions
from pilkada.core import clock
from pilkada.core.masking import log_unmasked_access, mask_name, mask_nik
from pilkada.core.public import public_lookup
from pilkada.core.selectors import current_election, current_election_or_404
from pilkada.regions.models import Region
from pilkada.schedule.gate import StageClosed
from pilkada.schedule.models import Election
from pilkada.schedule.selectors import Window, action_windows, pick_window

from ..models import Pair, SupportObjection
from ..selectors import cek_nik as selectors
from ..selectors import objections as objection_selectors
from ..services import objections as services

log = logging.getLogger("pilkada.candidacy.cek_nik")

#: A whole page is padded to a multiple of PAGE_BLOCK bytes, an HTMX answer to a multiple of
#: FRAGMENT_BLOCK: every outcome of one kind then has the same length (an answer listing a
#: NIK for one or two pairs, with the objection form, fits one block).
PAGE_BLOCK = 24576
FRAGMENT_BLOCK = 12288
_PAD_MARK = b"<!--pad-->"
#: How long a process keeps the election and the objection window (read on every POST).
CONTEXT_CACHE_SECONDS = 60
_CONTEXT_KEY = "candidacy:cek_nik:context"

_NIK_ERRORS = {
    "empty": gettext_lazy("NIK belum diisi."),
    "wrong_length": gettext_lazy("NIK harus terdiri dari 16 angka."),
    "non_digit": gettext_lazy("NIK hanya berisi angka (16 angka, tanpa huruf)."),
}
_NIK_INVALID = gettext_lazy(
    "Ini bukan NIK yang sah: periksa lagi angkanya dengan KTP-el atau Kartu Keluarga Anda."
)

# Outcomes of an objection POST, counted like the lookups (no NIK).
FILED = "objection_filed"
REFUSED = "objection_refused"
CLOSED = "objection_closed"
OBJECTION_OUTCOMES = (FILED, REFUSED, CLOSED)


@dataclass(frozen=True)
class PublicContext:
    """What the public pages need of the election, cached as plain values."""

    election_pk: int
    election_name: str
    windows: tuple[Window, ...]  # the windows of candidacy.support_objection

    def objection_window(self, day) -> Window | None:
        return pick_window(list(self.windows), day)

    def objections_open(self, day) -> bool:
        window = self.objection_window(day)
        return window is not None and window.contains(day)


def public_context() -> PublicContext | None:
    cached = cache.get(_CONTEXT_KEY)
    if cached is not None:
        return cached or None
    election = current_election()
    value = None
    if election is not None:
        windows = action_windows(election=election, action=services.OBJECTION_ACTION)
        value = PublicContext(election.pk, election.name, tuple(windows))
    cache.set(_CONTEXT_KEY, value or (), CONTEXT_CACHE_SECONDS)
    return value


_COUNTS: Counter = Counter()
_COUNTS_LOCK = threading.Lock()


def count_outcome(outcome: str) -> None:
    """Count one lookup or objection by day and outcome, in this process (no NIK, nothing
    per citizen), and log the outcome alone at INFO."""
    key = (clock.today().isoformat(), outcome)
    with _COUNTS_LOCK:
        _COUNTS[key] += 1
    log.info("cek_nik outcome=%s", outcome)


def outcome_counts(day=None) -> dict[str, int]:
    """The day's counts per outcome in this process."""
    day = (day or clock.today()).isoformat()
    with _COUNTS_LOCK:
        return {o: _COUNTS[(day, o)] for o in (*selectors.OUTCOMES, *OBJECTION_OUTCOMES)}


def reset_outcome_counts() -> None:
    with _COUNTS_LOCK:
        _COUNTS.clear()


def _padded(response, block: int):
    """Pad the answer to the next multiple of ``block`` bytes, inside an HTML comment."""
    content = response.content
    size = len(content) - len(_PAD_MARK) + len(b"<!---->")
    response.content = content.replace(_PAD_MARK, b"<!--" + b" " * (-size % block) + b"-->", 1)
    return response


def _is_htmx(request) -> bool:
    return request.META.get("HTTP_HX_REQUEST") == "true"


def _htmx_rate_limited(view):
    """Outside the public guard: an HTMX request that the guard stopped (429) gets the
    answer box saying so, with the same status and Retry-After, instead of a whole page."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 429 and _is_htmx(request):
            limited = HttpResponse(
                render_to_string("candidacy/cek_nik/_answer.html", {"rate_limited": True}),
                status=429,
            )
            limited["Retry-After"] = response["Retry-After"]
            return limited
        return response

    return wrapped


def _context(request, ctx: PublicContext) -> dict:
    today = clock.today()
    return {
        "election_name": ctx.election_name,
        "objections_open": ctx.objections_open(today),
        "objection_window": ctx.objection_window(today),
        "answer": None,
        "error": "",
        "padded": request.method == "POST",
        "values": {},
        "errors": {},
        "filing": None,
    }


def _respond(request, context: dict):
    if _is_htmx(request):
        fragment = render_to_string(
            "candidacy/cek_nik/_answer.html", {**context, "csrf_token": get_token(request)}
        )
        return _padded(HttpResponse(fragment), FRAGMENT_BLOCK)
    response = render(request, "candidacy/cek_nik/cek_nik.html", context)
    return _padded(response, PAGE_BLOCK) if context["padded"] else response


def _nik(request, context) -> str | None:
    nik, error = selectors.check_nik_format(request.POST.get("nik", ""), today=clock.today())
    if nik is None:
        context["error"] = _NIK_ERRORS.get(error, _NIK_INVALID)
    return nik


def _ctx_or_404() -> PublicContext:
    ctx = public_context()
    if ctx is None:
        raise Http404("no election")
    return ctx


@never_cache
@require_http_methods(["GET", "POST"])
@_htmx_rate_limited
@public_lookup("cek_nik")
def cek_nik(request):
    ctx = _ctx_or_404()
    context = _context(request, ctx)
    if request.method == "GET":
        return _respond(request, context)
    nik = _nik(request, context)
    if nik is None:
        count_outcome(selectors.INVALID)
    else:
        answer = selectors.cek_nik(election=ctx.election_pk, nik=nik)
        count_outcome(answer.outcome)
        context["answer"] = answer
    return _respond(request, context)


def _objection_values(request) -> dict:
    post = request.POST
    return {
        "contact_name": post.get("contact_name", "")[:400],
        "contact_phone": post.get("contact_phone", "")[:80],
        "contact_email": post.get("contact_email", "")[:300],
        "statement": post.get("statement", "")[: services.MAX_STATEMENT + 100],
        "declared": post.get("declared") == "1",
        "consent": post.get("consent") == "1",
        "pairs": [p for p in post.getlist("pair") if p.isdigit()][:20],
    }


@never_cache
@require_http_methods(["GET", "POST"])
@_htmx_rate_limited
@public_lookup("cek_nik_objection")
def objection(request):
    if request.method == "GET":
        return redirect("candidacy:cek_nik")
    ctx = _ctx_or_404()
    context = _context(request, ctx)
    values = _objection_values(request)
    context["values"] = values
    nik = _nik(request, context)
    if nik is None:
        count_outcome(REFUSED)
        return _respond(request, context)
    election = Election.objects.get(pk=ctx.election_pk)
    try:
        filing = services.file_objection(
            election=election,
            nik=nik,
            contact_name=values["contact_name"],
            contact_phone=values["contact_phone"],
            contact_email=values["contact_email"],
            statement=values["statement"],
            declared=values["declared"],
            consent=values["consent"],
            pair_ids=[int(p) for p in values["pairs"]],
            actor=request.user,
        )
    except StageClosed:
        count_outcome(CLOSED)
        context["objections_open"] = False
    except services.ObjectionRefused as exc:
        count_outcome(REFUSED)
        context["errors"] = exc.fields
    else:
        count_outcome(FILED)
        context["filing"] = filing
        context["values"] = {}
    context["answer"] = selectors.cek_nik(election=election, nik=nik)
    return _respond(request, context)


# --- officers: the objections and their resolution -----------------------------------


def _require(user, action: str) -> None:
    if not permissions.can(user, action):
        raise PermissionDenied(action)


def _area_choices(user, election) -> list[tuple[str, str]]:
    scope = election.region_code
    if not permissions.is_operator(user) and user.region_code.startswith(scope):
        scope = user.region_code
    return list(
        Region.objects.filter(level__in=("kabkota", "kecamatan"), code__startswith=scope)
        .order_by("code")
        .values_list("code", "name")
    )


def _int_or_none(value) -> int | None:
    return int(value) if value and str(value).isdigit() else None


@login_required
def objections_page(request):
    election = current_election_or_404()
    _require(request.user, objection_selectors.VIEW_PERMISSION)
    pair_id = _int_or_none(request.GET.get("paslon"))
    status = request.GET.get("status") or ""
    region = (request.GET.get("wilayah") or "").replace(".", "").strip()
    try:
        counts = objection_selectors.objection_counts(
            user=request.user, election=election, region_code=region or None
        )
        items = objection_selectors.objections(
            user=request.user,
            election=election,
            pair_id=pair_id,
            status=status or None,
            region_code=region or None,
        )
    except objection_selectors.BadFilter:
        raise Http404("bad filter") from None
    page = Paginator(items, 100).get_page(request.GET.get("page"))
    kel_names = dict(
        Region.objects.filter(
            code__in={o.supporter.region_code for o in page.object_list}
        ).values_list("code", "name")
    )
    rows = [
        {
            "o": o,
            "masked_name": mask_name(o.supporter.nama),
            "masked_nik": mask_nik(o.supporter.nik),
            "kelurahan": kel_names.get(o.supporter.region_code, ""),
        }
        for o in page.object_list
    ]
    totals = {s: sum(getattr(c, s) for c in counts) for s in objection_selectors.STATUSES}
    return render(
        request,
        "candidacy/cek_nik/objections.html",
        {
            "election": election,
            "counts": counts,
            "totals": totals,
            "total": sum(totals.values()),
            "rows": rows,
            "page": page,
            "pairs": Pair.objects.filter(election=election, path=Pair.Path.INDEPENDENT),
            "statuses": SupportObjection.Status.choices,
            "areas": _area_choices(request.user, election),
            "filters": {"paslon": pair_id, "status": status, "wilayah": region},
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def objection_detail(request, receipt):
    election = current_election_or_404()
    _require(request.user, objection_selectors.VIEW_PERMISSION)
    try:
        item = objection_selectors.get_objection(
            user=request.user, election=election, receipt=receipt
        )
    except SupportObjection.DoesNotExist:
        raise Http404("no such objection in your scope") from None
    can_resolve = permissions.can(
        request.user,
        services.RESOLVE_PERMISSION,
        item.supporter.region_code or election.region_code,
    )
    errors: dict = {}
    if request.method == "POST":
        if not can_resolve:
            raise PermissionDenied(services.RESOLVE_PERMISSION)
        try:
            services.resolve_objection(
                objection=item,
                actor=request.user,
                status=request.POST.get("status", ""),
                note=request.POST.get("note", ""),
            )
        except services.ObjectionRefused as exc:
            errors = exc.fields
        else:
            messages.success(request, _("Keputusan atas keberatan sudah dicatat."))
            return redirect("candidacy:objection_detail", receipt=item.receipt)
    # The reporter's contact details are personal data shown in full: logged.
    log_unmasked_access(
        actor=request.user,
        what="candidacy.objection_detail",
        object_type="candidacy.SupportObjection",
        object_ids=[item.pk],
        reason="reporter contact",
    )
    supporter = item.supporter
    kelurahan = Region.objects.filter(code=supporter.region_code).values_list("name", flat=True)
    return render(
        request,
        "candidacy/cek_nik/objection_detail.html",
        {
            "o": item,
            "supporter": supporter,
            "masked_name": mask_name(supporter.nama),
            "masked_nik": mask_nik(supporter.nik),
            "kelurahan": kelurahan.first() or "",
            "can_resolve": can_resolve and item.status == SupportObjection.Status.OPEN,
            "errors": errors,
            "values": request.POST if request.method == "POST" else {},
            "resolutions": [(s.value, s.label) for s in services.RESOLUTIONS],
        },
        status=400 if errors else 200,
    )


urlpatterns = [
    path("cek-nik-dukungan/", cek_nik, name="cek_nik"),
    path("cek-nik-dukungan/keberatan/", objection, name="cek_nik_objection"),
    path("pencalonan/keberatan/", objections_page, name="objections"),
    path("pencalonan/keberatan/<str:receipt>/", objection_detail, name="objection_detail"),
]

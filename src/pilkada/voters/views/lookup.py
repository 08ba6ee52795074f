"""Pages of the voter register: cek DPT, the public check of one's registration.

No login. The NIK travels in a POST body (never in a URL, so never in access logs or the
browser history) and is never echoed back beyond the masked name. Every POST goes through
``core.public.public_lookup``: per-client rate limits (429 page) and a minimum answer time.
Each answer is padded to the same size, so neither its time nor its length tells a listed
NIK from an unlisted one. Lookups are logged as counts per outcome only (no NIK, not even a
hash of it: a hashed 16-digit NIK is trivially reversible, so it is personal data too).

With JavaScript the form posts through HTMX and the answer (a small fragment) replaces the
answer box in place; without it the same POST returns the whole page.
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import logging
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, replace

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.cache import add_never_cache_headers
from django.utils.http import http_date
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from pilkada.core import clock
from pilkada.core.public import public_lookup
from pilkada.core.selectors import current_election
from pilkada.schedule.models import Election

from ..selectors import lookup as selectors

log = logging.getLogger("pilkada.voters.lookup")

#: A whole page is padded to a multiple of PAGE_BLOCK bytes, an HTMX answer to a multiple of
#: FRAGMENT_BLOCK: every outcome of one kind then has the same length.
PAGE_BLOCK = 16384
FRAGMENT_BLOCK = 4096
_PAD_MARK = b"<!--pad-->"
#: How long a process keeps the current election (the page's hottest read).
ELECTION_CACHE_SECONDS = 60

_NIK_ERRORS = {
    "empty": _("NIK belum diisi."),
    "wrong_length": _("NIK harus terdiri dari 16 angka."),
    "non_digit": _("NIK hanya berisi angka (16 angka, tanpa huruf)."),
}
_NIK_INVALID = _(
    "Ini bukan NIK yang sah: periksa lagi angkanya dengan KTP-el atau Kartu Keluarga Anda."
)


@dataclass(frozen=True)
class PublicElection:
    """What the public page shows of the election (cached as plain values)."""

    pk: int
    name: str
    voting_day: dt.date


#: (valid until, in time.monotonic(); the election or None), replaced whole.
_election: tuple[float, PublicElection | None] = (0.0, None)


def public_election() -> PublicElection | None:
    """The installation's election (``core.selectors.current_election``), kept in this
    process for ``ELECTION_CACHE_SECONDS`` and forgotten as soon as an election is saved
    or deleted in this process (:func:`forget_public_election`)."""
    global _election
    until, value = _election
    now = time.monotonic()
    if now < until:
        return value
    election = current_election()
    value = PublicElection(election.pk, election.name, election.voting_day) if election else None
    _election = (now + ELECTION_CACHE_SECONDS, value)
    return value


def forget_public_election(**_kwargs) -> None:
    """Drop the kept election (a receiver of Election's post_save and post_delete)."""
    global _election
    _election = (0.0, None)


post_save.connect(forget_public_election, sender=Election, dispatch_uid="cek_dpt_election")
post_delete.connect(forget_public_election, sender=Election, dispatch_uid="cek_dpt_election")


#: (second of time.time(), PILKADA_TODAY, the election clock's date then), replaced whole.
_today: tuple[int, object, dt.date | None] = (0, None, None)


def election_today() -> dt.date:
    """``core.clock.today()``, asked at most once a second (per PILKADA_TODAY value): the
    date is the same for every lookup of that second, and asking the clock (settings, the
    current time zone, a conversion) costs nearly as much as checking a NIK."""
    global _today
    second, fixed = int(time.time()), getattr(settings, "PILKADA_TODAY", None)
    if _today[0] == second and _today[1] == fixed:
        return _today[2]
    day = clock.today()
    _today = (second, fixed, day)
    return day


_COUNTS: Counter = Counter()
_COUNTS_LOCK = threading.Lock()


def count_lookup(outcome: str, *, today: dt.date | None = None) -> None:
    """Count one lookup by day (``today``, default the election clock's) and outcome, in
    this process (no NIK, no database write, nothing per citizen), and log the outcome
    alone at INFO."""
    key = ((today or clock.today()).isoformat(), outcome)
    with _COUNTS_LOCK:
        _COUNTS[key] += 1
    log.info("cek_dpt outcome=%s", outcome)


def lookup_counts(day=None) -> dict[str, int]:
    """The day's counts per outcome in this process (the web server is one process)."""
    day = (day or clock.today()).isoformat()
    with _COUNTS_LOCK:
        return {o: _COUNTS[(day, o)] for o in selectors.OUTCOMES}


def reset_lookup_counts() -> None:
    with _COUNTS_LOCK:
        _COUNTS.clear()


def _pad(content: bytes, block: int) -> bytes:
    """``content`` padded to the next multiple of ``block`` bytes, inside an HTML comment."""
    size = len(content) - len(_PAD_MARK) + len(b"<!---->")
    return content.replace(_PAD_MARK, b"<!--" + b" " * (-size % block) + b"-->", 1)


def _padded(response, block: int):
    """Pad the response's content (:func:`_pad`)."""
    response.content = _pad(response.content, block)
    return response


#: The answer fragment is rendered once per language, outcome and election with a marker in
#: each slot that varies per voter, and filled per request: the public page is the hottest
#: page of the system, and the template stays the one source of its text.
_SLOTS = ("masked_name", "tps_number", "tps_address", "kelurahan", "kecamatan", "kabkota")
_SLOT_RE = re.compile(r"@@(" + "|".join(_SLOTS) + r")@@")
#: Per key, the shell split at its markers: text, slot name, text, ..., text.
_SHELLS: dict[tuple, tuple[str, ...]] = {}
_SHELLS_MAX = 512


def answer_fragment(context: dict, *, language: str | None = None) -> str:
    """The HTML of the answer box (``voters/lookup/_answer.html``) for ``context``, in the
    active language (``language``: its code when the caller knows it, e.g. the request's
    ``LANGUAGE_CODE`` that LocaleMiddleware activated)."""
    answer = context["answer"]
    election = context["election"]
    key = (
        language or get_language(),
        answer.outcome if answer else "",
        bool(answer and answer.tps_address),
        str(context["error"]),
        election.pk,
        election.voting_day,
    )
    parts = _SHELLS.get(key)
    if parts is None:
        marked = replace(answer, **{s: f"@@{s}@@" for s in _SLOTS}) if answer else None
        # No request: the fragment holds no user, CSRF token or other context processor.
        shell = render_to_string("voters/lookup/_answer.html", {**context, "answer": marked})
        parts = tuple(_SLOT_RE.split(shell))
        if len(_SHELLS) >= _SHELLS_MAX:
            _SHELLS.clear()
        _SHELLS[key] = parts
    if len(parts) == 1:
        return parts[0]
    filled = list(parts)
    for i in range(1, len(filled), 2):
        # html.escape is what django.utils.html.escape does to a str, without its
        # lazy-string wrapper.
        filled[i] = html.escape(getattr(answer, filled[i]))
    return "".join(filled)


def _is_htmx(request) -> bool:
    return request.META.get("HTTP_HX_REQUEST") == "true"


#: The Cache-Control that Django's ``never_cache`` writes on a response without one.
_NEVER_CACHE = "max-age=0, no-cache, no-store, must-revalidate, private"
_http_date: tuple[int, str] = (0, "")


def never_cache(view):
    """Django's ``never_cache`` for this page: the same headers (Cache-Control above and an
    Expires of now), without parsing and re-joining Cache-Control on every answer. The
    HTTP date is formatted once per second. A response that already carries Cache-Control
    goes through Django's ``add_never_cache_headers``."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        global _http_date
        response = view(request, *args, **kwargs)
        if response.has_header("Cache-Control"):
            add_never_cache_headers(response)
            return response
        if not response.has_header("Expires"):
            now = int(time.time())
            if _http_date[0] != now:
                _http_date = (now, http_date(now))
            response.headers["Expires"] = _http_date[1]
        response.headers["Cache-Control"] = _NEVER_CACHE
        return response

    return wrapped


def htmx_rate_limited(view):
    """Outside the public guard: an HTMX request that the guard stopped (429) gets the
    answer box saying so, with the same status and Retry-After, instead of a whole page."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if response.status_code == 429 and _is_htmx(request):
            limited = render(
                request, "voters/lookup/_answer.html", {"rate_limited": True}, status=429
            )
            limited["Retry-After"] = response["Retry-After"]
            return limited
        return response

    return wrapped


@never_cache
@require_http_methods(["GET", "POST"])
@htmx_rate_limited
@public_lookup("cek_dpt")
def cek_dpt(request):
    election = public_election()
    if election is None:
        raise Http404("no election")
    context = {"election": election, "answer": None, "error": ""}
    if request.method == "GET":
        return render(request, "voters/lookup/cek_dpt.html", context)
    today = election_today()
    nik, error = selectors.check_nik_format(request.POST.get("nik", ""), today=today)
    if nik is None:
        count_lookup(selectors.INVALID, today=today)
        context["error"] = _NIK_ERRORS.get(error, _NIK_INVALID)
    else:
        answer = selectors.cek_dpt(election=election.pk, nik=nik)
        count_lookup(answer.outcome, today=today)
        context["answer"] = answer
    context["padded"] = True
    if _is_htmx(request):
        fragment = answer_fragment(context, language=getattr(request, "LANGUAGE_CODE", None))
        return HttpResponse(_pad(fragment.encode(), FRAGMENT_BLOCK))
    return _padded(render(request, "voters/lookup/cek_dpt.html", context), PAGE_BLOCK)


urlpatterns = [path("cek-dpt/", cek_dpt, name="cek_dpt")]

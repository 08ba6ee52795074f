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
import logging
import re
import threading
from collections import Counter
from dataclasses import dataclass, replace

from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.html import escape
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from pilkada.core import clock
from pilkada.core.public import public_lookup
from pilkada.core.selectors import current_election

from ..selectors import lookup as selectors

log = logging.getLogger("pilkada.voters.lookup")

#: A whole page is padded to a multiple of PAGE_BLOCK bytes, an HTMX answer to a multiple of
#: FRAGMENT_BLOCK: every outcome of one kind then has the same length.
PAGE_BLOCK = 16384
FRAGMENT_BLOCK = 4096
_PAD_MARK = b"<!--pad-->"
#: How long a process keeps the current election (the page's hottest read) in the cache.
ELECTION_CACHE_SECONDS = 60
_ELECTION_KEY = "voters:cek_dpt:election"

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


def public_election() -> PublicElection | None:
    """The installation's election (``core.selectors.current_election``), cached briefly."""
    cached = cache.get(_ELECTION_KEY)
    if cached is not None:
        return PublicElection(*cached) if cached else None
    election = current_election()
    value = (election.pk, election.name, election.voting_day) if election else ()
    cache.set(_ELECTION_KEY, value, ELECTION_CACHE_SECONDS)
    return PublicElection(*value) if value else None


_COUNTS: Counter = Counter()
_COUNTS_LOCK = threading.Lock()


def count_lookup(outcome: str) -> None:
    """Count one lookup by day and outcome, in this process (no NIK, no database write,
    nothing per citizen), and log the outcome alone at INFO."""
    key = (clock.today().isoformat(), outcome)
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


def _padded(response, block: int):
    """Pad the answer to the next multiple of ``block`` bytes, inside an HTML comment."""
    content = response.content
    size = len(content) - len(_PAD_MARK) + len(b"<!---->")
    response.content = content.replace(_PAD_MARK, b"<!--" + b" " * (-size % block) + b"-->", 1)
    return response


#: The answer fragment is rendered once per language, outcome and election with a marker in
#: each slot that varies per voter, and filled per request: the public page is the hottest
#: page of the system, and the template stays the one source of its text.
_SLOTS = ("masked_name", "tps_number", "tps_address", "kelurahan", "kecamatan", "kabkota")
_SLOT_RE = re.compile(r"@@(" + "|".join(_SLOTS) + r")@@")
_SHELLS: dict[tuple, str] = {}
_SHELLS_MAX = 512


def answer_fragment(context: dict) -> str:
    """The HTML of the answer box (``voters/lookup/_answer.html``) for ``context``."""
    answer = context["answer"]
    election = context["election"]
    key = (
        get_language(),
        answer.outcome if answer else "",
        bool(answer and answer.tps_address),
        str(context["error"]),
        election.pk,
        election.voting_day,
    )
    shell = _SHELLS.get(key)
    if shell is None:
        marked = replace(answer, **{s: f"@@{s}@@" for s in _SLOTS}) if answer else None
        # No request: the fragment holds no user, CSRF token or other context processor.
        shell = render_to_string("voters/lookup/_answer.html", {**context, "answer": marked})
        if len(_SHELLS) >= _SHELLS_MAX:
            _SHELLS.clear()
        _SHELLS[key] = shell
    if answer is None:
        return shell
    return _SLOT_RE.sub(lambda m: escape(getattr(answer, m.group(1))), shell)


def _is_htmx(request) -> bool:
    return request.META.get("HTTP_HX_REQUEST") == "true"


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
    nik, error = selectors.check_nik_format(request.POST.get("nik", ""), today=clock.today())
    if nik is None:
        count_lookup(selectors.INVALID)
        context["error"] = _NIK_ERRORS.get(error, _NIK_INVALID)
    else:
        answer = selectors.cek_dpt(election=election.pk, nik=nik)
        count_lookup(answer.outcome)
        context["answer"] = answer
    context["padded"] = True
    if _is_htmx(request):
        return _padded(HttpResponse(answer_fragment(context)), FRAGMENT_BLOCK)
    return _padded(render(request, "voters/lookup/cek_dpt.html", context), PAGE_BLOCK)


urlpatterns = [path("cek-dpt/", cek_dpt, name="cek_dpt")]

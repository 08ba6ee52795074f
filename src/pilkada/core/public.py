"""Guards of the public lookups (cek DPT, cek NIK dukungan): rate limits per client and a
constant cost, so that the public pages cannot be used to enumerate the register.

Indonesia's 2023 leak of 204 million voter records is the failure designed against: a
lookup answers one NIK at a time, never reveals more than its page shows, costs an
unlisted NIK the same as a listed one, and a client that asks too often is stopped.
"""

from __future__ import annotations

import functools
import time
from contextlib import contextmanager

from django.conf import settings
from django.shortcuts import render
from django_ratelimit.core import is_ratelimited


def client_ip(request) -> str:
    """The client's address. Behind ``PILKADA_TRUSTED_PROXIES`` reverse proxies, the address
    that the nearest untrusted hop gave (X-Forwarded-For, counted from the right); else the
    socket's address. Used as django-ratelimit's key (settings.RATELIMIT_IP_META_KEY)."""
    hops = int(getattr(settings, "PILKADA_TRUSTED_PROXIES", 0) or 0)
    if hops:
        forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [a for a in forwarded if a]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.META.get("REMOTE_ADDR", "")


@contextmanager
def min_duration(seconds: float):
    """Make the block take at least ``seconds``: a listed and an unlisted NIK cost the
    client the same time, whatever the database did."""
    start = time.perf_counter()
    try:
        yield
    finally:
        left = seconds - (time.perf_counter() - start)
        if left > 0:
            time.sleep(left)


def public_lookup(group: str):
    """Decorate a public lookup view: POST answers are rate-limited per client (the limits in
    ``settings.PILKADA_PUBLIC_LOOKUP_RATES``, e.g. ``["10/m", "60/h"]``) and padded to
    ``settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS``. A limited client gets 429 with the
    page that says when to try again; GET (the empty form) is not counted."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                for rate in settings.PILKADA_PUBLIC_LOOKUP_RATES:
                    if is_ratelimited(
                        request, group=f"{group}:{rate}", key="ip", rate=rate, increment=True
                    ):
                        response = render(
                            request, "core/rate_limited.html", {"rate": rate}, status=429
                        )
                        response["Retry-After"] = _retry_after(rate)
                        return response
                with min_duration(settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS):
                    return view(request, *args, **kwargs)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _retry_after(rate: str) -> str:
    period = rate.split("/")[1]
    return str({"s": 1, "m": 60, "h": 3600, "d": 86400}.get(period[-1], 60))

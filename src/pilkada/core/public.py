"""Guards of the public lookups (cek DPT, cek NIK dukungan): rate limits per client and a
constant cost, so that the public pages cannot be used to enumerate the register.

Indonesia's 2023 leak of 204 million voter records is the failure designed against: a
lookup answers one NIK at a time, never reveals more than its page shows, costs an
unlisted NIK the same as a listed one, and a client that asks too often is stopped.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import time
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
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


def client_network(address: str) -> str:
    """The network that counts as one client, as django-ratelimit's ``key="ip"`` counts it:
    an IPv4 address on its own (``RATELIMIT_IPV4_MASK``, default 32) and the /64 of an IPv6
    address (``RATELIMIT_IPV6_MASK``, default 64: one line, phone or household gets a whole
    /64, so counting single IPv6 addresses would let one client count as billions). Unlike
    django-ratelimit, an IPv4 address written as IPv6 (``::ffff:203.0.113.9``, what a
    dual-stack socket reports) counts as the IPv4 address, not as the /64 that all such
    addresses share."""
    return _network(
        address,
        getattr(settings, "RATELIMIT_IPV4_MASK", 32),
        getattr(settings, "RATELIMIT_IPV6_MASK", 64),
    )


@functools.lru_cache(maxsize=4096)
def _network(address: str, ipv4_mask: int, ipv6_mask: int) -> str:
    if not address:
        raise ImproperlyConfigured(
            "No client address (REMOTE_ADDR is empty, e.g. behind a proxy on a Unix socket): "
            "set PILKADA_TRUSTED_PROXIES so that X-Forwarded-For is read."
        )
    ip = ipaddress.ip_address(address)
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    mask = ipv4_mask if ip.version == 4 else ipv6_mask
    return str(ipaddress.ip_network(f"{ip}/{mask}", strict=False).network_address)


def client_key(group: str, request) -> str:
    """django-ratelimit's key for the public lookups (``key=client_key``): the client's
    network (:func:`client_network` of :func:`client_ip`), worked out once per request and
    shared by all its rates: what ``key="ip"`` with ``RATELIMIT_IP_META_KEY = client_ip``
    gives (but see :func:`client_network` on IPv4 written as IPv6), without importing that
    function by name and parsing the address again for every rate."""
    key = request.__dict__.get("_pilkada_client_key")
    if key is None:
        key = request._pilkada_client_key = client_network(client_ip(request))
    return key


@contextmanager
def min_duration(seconds: float):
    """Make the block take at least ``seconds``: a listed and an unlisted NIK cost the
    client the same time, whatever the database did."""
    start = time.perf_counter()
    try:
        yield
    finally:
        _sleep_rest(start, seconds)


def _sleep_rest(start: float, seconds: float) -> None:
    """Sleep until ``seconds`` have passed since ``start`` (a time.perf_counter())."""
    left = seconds - (time.perf_counter() - start)
    if left > 0:
        time.sleep(left)


def public_lookup(group: str):
    """Decorate a public lookup view: POST answers are rate-limited per client (the limits in
    ``settings.PILKADA_PUBLIC_LOOKUP_RATES``, e.g. ``["10/m", "60/h"]``) and padded to
    ``settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS``. A limited client gets 429 with the
    page that says when to try again; GET (the empty form) is not counted. A client is its
    network (:func:`client_key`); each rate has its own counter."""

    def decorator(view):
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method == "POST":
                for rate, limit in parse_rates(tuple(settings.PILKADA_PUBLIC_LOOKUP_RATES)):
                    if is_ratelimited(
                        request, group=f"{group}:{rate}", key=client_key, rate=limit, increment=True
                    ):
                        response = render(
                            request, "core/rate_limited.html", {"rate": rate}, status=429
                        )
                        response["Retry-After"] = str(limit[1])
                        return response
                # min_duration, inline: this wraps the hottest public pages.
                start = time.perf_counter()
                try:
                    return view(request, *args, **kwargs)
                finally:
                    _sleep_rest(start, settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


_RATE = re.compile(r"(\d+)/(\d*)([smhd])")
_PERIOD_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@functools.lru_cache(maxsize=64)
def parse_rates(rates: tuple[str, ...]) -> tuple[tuple[str, tuple[int, int]], ...]:
    """Each rate in django-ratelimit's notation (``"10/m"``, ``"100/h"``, ``"30/5m"``) with
    its (requests, window seconds) -- the form django-ratelimit takes without parsing the
    text again on every check, and counts under the same cache key. Parsed once per
    setting; a rate that is not in that notation is a configuration error (django-ratelimit
    would read ``"10/M"`` as ten per second)."""
    parsed = []
    for text in rates:
        rate = text.strip()
        match = _RATE.fullmatch(rate)
        if match is None:
            raise ImproperlyConfigured(
                f"PILKADA_PUBLIC_LOOKUP_RATES: {text!r} is not a rate such as 10/m or 100/h"
            )
        count, multiplier, unit = match.groups()
        parsed.append((rate, (int(count), int(multiplier or 1) * _PERIOD_SECONDS[unit])))
    return tuple(parsed)

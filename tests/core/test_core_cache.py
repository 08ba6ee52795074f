"""The default cache of a single-process installation: room for the rate-limit counters."""

import warnings

import pytest
from django.core.cache import CacheKeyWarning, caches
from django.http import HttpResponse
from django.test import RequestFactory

from pilkada.core.cache import DEFAULT_MAX_ENTRIES, LocalMemoryCache
from pilkada.core.public import public_lookup

LOCAL = {"default": {"BACKEND": "pilkada.core.cache.LocalMemoryCache", "LOCATION": "test"}}


@public_lookup("cache-test")
def lookup(request):
    return HttpResponse("ok")


@pytest.fixture
def local_cache(settings):
    settings.CACHES = LOCAL
    settings.RATELIMIT_USE_CACHE = "default"
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0.0
    caches["default"].clear()
    yield caches["default"]
    caches["default"].clear()


def test_it_has_room_for_the_counters_unless_told_otherwise():
    assert LocalMemoryCache("a", {})._max_entries == DEFAULT_MAX_ENTRIES
    assert LocalMemoryCache("b", {"OPTIONS": {"MAX_ENTRIES": 10}})._max_entries == 10


def test_it_counts_like_locmem(local_cache):
    assert isinstance(local_cache, LocalMemoryCache)
    assert local_cache.add("k", 1, 60)
    assert not local_cache.add("k", 5, 60)
    assert local_cache.incr("k") == 2
    assert local_cache.get("k") == 2
    assert local_cache.add("expired", 1, 0)  # stored already expired
    assert local_cache.add("expired", 7, 60)
    assert local_cache.get("expired") == 7
    with pytest.raises(ValueError):
        local_cache.incr("missing")


def test_keys_memcached_would_refuse_still_get_djangos_warning():
    cache = LocalMemoryCache("c", {})
    with warnings.catch_warnings():
        warnings.simplefilter("error", CacheKeyWarning)
        cache.set("rl:" + "a" * 64, 1)  # a rate-limit key: no warning
        with pytest.raises(CacheKeyWarning):
            cache.set("a key with spaces", 1)
        with pytest.raises(CacheKeyWarning):
            cache.set("k" * 300, 1)


def test_an_enumerator_rotating_through_many_addresses_is_still_limited(settings, local_cache):
    """With LocMemCache's 300 entries, the counters of 200 addresses (two rates each) were
    culled before any reached its limit, and no address was ever stopped."""
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["2/d", "100/d"]
    addresses = [f"10.1.{i // 250}.{i % 250}" for i in range(200)]
    statuses = [
        lookup(RequestFactory().post("/cek/", REMOTE_ADDR=a)).status_code
        for _ in range(3)
        for a in addresses
    ]
    assert statuses[: 2 * len(addresses)] == [200] * (2 * len(addresses))
    # Every third request is refused (a client whose daily window happens to end during
    # the test starts again: django-ratelimit staggers the windows per client).
    assert statuses[2 * len(addresses) :].count(429) >= len(addresses) - 2

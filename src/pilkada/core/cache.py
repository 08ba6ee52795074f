"""The default cache of a single-process installation: Django's LocMemCache, made fit for
the rate limits of the public lookups.

django-ratelimit keeps one counter per client, rate and window in the default cache
(``cache.add`` then ``cache.incr`` on every checked request). Two things of LocMemCache
stand in its way, and :class:`LocalMemoryCache` changes only those:

* **room** -- LocMemCache keeps 300 entries (``MAX_ENTRIES``) and culls the least recently
  used third when full. With two counters per client, an enumerator rotating through a
  couple of hundred addresses has its counters culled before any reaches its limit: the
  limit never bites. Here ``MAX_ENTRIES`` defaults to 500,000 (the two rates of 250,000
  clients in one window, about 150 MB when full); ``OPTIONS["MAX_ENTRIES"]`` still wins.
* **key checks** -- every call checks the key for memcached portability through a
  generator, the warnings machinery and a lazily compiled pattern behind a proxy object,
  which costs more than the rest of an ``incr``. Here the same two conditions (length;
  control characters and spaces) are tested directly, and only a key that fails one goes
  through Django's check to get its warning.

Everything else (pickled copies, expiry, least-recently-used culling, one store per
LOCATION in the process) is LocMemCache's. One process only: several server processes
need a shared cache (``PILKADA_CACHE_BACKEND``, e.g. Redis) for their counters.
"""

from __future__ import annotations

import re

from django.core.cache.backends.base import MEMCACHE_MAX_KEY_LENGTH
from django.core.cache.backends.locmem import LocMemCache

#: Room for the counters of 250,000 clients (two rates each) within their windows.
DEFAULT_MAX_ENTRIES = 500_000
#: Django's ``memcached_error_chars_re``, compiled now rather than behind a lazy object.
_MEMCACHED_ERROR_CHARS = re.compile(r"[\x00-\x20\x7f]")


class LocalMemoryCache(LocMemCache):
    """LocMemCache with room for the rate-limit counters and a cheaper key check."""

    def __init__(self, name: str, params: dict):
        super().__init__(name, params)
        if "max_entries" not in params and "MAX_ENTRIES" not in params.get("OPTIONS", {}):
            self._max_entries = DEFAULT_MAX_ENTRIES

    def validate_key(self, key: str) -> None:
        """Django's memcached-portability warnings, checked only for a key that needs one."""
        if len(key) > MEMCACHE_MAX_KEY_LENGTH or _MEMCACHED_ERROR_CHARS.search(key):
            super().validate_key(key)

"""The hash chain: the canonical form of an audit entry and its hash.

Pure functions, no database: anyone can re-implement them to check an exported log.

An entry's hash is SHA-256 (hex) over the UTF-8 bytes of the canonical JSON of::

    {"v": 1, "seq": ..., "at": ..., "actor_id": ..., "actor": ..., "role": ...,
     "region_code": ..., "action": ..., "object_type": ..., "object_id": ...,
     "old": ..., "new": ..., "request_id": ..., "prev_hash": ...}

* canonical JSON: keys sorted, separators ``,`` and ``:`` (no spaces), non-ASCII written as
  UTF-8 (not escaped), NaN/Infinity refused — Python's ``json.dumps(value, sort_keys=True,
  separators=(",", ":"), ensure_ascii=False, allow_nan=False)``;
* ``at`` in UTC with microseconds: ``2024-07-01T03:04:05.123456+00:00``;
* ``old`` and ``new`` exactly as stored (they pass through :func:`to_audit_value` first,
  so what is hashed is what the database gives back);
* ``prev_hash`` is the previous entry's hash; the first entry's is 64 zeros.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import math
import uuid
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from django.db import models
from django.utils.functional import Promise

CHAIN_FORMAT = 1
GENESIS_HASH = "0" * 64

# The fields of an entry that its hash covers, in the order the verifier reads them.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor",
    "role",
    "region_code",
    "action",
    "object_type",
    "object_id",
    "old",
    "new",
    "request_id",
    "prev_hash",
)


def to_audit_value(value: Any) -> Any:
    """Convert ``value`` to plain JSON (dict, list, str, int, float, bool, None), deterministically.

    * ``date`` / ``time`` -> ISO 8601; aware ``datetime`` -> UTC ISO with microseconds
      (naive datetimes are refused: their instant is ambiguous);
    * ``Decimal`` -> its string (``Decimal("7.50")`` -> ``"7.50"``, the scale is kept);
    * a float with an integral value -> int (``2.0`` -> ``2``: PostgreSQL's jsonb would
      give ``1e16`` back as an integer, which would break the hash); NaN/Infinity refused;
    * UUID, path, lazy translation -> str; enum -> its value;
    * tuple -> list; set -> sorted list; mapping keys -> str.

    Bytes, model instances and anything else raise ``TypeError``: record a hash, a pk or a
    dict of the fields that matter instead.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, enum.Enum):
        return to_audit_value(value.value)
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("audit values may not contain NUL characters")
        return str(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"audit values must be finite numbers, not {value!r}")
        return int(value) if value.is_integer() else value
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"audit values must be finite numbers, not {value!r}")
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value!r} in an audit value: make it aware")
        return iso_utc(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | PurePath | Promise):
        return str(value)
    if isinstance(value, Mapping):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise TypeError(f"audit mapping keys must be str or int, not {key!r}")
            out[str(key)] = to_audit_value(item)
        return out
    if isinstance(value, list | tuple):
        return [to_audit_value(item) for item in value]
    if isinstance(value, set | frozenset):
        items = [to_audit_value(item) for item in value]
        return sorted(items, key=canonical_json)
    if isinstance(value, models.Model):
        raise TypeError(
            f"a model instance ({value!r}) is not an audit value: record its pk or fields"
        )
    raise TypeError(f"{type(value).__name__} is not an audit value: {value!r}")


def canonical_json(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


def iso_utc(at: dt.datetime) -> str:
    """``at`` in UTC, ISO 8601 with microseconds: ``2024-07-01T03:04:05.000000+00:00``."""
    if at.tzinfo is None:  # only with USE_TZ=False; pilkada always stores aware UTC
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")


def entry_payload(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The dict whose canonical JSON is hashed. ``fields`` holds at least HASHED_FIELDS."""
    payload: dict[str, Any] = {"v": CHAIN_FORMAT}
    for name in HASHED_FIELDS:
        payload[name] = fields[name]
    payload["at"] = iso_utc(fields["at"])
    return payload


def compute_hash(fields: Mapping[str, Any]) -> str:
    data = canonical_json(entry_payload(fields)).encode("utf-8")
    return hashlib.sha256(data).hexdigest()

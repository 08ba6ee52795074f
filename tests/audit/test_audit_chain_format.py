"""The canonical form and hash of an entry: pure functions, no database."""

import datetime as dt
import decimal
import enum
import hashlib
import uuid
import zoneinfo

import pytest

from pilkada.audit.chain import (
    GENESIS_HASH,
    HASHED_FIELDS,
    canonical_json,
    compute_hash,
    entry_payload,
    iso_utc,
    to_audit_value,
)

JAKARTA = zoneinfo.ZoneInfo("Asia/Jakarta")


class Colour(enum.Enum):
    RED = "merah"


def test_to_audit_value_converts_deterministically():
    value = {
        "day": dt.date(2024, 6, 24),
        "at": dt.datetime(2024, 6, 24, 8, 0, tzinfo=JAKARTA),
        "share": decimal.Decimal("7.50"),
        "whole": 2.0,
        "half": 0.5,
        "id": uuid.UUID(int=1),
        "colour": Colour.RED,
        "tags": {"b", "a"},
        "pair": (1, 2),
        3: "int key",
    }
    assert to_audit_value(value) == {
        "day": "2024-06-24",
        "at": "2024-06-24T01:00:00.000000+00:00",
        "share": "7.50",
        "whole": 2,
        "half": 0.5,
        "id": "00000000-0000-0000-0000-000000000001",
        "colour": "merah",
        "tags": ["a", "b"],
        "pair": [1, 2],
        "3": "int key",
    }


@pytest.mark.parametrize(
    "bad",
    [
        float("nan"),
        float("inf"),
        decimal.Decimal("NaN"),
        dt.datetime(2024, 1, 1),  # naive
        b"bytes",
        object(),
        "nul\x00",
        {(1, 2): "tuple key"},
    ],
)
def test_to_audit_value_refuses_what_cannot_round_trip(bad):
    with pytest.raises((TypeError, ValueError)):
        to_audit_value(bad)


def test_large_integral_float_becomes_int():
    # PostgreSQL's jsonb gives 1e16 back as 10000000000000000: keep the int from the start.
    assert to_audit_value(1e16) == 10**16


def fields(**overrides):
    base = {
        "seq": 1,
        "at": dt.datetime(2024, 7, 1, 3, 4, 5, 6, tzinfo=dt.UTC),
        "actor_id": 7,
        "actor": "kpu31",
        "role": "kpu_provinsi",
        "region_code": "31",
        "action": "schedule.stage.update",
        "object_type": "schedule.stage",
        "object_id": "pilgub-dki-2024/coklit",
        "old": {"end": "2024-07-24"},
        "new": {"end": "2024-07-31"},
        "request_id": "abc",
        "prev_hash": GENESIS_HASH,
    }
    base.update(overrides)
    return base


def test_hash_is_sha256_of_documented_canonical_json():
    f = fields()
    payload = entry_payload(f)
    assert set(payload) == {"v", *HASHED_FIELDS}
    text = canonical_json(payload)
    assert text.startswith('{"action":"schedule.stage.update","actor":"kpu31"')
    assert '"at":"2024-07-01T03:04:05.000006+00:00"' in text
    assert ", " not in text and ": " not in text
    assert compute_hash(f) == hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("name", HASHED_FIELDS)
def test_every_field_is_covered_by_the_hash(name):
    original = fields()
    changed = dict(original)
    changed[name] = {
        "seq": 2,
        "at": original["at"] + dt.timedelta(microseconds=1),
        "actor_id": 8,
        "old": {"end": "2024-07-25"},
        "new": {"end": "2024-08-01"},
        "prev_hash": "1" * 64,
    }.get(name, "changed")
    assert compute_hash(changed) != compute_hash(original)


def test_same_instant_in_any_zone_hashes_the_same():
    utc = fields()
    jakarta = fields(at=utc["at"].astimezone(JAKARTA))
    assert compute_hash(utc) == compute_hash(jakarta)
    assert iso_utc(jakarta["at"]) == "2024-07-01T03:04:05.000006+00:00"


def test_key_order_does_not_matter():
    a = fields(new={"a": 1, "b": 2})
    b = fields(new={"b": 2, "a": 1})
    assert compute_hash(a) == compute_hash(b)

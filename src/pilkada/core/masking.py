"""Masking of personal data, one rule for every page, export and API of the system.

Personal data is masked by default (DESIGN.md §2; UU 27/2022 on personal data protection):
a list shows enough for a person to recognise their own record and for an officer to tell
two records apart, never enough to rebuild a NIK or a home address. Roles that need the
full value ask for it through :func:`log_unmasked_access`, which writes an audit entry.

The masks keep the region part of a NIK/NKK (the first 6 digits: province, kab/kota,
kecamatan of issue, which the TPS already tells) and its last 2 digits, the first letter of
each word of a name and its last letter, and of an address only the RT/RW.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MASK = "*"


def mask_nik(value: str | None) -> str:
    """``3171014101900001`` -> ``317101********01``; other lengths keep at most 4 chars."""
    if not value:
        return ""
    value = str(value)
    if len(value) == 16:
        return value[:6] + MASK * 8 + value[-2:]
    if len(value) <= 4:
        return MASK * len(value)
    return value[:2] + MASK * (len(value) - 4) + value[-2:]


mask_nkk = mask_nik


def mask_word(word: str) -> str:
    if len(word) <= 2:
        return word[:1] + MASK * (len(word) - 1)
    return word[0] + MASK * (len(word) - 2) + word[-1]


def mask_name(value: str | None) -> str:
    """``SITI NURHALIZA`` -> ``S**I N*******A``: each word keeps its first and last letter."""
    if not value:
        return ""
    return " ".join(mask_word(w) for w in str(value).split())


def mask_birth_date(value: Any) -> str:
    """Only the year stays: ``1990-04-01`` -> ``**-**-1990``."""
    if not value:
        return ""
    text = value.isoformat() if hasattr(value, "isoformat") else str(value)
    return f"{MASK * 2}-{MASK * 2}-{text[:4]}"


def mask_address(value: str | None, rt: str = "", rw: str = "") -> str:
    """The street and number are hidden; the RT/RW (public knowledge of the area) stay."""
    parts = []
    if value:
        parts.append(MASK * 6)
    if rt or rw:
        parts.append(f"RT {rt or '-'}/RW {rw or '-'}")
    return " ".join(parts)


def log_unmasked_access(
    *, actor, what: str, object_type: str, object_ids: Iterable[Any], reason: str = ""
) -> None:
    """Record that ``actor`` saw or exported unmasked personal data.

    ``what`` names the view or export (for example ``"voters.coklit_list"``); the object ids
    (at most the first 1,000 are listed, with the total) say whose data. Runs in its own
    transaction when the caller has none.
    """
    from django.db import transaction

    from pilkada.audit.services import record_audit

    ids = [str(i) for i in object_ids]
    with transaction.atomic():
        record_audit(
            actor=actor,
            action="personal_data.unmasked",
            object_type=object_type,
            object_id=what,
            new={"count": len(ids), "ids": ids[:1000], "reason": reason},
        )

"""Fixtures for the verfak and oversight tests (import them into a test module):
supporters ready for verifikasi faktual, a supporter held between two pairs, an objection
from cek NIK dukungan, and a PPK, an LO and a Panwascam to cross scopes with."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from pilkada.accounts.roles import Role
from pilkada.candidacy.models import PairLiaison, SupportObjection

__all__ = [
    "held",
    "in_verfak",
    "lo_a",
    "objection",
    "pairs",
    "panwascam_gambir",
    "ppk_gambir",
]

GAMBIR = "3171011001"
CIDENG = "3171011002"
UTARA = "3172011001"


def make_user(username: str, role: str, region_code: str, password: str | None = None):
    return get_user_model().objects.create_user(
        username=username, password=password, role=role, region_code=region_code
    )


@pytest.fixture
def pairs(make_pair):
    """Two independent pairs, A with an LO ``lo-a``."""
    return make_pair("Pasangan A", lo_username="lo-a"), make_pair("Pasangan B")


@pytest.fixture
def in_verfak(add_supporters):
    """``in_verfak(pair, n, start=1, region_code=GAMBIR, **fields)``: supporters that passed
    verifikasi administrasi (MS), pending verifikasi faktual."""

    def _add(pair, n, *, start=1, region_code=GAMBIR, **fields):
        fields.setdefault("vermin_status", "ms")
        fields.setdefault("verfak_status", "pending")
        return add_supporters(pair, n, start=start, region_code=region_code, **fields)

    return _add


@pytest.fixture
def held(in_verfak, pairs):
    """One person listed by both pairs (vermin ``held``): (row of A, row of B)."""
    a, b = pairs
    (row_a,) = in_verfak(a, 1, start=500, vermin_status="held")
    (row_b,) = in_verfak(b, 1, start=500, vermin_status="held")
    assert row_a.nik == row_b.nik
    return row_a, row_b


@pytest.fixture
def objection(election):
    """``objection(supporter)``: an open objection "I did not give this support"."""
    from pilkada.candidacy.models import Supporter

    def _make(supporter, *, receipt="R-0001"):
        Supporter.objects.filter(pk=supporter.pk).update(objected=True, status="tms")
        return SupportObjection.objects.create(
            election=election,
            supporter=supporter,
            pair=supporter.pair,
            receipt=receipt,
            contact_name="WARGA KEBERATAN",
            contact_phone="081234567890",
            statement="Saya tidak pernah memberi dukungan.",
            created_on=dt.date(2024, 5, 10),
        )

    return _make


@pytest.fixture
def ppk_gambir(db):
    return make_user("ppk-gambir", Role.PPK, "317101")


@pytest.fixture
def panwascam_gambir(db):
    return make_user("panwascam-gambir", Role.BAWASLU, "317101")


@pytest.fixture
def lo_a(pairs):
    return PairLiaison.objects.get(pair=pairs[0]).user

"""Fixtures for candidacy: the demo election with its regions, users of every role around
the table, pairs, and supporters written straight into the table (small numbers; the bulk
path has its own tests)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model

from pilkada.accounts.roles import Role
from pilkada.engine.nik import make_nik

#: Inside "dukungan-perseorangan" (5 May - 19 Aug 2024) of the pilkada2024 schedule.
SUPPORT_WINDOW_DAY = "2024-05-10"


def supporter_nik(serial: int, *, sex: str = "P", born: dt.date = dt.date(1990, 4, 1)) -> str:
    return make_nik(kecamatan_code="317101", birth_date=born, sex=sex, serial=serial)


@pytest.fixture
def election(db, settings, tmp_path, election_today):
    """The demo election (DKI, governor) with the shipped regions, on a day inside the
    independent-support stage, with DATA_DIR in the test's own directory."""
    from pilkada.regions.services import load_shipped_regions
    from pilkada.schedule.services import ensure_demo_election

    settings.DATA_DIR = tmp_path / "data"
    load_shipped_regions()
    election_today(SUPPORT_WINDOW_DAY)
    return ensure_demo_election()


def _user(username: str, role: str, region_code: str):
    return get_user_model().objects.create_user(
        username=username, password=None, role=role, region_code=region_code
    )


@pytest.fixture
def kpu_dki(db):
    return _user("kpu-dki", Role.KPU_PROVINSI, "31")


@pytest.fixture
def kpu_jakpus(db):
    return _user("kpu-jakpus", Role.KPU_KABKOTA, "3171")


@pytest.fixture
def pps_gambir(db):
    return _user("pps-gambir", Role.PPS, "3171011001")


@pytest.fixture
def pps_other(db):
    """A PPS of another kelurahan (to try crossing the scope)."""
    return _user("pps-cideng", Role.PPS, "3171011002")


@pytest.fixture
def bawaslu_dki(db):
    return _user("bawaslu-dki", Role.BAWASLU, "31")


@pytest.fixture
def make_pair(election):
    """``make_pair(name, independent=True, lo_username=None)`` -> Pair (and its LO user)."""
    from pilkada.candidacy.models import Pair, PairLiaison

    def _make(name="Pasangan Perseorangan", *, independent=True, lo_username=None):
        pair = Pair.objects.create(
            election=election,
            name=name,
            path=Pair.Path.INDEPENDENT if independent else Pair.Path.PARTY,
        )
        if lo_username:
            PairLiaison.objects.create(pair=pair, user=_user(lo_username, Role.LO, "31"))
        return pair

    return _make


@pytest.fixture
def add_supporters(election):
    """``add_supporters(pair, n, region_code=..., **fields)`` -> list of Supporter rows of a
    new round-1 batch, with distinct valid NIKs (serial from ``start``)."""
    from pilkada.candidacy.models import SupportBatch, Supporter

    def _add(pair, n, *, start=1, region_code="3171011001", **fields):
        batch = SupportBatch.objects.create(
            election=election, pair=pair, file_name="test.csv", sha256="0" * 64, read=n,
            accepted=n,
        )  # fmt: skip
        rows = [
            Supporter(
                election=election, pair=pair, batch=batch, line=i + 2,
                nik=supporter_nik(start + i), nama=f"PENDUKUNG {start + i}",
                tanggal_lahir=dt.date(1990, 4, 1), jenis_kelamin="P",
                kelurahan_code=region_code, region_code=region_code, **fields,
            )
            for i in range(n)
        ]  # fmt: skip
        return Supporter.objects.bulk_create(rows)

    return _add

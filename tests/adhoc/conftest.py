"""Fixtures for the ad hoc bodies: the demo election with its regions on a day inside the
recruitment stage, officers of every role around the table, TPS with voters, and a factory of
applications written straight into the table (the public form has its own tests)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password

from pilkada.accounts.roles import Role
from pilkada.engine.nik import make_nik

#: Inside "pembentukan-badan-adhoc" (17 Apr - 5 Nov 2024) of the pilkada2024 schedule.
RECRUITMENT_DAY = "2024-05-15"
#: A kelurahan of the shipped DKI regions (Gambir, Gambir) and its kecamatan.
KELURAHAN = "3171011001"
KECAMATAN = "317101"
ACCESS_CODE = "kode-rahasia-1"

_serials = itertools.count(1)


def applicant_nik(*, sex: str = "P", born: dt.date = dt.date(1990, 4, 1), serial=None) -> str:
    return make_nik(
        kecamatan_code=KECAMATAN, birth_date=born, sex=sex, serial=serial or next(_serials)
    )


@pytest.fixture
def election(db, settings, tmp_path, election_today):
    from pilkada.regions.services import load_shipped_regions
    from pilkada.schedule.services import ensure_demo_election

    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "media"
    load_shipped_regions()
    election_today(RECRUITMENT_DAY)
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
def kpu_jaksel(db):
    """KPU of another kab/kota (to try crossing the scope)."""
    return _user("kpu-jaksel", Role.KPU_KABKOTA, "3174")


@pytest.fixture
def ppk_gambir(db):
    return _user("ppk-gambir", Role.PPK, KECAMATAN)


@pytest.fixture
def pps_gambir(db):
    return _user("pps-gambir", Role.PPS, KELURAHAN)


@pytest.fixture
def pps_other(db):
    return _user("pps-cideng", Role.PPS, "3171011002")


@pytest.fixture
def bawaslu_dki(db):
    return _user("bawaslu-dki", Role.BAWASLU, "31")


@pytest.fixture
def make_tps(election):
    """``make_tps(kelurahan, number, voters=0)`` -> Tps, with ``voters`` MS voters on it."""
    from pilkada.regions.models import Tps
    from pilkada.voters.models import Voter

    def _make(kelurahan: str = KELURAHAN, number: int = 1, *, voters: int = 0):
        tps = Tps.objects.create(
            code=f"{kelurahan}{number:03d}", kelurahan_id=kelurahan, number=number
        )
        Voter.objects.bulk_create(
            Voter(
                election=election, nkk="3171010101010001", nik=applicant_nik(), nama=f"PEMILIH {i}",
                tanggal_lahir=dt.date(1980, 1, 1), jenis_kelamin="L", kelurahan_code=kelurahan,
                status=Voter.Status.MS, tps_code=tps.code,
            )
            for i in range(voters)
        )  # fmt: skip
        return tps

    return _make


@pytest.fixture
def make_application(election):
    """``make_application(body, region_code, **fields)`` -> Application (submitted, with
    valid defaults: a woman born 1990 living in the area, SMA, both statements given)."""
    from pilkada.adhoc.models import Application

    numbers = itertools.count(1)

    def _make(body="pps", region_code=KELURAHAN, **fields):
        n = next(numbers)
        values = {
            "election": election, "body": body, "region_code": region_code,
            "number": f"T-{body.upper()}-{n:05d}", "access_code_hash": make_password(ACCESS_CODE),
            "nik": applicant_nik(), "nama": f"PELAMAR {n}", "tempat_lahir": "JAKARTA",
            "tanggal_lahir": dt.date(1990, 4, 1), "jenis_kelamin": "P", "status_kawin": "B",
            "alamat": "JL. MERDEKA 1", "domicile_code": region_code[:10].ljust(10, "1")
            if len(region_code) < 10 else region_code[:10],
            "phone": "081200000000", "education": "sma", "health_statement": True,
            "party_statement": True,
        }  # fmt: skip
        values.update(fields)
        return Application.objects.create(**values)

    return _make

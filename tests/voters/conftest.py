"""Fixtures for the voter register: the demo election with its regions, inside the DP4
window, and small DP4 files written by the tests."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from pilkada.accounts.roles import Role
from pilkada.engine.dp4_import import DP4_COLUMNS
from pilkada.engine.nik import make_nik

HEADER = list(DP4_COLUMNS)
DP4_WINDOW_DAY = "2024-05-01"


def make_nik_for(serial: int, sex: str = "P", born: dt.date = dt.date(1990, 4, 1)) -> str:
    return make_nik(kecamatan_code="317101", birth_date=born, sex=sex, serial=serial)


def person(i: int = 1, **changes) -> dict[str, str]:
    sex = "P" if i % 2 else "L"
    born = dt.date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
    row = {
        "nkk": f"3171012805180{i:03d}",
        "nik": make_nik_for(i, sex, born),
        "nama": f"WARGA {i}",
        "tempat_lahir": "JAKARTA",
        "tanggal_lahir": born.isoformat(),
        "jenis_kelamin": sex,
        "status_kawin": "S",
        "alamat": f"JL. KENANGA NO. {i}",
        "rt": "001",
        "rw": "002",
        "kode_kelurahan": "31.71.01.1001" if i % 3 else "31.71.01.1002",
        "disabilitas": "0",
        "ktp_el": "1",
    }
    row.update(changes)
    return row


def csv_text(rows, delimiter=",") -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row[c] for c in HEADER] if isinstance(row, dict) else row)
    return out.getvalue()


@pytest.fixture
def dp4_file(tmp_path):
    """``dp4_file(rows, name=..., delimiter=..., encoding=...)`` -> path of a DP4 CSV."""

    def _write(rows, name="dp4.csv", delimiter=",", encoding="utf-8") -> Path:
        path = tmp_path / name
        path.write_bytes(csv_text(rows, delimiter).encode(encoding))
        return path

    return _write


@pytest.fixture
def election(db, settings, tmp_path, election_today):
    """The demo election with the shipped regions, on a day inside the DP4 window, with
    DATA_DIR in the test's own directory."""
    from pilkada.regions.services import load_shipped_regions
    from pilkada.schedule.services import ensure_demo_election

    settings.DATA_DIR = tmp_path / "data"
    load_shipped_regions()
    election_today(DP4_WINDOW_DAY)
    return ensure_demo_election()


@pytest.fixture
def kpu_dki(db):
    return get_user_model().objects.create_user(
        username="kpu-dki", password=None, role=Role.KPU_PROVINSI, region_code="31"
    )


@pytest.fixture
def pps(db):
    return get_user_model().objects.create_user(
        username="pps-gambir", password=None, role=Role.PPS, region_code="3171011001"
    )

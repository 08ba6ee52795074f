"""Shared data of the duplicates and sync tests (no tests here): a small register with known
duplicates, built from the DP4 rows of ``conftest.person``."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model

from pilkada.accounts.roles import Role
from pilkada.voters.models import Voter
from pilkada.voters.services import import_voter_file

from .conftest import make_nik_for, person

REVIEW_DAY = "2024-06-10"  # inside voters.review_duplicates / voters.sync_dp4
AFTER_DAY = "2024-10-01"  # after both windows

NAMES = [
    "SITI AMINAH", "AHMAD DAHLAN", "BUDI SANTOSO", "DEWI LESTARI", "AGUS SALIM",
    "RINA MARLINA", "JOKO WIDODO", "SRI MULYANI", "HENDRA GUNAWAN", "YULIA PUTRI",
    "ANDI PRATAMA", "FITRI HANDAYANI", "RUDI HARTONO", "NUR AINI", "BAMBANG SUTRISNO",
    "LINA MARLIANI", "EKO PRASETYO", "WULAN SARI", "TEGUH WIBOWO", "MEGA UTAMI",
]  # fmt: skip


def base_rows(n: int = 20) -> list[dict]:
    return [person(i, nama=NAMES[i - 1]) for i in range(1, n + 1)]


def duplicate_rows() -> list[dict]:
    """20 people plus: an exact-NIK copy of person 1 (same person), a copy of person 2 under
    another NIK (same name, birth date and family), two people under person 3's NIK (another
    name and birth date: a conflict), and a copy of person 4 living in another kab/kota."""
    rows = base_rows()
    p2 = rows[1]
    born2 = dt.date.fromisoformat(p2["tanggal_lahir"])
    p4 = rows[3]
    rows += [
        dict(rows[0], alamat="JL. MAWAR NO. 9"),
        dict(p2, nik=make_nik_for(97, p2["jenis_kelamin"], born2)),
        dict(rows[2], nama="KARTIKA SARI", tanggal_lahir="1975-08-17", jenis_kelamin="P"),
        dict(p4, kode_kelurahan="31.72.01.1001", alamat="JL. LAUT NO. 3", nkk="3172012805180999"),
    ]
    return rows


def load(election, dp4_file, rows, *, kind="dp4", name="dp4.csv"):
    return import_voter_file(
        election=election, path=dp4_file(rows, name=name), kind=kind, actor=None
    )


def voter_by_line(line: int) -> Voter:
    return Voter.objects.get(line=line, source=Voter.Source.DP4)


def kpu_kabkota(code: str = "3171", username: str = "kpu-3171"):
    return get_user_model().objects.create_user(
        username=username, password=None, role=Role.KPU_KABKOTA, region_code=code
    )

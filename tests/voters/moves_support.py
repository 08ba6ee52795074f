"""Fixtures and helpers shared by the tests of DPTb and DPK (no tests here).

Imported by the other ``test_moves_*`` modules with ``from .moves_support import *``.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from pilkada.accounts.roles import Role
from pilkada.engine.nik import make_nik
from pilkada.regions.models import Tps
from pilkada.schedule.services import DATA_DIR, DEMO_ELECTION_FILE, load_election_file
from pilkada.voters.models import Voter

__all__ = [
    "BANDUNG_KEL",
    "CIDENG",
    "DPTB_DAY",
    "GAMBIR",
    "PENJARINGAN",
    "PETOJO",
    "VOTING_DAY_2024",
    "election2",
    "make_election",
    "make_tps",
    "make_user",
    "make_voter",
    "moves_election",
    "users",
]

GAMBIR = "3171011001"  # Jakarta Pusat, kec. Gambir
CIDENG = "3171011002"  # same kecamatan
PETOJO = "3171011003"
PENJARINGAN = "3172011001"  # Jakarta Utara: another kab/kota in the province
BANDUNG_KEL = "3273011001"  # Jawa Barat: another province (no region rows loaded)
VOTING_DAY_2024 = dt.date(2024, 11, 27)
DPTB_DAY = dt.date(2024, 10, 1)  # inside the DPTb window, before H-30

User = get_user_model()


def make_user(username, role="", region_code="", **extra):
    return User.objects.create_user(
        username=username, password="pw-moves-123", role=role, region_code=region_code, **extra
    )


def make_tps(*codes: str) -> list[Tps]:
    rows = [Tps.build(code) for code in codes]
    Tps.objects.bulk_create(rows, ignore_conflicts=True)
    return rows


_serial = iter(range(1, 9999))


def make_voter(election, *, tps_code: str, nik: str | None = None, **fields) -> Voter:
    born = fields.pop("tanggal_lahir", dt.date(1985, 3, 14))
    sex = fields.pop("jenis_kelamin", "L")
    nik = nik or make_nik(
        kecamatan_code=tps_code[:6], birth_date=born, sex=sex, serial=next(_serial)
    )
    values = {
        "election": election,
        "source": Voter.Source.DP4,
        "nkk": "3171012805180001",
        "nik": nik,
        "nama": "BUDI SANTOSO",
        "tanggal_lahir": born,
        "jenis_kelamin": sex,
        "status_kawin": "S",
        "alamat": "JL. KENANGA NO. 5",
        "rt": "001",
        "rw": "002",
        "kelurahan_code": tps_code[:10],
        "status": Voter.Status.MS,
        "tps_code": tps_code,
    }
    values.update(fields)
    return Voter.objects.create(**values)


def _shift(day: str, days: int) -> str:
    return (dt.date.fromisoformat(day) + dt.timedelta(days=days)).isoformat()


def make_election(
    tmp_path: Path,
    *,
    slug: str,
    kind: str,
    region_code: str,
    shift_days: int = 0,
    dptb_until_eve: bool = False,
):
    """An election from the shipped schedule with every date moved by ``shift_days``;
    ``dptb_until_eve`` keeps the DPTb stage open until the day before voting day, so that
    the deadline rule (not the stage window) is what refuses late moves."""
    template = json.loads((DATA_DIR / "pilkada2024.json").read_text())
    for stage in template["stages"]:
        stage["start"] = _shift(stage["start"], shift_days)
        stage["end"] = _shift(stage["end"], shift_days)
    voting = next(s for s in template["stages"] if s.get("voting_day"))
    if dptb_until_eve:
        dptb = next(s for s in template["stages"] if "voters.dptb_register" in s["actions"])
        dptb["end"] = _shift(voting["start"], -1)
    folder = tmp_path / slug
    folder.mkdir()
    (folder / "tpl.json").write_text(json.dumps(template))
    spec = json.loads(DEMO_ELECTION_FILE.read_text())
    spec.update(
        slug=slug,
        name=f"Pemilihan uji {slug}",
        kind=kind,
        region_code=region_code,
        voting_day=voting["start"],
        year=int(voting["start"][:4]),
        schedule="tpl.json",
    )
    (folder / "election.json").write_text(json.dumps(spec))
    return load_election_file(path=folder / "election.json").election


@pytest.fixture
def moves_election(db, settings, tmp_path, election_today):
    """The demo governor election (DKI Jakarta, voting day 27 Nov 2024) with the shipped
    regions and a few TPS, on a day inside the DPTb window."""
    from pilkada.regions.services import load_shipped_regions
    from pilkada.schedule.services import ensure_demo_election

    settings.DATA_DIR = tmp_path / "data"
    load_shipped_regions()
    make_tps(f"{GAMBIR}001", f"{GAMBIR}002", f"{CIDENG}001", f"{PETOJO}001", f"{PENJARINGAN}001")
    election_today(DPTB_DAY)
    return ensure_demo_election()


@pytest.fixture
def election2(moves_election, tmp_path):
    """A second governor election in the same province whose voting day is 150 days later
    (26 April 2025), with the DPTb stage open until the eve of voting day."""
    return make_election(
        tmp_path, slug="pilgub-uji-2025", kind="gubernur", region_code="31", shift_days=150,
        dptb_until_eve=True,
    )  # fmt: skip


@pytest.fixture
def users(db):
    """Officers around the table: PPS of Gambir (origin), Cideng (destination), Petojo
    (neither), KPU Jakarta Pusat and Jakarta Utara, KPPS of Gambir TPS 001, Bawaslu."""
    return {
        "pps_gambir": make_user("pps-gambir", Role.PPS, GAMBIR),
        "pps_cideng": make_user("pps-cideng", Role.PPS, CIDENG),
        "pps_petojo": make_user("pps-petojo", Role.PPS, PETOJO),
        "pps_penjaringan": make_user("pps-penjaringan", Role.PPS, PENJARINGAN),
        "kpu_3171": make_user("kpu-3171", Role.KPU_KABKOTA, "3171"),
        "kpu_3172": make_user("kpu-3172", Role.KPU_KABKOTA, "3172"),
        "kpps_gambir1": make_user("kpps-gambir1", Role.KPPS, f"{GAMBIR}001"),
        "kpps_cideng1": make_user("kpps-cideng1", Role.KPPS, f"{CIDENG}001"),
        "pantarlih": make_user("pantarlih-gambir1", Role.PANTARLIH, f"{GAMBIR}001"),
        "bawaslu": make_user("bawaslu-3171", Role.BAWASLU, "3171"),
    }

"""DPTb and DPK in a real browser: a PPS registers a move with form A; a KPPS records a DPK
voter on a phone-sized page (HTMX, in place)."""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from pilkada.accounts.roles import Role
from pilkada.engine.nik import make_nik
from pilkada.regions.models import Tps
from pilkada.voters.models import DpkVoter, Voter, VoterMove

PASSWORD = "pw-moves-browser"
GAMBIR, CIDENG = "3171011001", "3171011002"


@pytest.fixture
def world(transactional_db, settings, tmp_path):
    from pilkada.regions.services import load_shipped_regions
    from pilkada.schedule.services import ensure_demo_election

    settings.DATA_DIR = tmp_path / "data"
    load_shipped_regions()
    election = ensure_demo_election()
    Tps.objects.bulk_create([Tps.build(f"{GAMBIR}001"), Tps.build(f"{CIDENG}001")])
    users = get_user_model().objects
    users.create_user("pps-cideng", password=PASSWORD, role=Role.PPS, region_code=CIDENG)
    users.create_user("kpps-gambir1", password=PASSWORD, role=Role.KPPS, region_code=f"{GAMBIR}001")
    born = dt.date(1980, 5, 2)
    voter = Voter.objects.create(
        election=election, nkk="3171010101800001", nama="RINA MARLINA", jenis_kelamin="P",
        nik=make_nik(kecamatan_code="317101", birth_date=born, sex="P", serial=11),
        tanggal_lahir=born, kelurahan_code=GAMBIR, status="ms", tps_code=f"{GAMBIR}001",
    )  # fmt: skip
    return election, voter


def login(page, username):
    page.goto(page.base_url + "/akun/masuk/")
    page.get_by_label(re.compile("Nama pengguna|Username")).fill(username)
    page.get_by_label(re.compile("Sandi|Password")).fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("who")).to_contain_text(username)


def test_pps_registers_a_move_with_form_a(page, world, settings):
    settings.PILKADA_TODAY = dt.date(2024, 10, 1)
    _election, voter = world
    login(page, "pps-cideng")
    page.goto(page.base_url + "/pemilih/dptb/daftar/")
    page.get_by_label("NIK pemilih").fill(voter.nik)
    page.get_by_role("button", name="Cari").click()
    expect(page.get_by_test_id("voter-card")).to_contain_text("RINA MARLINA")
    form = page.get_by_test_id("dptb-form")
    form.get_by_label("Alasan").select_option("tugas")
    form.get_by_label("Kode kelurahan tujuan").fill(CIDENG)
    form.get_by_label("TPS tujuan (boleh kosong)").fill(f"{CIDENG}001")
    form.get_by_label("Nomor formulir Model A").fill("A-BR-1")
    page.get_by_test_id("dptb-submit").click()
    table = page.get_by_test_id("dptb-table")
    expect(table).to_contain_text("A-BR-1")
    expect(table).to_contain_text("R**A M*****A")  # masked by default
    assert VoterMove.objects.get().destination_tps_code == f"{CIDENG}001"


def test_kpps_records_dpk_on_a_phone(page, world, settings):
    settings.PILKADA_TODAY = dt.date(2024, 11, 27)
    login(page, "kpps-gambir1")
    page.goto(page.base_url + "/pemilih/dpk/")
    born = dt.date(1999, 1, 9)
    nik = make_nik(kecamatan_code="317101", birth_date=born, sex="L", serial=3)
    form = page.get_by_test_id("dpk-form")

    def fill():
        form.get_by_label("NIK").fill(nik)
        form.get_by_label("Nama").fill("Andi Wijaya")
        form.get_by_label("Jenis kelamin").select_option("L")
        form.get_by_label("Tanggal lahir").fill(born.isoformat())
        form.get_by_label("Alamat sesuai KTP-el").fill("Jl. Cempaka 2")
        page.get_by_test_id("dpk-submit").click()

    fill()
    expect(page.get_by_test_id("saved")).to_contain_text("ANDI WIJAYA")
    expect(page.get_by_test_id("dpk-count")).to_have_text("1")
    expect(page.get_by_test_id("dpk-table")).to_contain_text("A**I W****A")
    form = page.get_by_test_id("dpk-form")
    fill()  # the same person again: refused with the reason, in place
    expect(page.get_by_test_id("error")).to_contain_text("sudah tercatat dalam DPK")
    expect(page.get_by_test_id("dpk-count")).to_have_text("1")
    assert DpkVoter.objects.count() == 1

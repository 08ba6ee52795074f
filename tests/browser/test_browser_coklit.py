"""A Pantarlih walks through coklit on a phone (390x844): opens their TPS, marks one voter
MS, one TMS meninggal with a note, corrects one voter's address, adds a new voter to a
family, and sees the counts change on the page and on the progress page."""

from __future__ import annotations

import datetime as dt
import re

from playwright.sync_api import expect

from pilkada.engine.eligibility import cukup_umur
from pilkada.engine.nik import make_nik
from pilkada.voters.models import Voter
from pilkada.voters.services.tps import form_tps_for_election

PANTARLIH = "pantarlih-3171011001001"
TPS = "3171011001001"


def login(page, username):
    page.goto(page.base_url + "/akun/masuk/")
    page.get_by_label(re.compile("Nama pengguna|Username")).fill(username)
    page.get_by_label(re.compile("Sandi|Password")).fill("demo-pilkada-2024")
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("who")).to_contain_text(username)


def counts(page, name):
    return page.get_by_test_id("tps-counts").get_by_test_id(f"count-{name}")


def unused_nik(election) -> str:
    serial = 9999
    while True:
        nik = make_nik(kecamatan_code="317101", birth_date=dt.date(1995, 3, 14), sex="L",
                       serial=serial)  # fmt: skip
        if not Voter.objects.filter(election=election, nik=nik).exists():
            return nik
        serial -= 1


def add_households(election):
    """The small demo population has only a couple of voters in the Pantarlih's kelurahan:
    two more households (adults) make the walk-through meaningful."""
    rows = []
    for h, (nkk, street) in enumerate([("3171010101240001", "JL. CEMPAKA NO. 4"),
                                        ("3171010101240002", "JL. CEMPAKA NO. 6")]):  # fmt: skip
        for m in range(3):
            born = dt.date(1960 + 10 * m, 2 + h, 10 + m)
            sex = "L" if m != 1 else "P"
            rows.append(
                Voter(
                    election=election, source="dp4", nkk=nkk, nama=f"WARGA CEMPAKA {h}{m}",
                    nik=make_nik(kecamatan_code="317101", birth_date=born, sex=sex,
                                 serial=8000 + 10 * h + m),
                    tempat_lahir="JAKARTA", tanggal_lahir=born, jenis_kelamin=sex,
                    status_kawin="S", alamat=street, rt="002", rw="001",
                    kelurahan_code=TPS[:10], disabilitas=0, ktp_el=True,
                )
            )  # fmt: skip
    Voter.objects.bulk_create(rows)


def test_pantarlih_walks_through_coklit(page, demo_live, settings):
    settings.PILKADA_TODAY = "2024-07-01"  # coklit is open (24 Jun - 24 Jul 2024)
    election = demo_live.election
    add_households(election)
    form_tps_for_election(election=election, actor=None)
    day = election.voting_day
    clean = [
        v
        for v in Voter.objects.filter(election=election, tps_code=TPS).order_by("pk")
        if not v.quality_flags
    ]
    ms = next(
        v
        for v in clean
        if cukup_umur(tanggal_lahir=v.tanggal_lahir, status_kawin=v.status_kawin, voting_day=day)
    )
    tms, moved = [v for v in clean if v.pk != ms.pk][:2]
    total = Voter.objects.filter(election=election, tps_code=TPS).count()

    login(page, PANTARLIH)
    page.goto(page.base_url + "/pemilih/coklit/")
    expect(page.get_by_test_id("coklit-title")).to_contain_text("TPS 001")
    expect(counts(page, "total")).to_have_text(str(total))
    expect(counts(page, "ms")).to_have_text("0")
    expect(page.get_by_test_id("voter")).to_have_count(total)
    expect(page.locator(f"#voter-{ms.pk}")).to_contain_text(ms.nik)  # unmasked at the door

    # MS
    page.locator(f"#voter-{ms.pk}").get_by_test_id("mark-ms").click()
    expect(page.locator(f"#voter-{ms.pk}").get_by_test_id("badge-ms")).to_be_visible()
    expect(counts(page, "ms")).to_have_text("1")

    # TMS 1 meninggal with its evidence note
    page.locator(f"#voter-{tms.pk}").get_by_test_id("open-tms").click()
    card = page.locator(f"#voter-{tms.pk}[data-testid=voter-tms]")
    expect(card.get_by_test_id("tms-evidence")).to_contain_text("kematian")
    card.get_by_label("Alasan TMS").select_option("1")
    card.get_by_label(re.compile("Catatan bukti")).fill("Surat keterangan kematian dari RT 001")
    card.get_by_test_id("mark-tms").click()
    expect(page.locator(f"#voter-{tms.pk}").get_by_test_id("badge-tms")).to_contain_text(
        "TMS 1"
    )
    expect(counts(page, "tms")).to_have_text("1")

    # changed address
    page.locator(f"#voter-{moved.pk}").get_by_test_id("edit").click()
    form = page.locator(f"#voter-{moved.pk}[data-testid=voter-edit]")
    form.get_by_label("Alamat").fill("JL. KEBON SIRIH NO. 12")
    form.get_by_test_id("save-change").click()
    card = page.locator(f"#voter-{moved.pk}[data-testid=voter]")
    expect(card.get_by_test_id("voter-address")).to_contain_text("JL. KEBON SIRIH NO. 12")
    expect(card.get_by_test_id("badge-changed")).to_be_visible()
    expect(counts(page, "changed")).to_have_text("1")

    # a new voter in the family of the first voter
    family = page.locator(f"#family-{ms.nkk}")
    family.get_by_test_id("open-new").click()
    family = family.get_by_test_id("new-voter-form")
    family.get_by_label("NIK", exact=True).fill(unused_nik(election))
    family.get_by_label("Nama", exact=True).fill("Rizky Pratama")
    family.get_by_role("button", name="Tambah pemilih").click()
    expect(page.locator(f"#family-{ms.nkk}")).to_contain_text("RIZKY PRATAMA")
    expect(page.locator(f"#family-{ms.nkk}").get_by_test_id("badge-new")).to_be_visible()
    expect(counts(page, "new")).to_have_text("1")
    expect(counts(page, "ms")).to_have_text("2")  # the new voter is MS
    expect(counts(page, "total")).to_have_text(str(total + 1))
    page.screenshot(path=str(settings.DATA_DIR / "coklit-pantarlih.png"), full_page=True)

    # the progress page of the TPS
    page.goto(page.base_url + "/pemilih/coklit/progres/")
    row = page.locator(f"tr[data-code='{TPS}']")
    expect(row.get_by_test_id("ms")).to_have_text("2")
    expect(row.get_by_test_id("tms")).to_have_text("1")
    expect(row.get_by_test_id("changed")).to_have_text("1")
    expect(row.get_by_test_id("new")).to_have_text("1")
    expect(row.get_by_test_id("pending")).to_have_text(str(total - 2))

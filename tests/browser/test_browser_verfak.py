"""A PPS walks through verifikasi faktual on a phone (390x844): opens the supporters of its
kelurahan (the one a citizen objected to comes first), records met and confirms, met and
denies with the denial form number (refused without it), and not found; sees the counts
change on the page and on the progress page. The PPS of another kelurahan sees only its own
supporters and is refused this kelurahan's page."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from pilkada.accounts.roles import Role
from pilkada.candidacy.models import Pair, SupportBatch, Supporter, SupportObjection
from pilkada.engine.nik import make_nik

PASSWORD = "demo-pilkada-2024"
GAMBIR = "3171011001"
CIDENG = "3171011002"


@pytest.fixture
def verfak_setup(transactional_db, settings, tmp_path):
    """The demo election inside the support stage, two PPS, one independent pair with four
    supporters in Gambir (one objected to) and one in Cideng, all pending verfak."""
    from pilkada.regions.services import load_shipped_regions
    from pilkada.schedule.services import ensure_demo_election

    settings.DATA_DIR = tmp_path / "data"
    settings.PILKADA_TODAY = "2024-07-01"  # dukungan perseorangan: 5 May - 19 Aug 2024
    load_shipped_regions()
    election = ensure_demo_election()
    users = get_user_model().objects
    users.create_user(username="pps-gambir", password=PASSWORD, role=Role.PPS,
                      region_code=GAMBIR)  # fmt: skip
    users.create_user(username="pps-cideng", password=PASSWORD, role=Role.PPS,
                      region_code=CIDENG)  # fmt: skip
    pair = Pair.objects.create(election=election, name="Pasangan Mandiri",
                               path=Pair.Path.INDEPENDENT)  # fmt: skip
    batch = SupportBatch.objects.create(election=election, pair=pair, file_name="b11.csv",
                                        sha256="0" * 64, read=5, accepted=5)  # fmt: skip
    names = ["SITI AMINAH", "BUDI SANTOSO", "DEWI LESTARI", "AGUS SALIM", "RINA MARLINA"]
    rows = Supporter.objects.bulk_create(
        Supporter(
            election=election, pair=pair, batch=batch, line=i + 2,
            nik=make_nik(kecamatan_code="317101", birth_date=dt.date(1980 + i, 3, 9), sex="P",
                         serial=i + 1),
            nama=name, tanggal_lahir=dt.date(1980 + i, 3, 9), jenis_kelamin="P",
            alamat=f"JL. KEBON KELAPA NO. {i + 1}", rt="002", rw="001",
            kelurahan_code=GAMBIR if i < 4 else CIDENG,
            region_code=GAMBIR if i < 4 else CIDENG,
            vermin_status="ms", verfak_status="pending",
        )
        for i, name in enumerate(names)
    )  # fmt: skip
    objected = rows[3]
    Supporter.objects.filter(pk=objected.pk).update(objected=True, status="tms")
    SupportObjection.objects.create(
        election=election, supporter=objected, pair=pair, receipt="K-0001",
        contact_name="AGUS SALIM", created_on=dt.date(2024, 6, 20),
    )  # fmt: skip
    return rows


def login(page, username):
    page.goto(page.base_url + "/akun/masuk/")
    page.get_by_label(re.compile("Nama pengguna|Username")).fill(username)
    page.get_by_label(re.compile("Sandi|Password")).fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    expect(page.get_by_test_id("who")).to_contain_text(username)


def count(page, name):
    return page.get_by_test_id("verfak-counts").get_by_test_id(f"count-{name}")


def test_pps_walks_through_verfak(page, verfak_setup, settings):
    siti, budi, dewi, _agus, _rina = verfak_setup
    login(page, "pps-gambir")
    page.goto(page.base_url + "/pencalonan/verfak/")
    expect(page.get_by_test_id("verfak-title")).to_contain_text("Gambir")
    expect(page.get_by_test_id("supporter")).to_have_count(4)
    expect(count(page, "total")).to_have_text("4")
    # The supporter a citizen objected for comes first, flagged; data unmasked at the door.
    first = page.get_by_test_id("supporter").first
    expect(first).to_contain_text("AGUS SALIM")
    expect(first.get_by_test_id("flag-objection")).to_be_visible()
    expect(page.locator(f"#s-{siti.pk}")).to_contain_text(siti.nik)
    # The phone page fits the screen: no sideways scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # Met and confirms.
    page.locator(f"#s-{siti.pk}").get_by_test_id("confirms").click()
    expect(page.locator(f"#s-{siti.pk}").get_by_test_id("badge-ms")).to_be_visible()
    expect(count(page, "ms")).to_have_text("1")

    # Met and denies: refused without the form number, then saved with it.
    page.locator(f"#s-{budi.pk}").get_by_test_id("open-denies").click()
    form = page.locator(f"#s-{budi.pk}[data-testid=supporter-form]")
    form.get_by_test_id("save").click()
    expect(page.locator(f"#s-{budi.pk}").get_by_test_id("errors")).to_contain_text("formulir")
    form = page.locator(f"#s-{budi.pk}[data-testid=supporter-form]")
    form.get_by_label(re.compile("Nomor formulir")).fill("BA.5-KWK/0007")
    form.get_by_label("Catatan").fill("Menyatakan tidak pernah memberi KTP")
    form.get_by_test_id("save").click()
    expect(page.locator(f"#s-{budi.pk}").get_by_test_id("badge-tms")).to_contain_text(
        "tidak mendukung"
    )
    expect(count(page, "tms")).to_have_text("1")

    # Not found: the pair may still bring the supporter, until the deadline.
    page.locator(f"#s-{dewi.pk}").get_by_test_id("not-found").click()
    card = page.locator(f"#s-{dewi.pk}")
    expect(card.get_by_test_id("badge-not-found")).to_be_visible()
    expect(card.get_by_test_id("deadline")).to_contain_text("4 Jul 2024")
    expect(count(page, "awaiting")).to_have_text("1")
    expect(count(page, "pending")).to_have_text("1")

    # Search by name.
    page.get_by_label("Cari nama").fill("dewi")
    expect(page.get_by_test_id("supporter")).to_have_count(1)
    page.screenshot(path=str(settings.DATA_DIR / "verfak-pps.png"), full_page=True)

    # The progress page of the kelurahan.
    page.goto(page.base_url + "/pencalonan/verfak/progres/")
    row = page.locator(f"tr[data-code='{GAMBIR}']")
    expect(row.get_by_test_id("total")).to_have_text("4")
    expect(row.get_by_test_id("ms")).to_have_text("1")
    expect(row.get_by_test_id("tms")).to_have_text("1")
    expect(row.get_by_test_id("awaiting")).to_have_text("1")
    expect(row.get_by_test_id("pending")).to_have_text("1")
    assert Supporter.objects.get(pk=budi.pk).verfak_outcome == "met_denies"

    # Another kelurahan's PPS sees its own supporter only, never Gambir's.
    page.get_by_role("button", name="Keluar").click()
    login(page, "pps-cideng")
    page.goto(page.base_url + "/pencalonan/verfak/")
    expect(page.get_by_test_id("verfak-title")).to_contain_text("Cideng")
    expect(page.get_by_test_id("supporter")).to_have_count(1)
    expect(page.get_by_test_id("supporter")).to_contain_text("RINA MARLINA")
    expect(page.locator("main")).not_to_contain_text("SITI AMINAH")
    response = page.goto(page.base_url + f"/pencalonan/verfak/kelurahan/{GAMBIR}/")
    assert response.status == 403
    page.goto(page.base_url + "/pencalonan/verfak/progres/")
    expect(page.locator(f"tr[data-code='{GAMBIR}']")).to_have_count(0)

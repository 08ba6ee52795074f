"""Announcements per stage (services.selection.publish_announcement) and their public pages:
published only by an officer for their region, frozen and versioned, never NIK, birth date or
address."""

import hashlib

import polars as pl
import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from pilkada.adhoc.models import Application, SelectionAnnouncement
from pilkada.adhoc.services.selection import SelectionRefused, publish_announcement, rank
from pilkada.schedule.gate import StageClosed

from .conftest import KELURAHAN
from .selection_support import *  # noqa: F403
from .selection_support import KELURAHAN_2, opening


@pytest.fixture
def area(election, passed):
    opening(election, seats=1)
    return [
        passed(nama="SITI AMINAH", written=90, interview=80, alamat="JL. RAHASIA 7"),
        passed(nama="BUDI SANTOSO", written=80, interview=70, sex="L"),
        passed(nama="ANI LESTARI", written=60, interview=None),  # not shortlisted (cut 2)
        passed(nama="DEDI GAGAL", documents_ok=False),
    ]


def test_the_three_stages_and_what_they_show(election, kpu_jakpus, area, audit_log):
    adm = publish_announcement(
        election=election, actor=kpu_jakpus, body="pps", region_code="3171", stage="administrasi"
    )
    frame = pl.read_parquet(settings.DATA_DIR / adm.file)
    assert frame.columns == ["region_code", "number", "nama", "result", "score", "rank"]
    got = dict(zip(frame["nama"], frame["result"], strict=True))
    assert got == {
        "SITI AMINAH": "lulus",
        "BUDI SANTOSO": "lulus",
        "ANI LESTARI": "lulus",
        "DEDI GAGAL": "tidak_lulus",
    }
    assert adm.sha256 == hashlib.sha256((settings.DATA_DIR / adm.file).read_bytes()).hexdigest()
    written = publish_announcement(
        election=election, actor=kpu_jakpus, body="pps", region_code="3171", stage="tertulis"
    )
    frame = pl.read_parquet(settings.DATA_DIR / written.file)
    assert frame.select("nama", "result", "score", "rank").rows() == [
        ("SITI AMINAH", "lulus", "90.00", 1),
        ("BUDI SANTOSO", "lulus", "80.00", 2),
        ("ANI LESTARI", "tidak_lulus", "60.00", 3),
    ]
    with pytest.raises(SelectionRefused) as info:
        publish_announcement(
            election=election, actor=kpu_jakpus, body="pps", region_code="3171", stage="akhir"
        )
    assert info.value.code == "not_ranked"
    rank(election=election, actor=kpu_jakpus, body="pps")
    final = publish_announcement(
        election=election, actor=kpu_jakpus, body="pps", region_code="3171", stage="akhir"
    )
    frame = pl.read_parquet(settings.DATA_DIR / final.file)
    assert frame.select("nama", "result", "rank").rows() == [
        ("SITI AMINAH", "selected", 1),
        ("BUDI SANTOSO", "reserve", 2),
        ("ANI LESTARI", "not_selected", None),
        ("DEDI GAGAL", "not_selected", None),
    ]
    entries = [e for e in audit_log() if e.action == "adhoc.announcement_publish"]
    assert [e.new["stage"] for e in entries] == ["administrasi", "tertulis", "akhir"]
    assert entries[-1].new["sha256"] == final.sha256


def test_not_checked_applications_block_the_administrative_announcement(
    election, kpu_jakpus, area, passed
):
    passed(nama="PENDING", eligibility="pending")
    with pytest.raises(SelectionRefused) as info:
        publish_announcement(
            election=election,
            actor=kpu_jakpus,
            body="pps",
            region_code="3171",
            stage="administrasi",
        )
    assert info.value.code == "not_checked"
    assert not SelectionAnnouncement.objects.exists()


def test_publishing_again_is_a_new_version_and_the_old_stays(election, kpu_jakpus, area):
    first = publish_announcement(
        election=election, actor=kpu_jakpus, body="pps", region_code="3171", stage="tertulis"
    )
    Application.objects.filter(nama="ANI LESTARI").update(written_score=95)
    second = publish_announcement(
        election=election, actor=kpu_jakpus, body="pps", region_code="3171", stage="tertulis"
    )
    assert (first.version, second.version) == (1, 2)
    assert first.sha256 != second.sha256
    assert (settings.DATA_DIR / first.file).exists() and (settings.DATA_DIR / second.file).exists()
    old = pl.read_parquet(settings.DATA_DIR / first.file)
    assert old.filter(pl.col("nama") == "ANI LESTARI")["score"].to_list() == ["60.00"]


def test_only_an_officer_of_the_body_and_region_publishes(
    election, kpu_jaksel, pps_gambir, area, election_today
):
    with pytest.raises(PermissionDenied):
        publish_announcement(
            election=election,
            actor=kpu_jaksel,
            body="pps",
            region_code="3171",
            stage="administrasi",
        )
    with pytest.raises(PermissionDenied):
        publish_announcement(
            election=election,
            actor=pps_gambir,
            body="pps",
            region_code=KELURAHAN,
            stage="administrasi",
        )
    election_today("2024-12-01")
    with pytest.raises(StageClosed):
        publish_announcement(
            election=election, actor=None, body="pps", region_code="3171", stage="administrasi"
        )
    assert not SelectionAnnouncement.objects.exists()


def test_public_pages_show_number_name_result_and_never_personal_data(
    client, election, kpu_jakpus, area, passed
):
    passed("pps", KELURAHAN_2, nama="CIDENG SATU")
    rank(election=election, actor=kpu_jakpus, body="pps")
    ann = publish_announcement(
        election=election, actor=kpu_jakpus, body="pps", region_code="3171", stage="akhir"
    )
    index = client.get(reverse("adhoc:announcements"))
    assert index.status_code == 200
    assert reverse("adhoc:announcement", args=[ann.pk]) in index.content.decode()
    page = client.get(reverse("adhoc:announcement", args=[ann.pk]), {"wilayah": KELURAHAN})
    html = page.content.decode()
    assert page.status_code == 200
    siti = Application.objects.get(nama="SITI AMINAH")
    assert siti.number in html and "SITI AMINAH" in html and "Terpilih" in html
    assert "CIDENG SATU" not in html  # another area: chosen from the list
    for app in Application.objects.all():
        assert app.nik not in html
        assert app.nik[:12] not in html
    assert "JL. RAHASIA" not in html and "1990-04-01" not in html and "01-04-1990" not in html
    other = client.get(reverse("adhoc:announcement", args=[ann.pk]), {"wilayah": KELURAHAN_2})
    assert "CIDENG SATU" in other.content.decode()


def test_an_unpublished_stage_has_no_public_page(client, election, area):
    assert "Belum ada pengumuman" in client.get(reverse("adhoc:announcements")).content.decode()
    assert client.get(reverse("adhoc:announcement", args=[999])).status_code == 404


def test_a_score_corrected_after_ranking_blocks_the_final_announcement(election, kpu_jakpus, area):
    rank(election=election, actor=kpu_jakpus, body="pps")
    Application.objects.filter(nama="BUDI SANTOSO").update(interview_score=100)
    with pytest.raises(SelectionRefused) as info:
        publish_announcement(
            election=election, actor=kpu_jakpus, body="pps", region_code="3171", stage="akhir"
        )
    assert info.value.code == "stale_ranking"
    rank(election=election, actor=kpu_jakpus, body="pps")
    ann = publish_announcement(
        election=election, actor=kpu_jakpus, body="pps", region_code="3171", stage="akhir"
    )
    frame = pl.read_parquet(settings.DATA_DIR / ann.file)
    assert frame.filter(pl.col("result") == "selected")["nama"].to_list() == ["BUDI SANTOSO"]

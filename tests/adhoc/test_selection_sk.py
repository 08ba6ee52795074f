"""The SK listing as a PDF (services.sk): contents read back with pypdf, versions never
overwritten, SHA-256 in the audit log, refusals."""

import datetime as dt
import hashlib

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from pypdf import PdfReader

from pilkada.adhoc.services.selection import rank
from pilkada.adhoc.services.sk import SkRefused, generate_sk, sk_files
from pilkada.schedule.gate import StageClosed

from .conftest import KELURAHAN
from .selection_support import *  # noqa: F403
from .selection_support import KELURAHAN_2, opening

DAY = dt.date(2024, 6, 10)


def _text(path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


@pytest.fixture
def ranked(election, kpu_jakpus, passed):
    opening(election, seats=2)
    opening(election, region_code=KELURAHAN_2, seats=1)
    passed(nama="SITI AMINAH", written=90, interview=90)
    passed(nama="BUDI SANTOSO", written=80, interview=80, sex="L")
    passed(nama="RESERVE PERSON", written=10, interview=10)
    passed("pps", KELURAHAN_2, nama="CIDENG SATU", written=50, interview=50)
    rank(election=election, actor=kpu_jakpus, body="pps")


def test_the_pdf_lists_the_selected_with_number_name_sex_area(
    election, kpu_jakpus, ranked, audit_log
):
    from pilkada.adhoc.models import Application

    result = generate_sk(
        election=election,
        actor=kpu_jakpus,
        body="pps",
        region_code="3171",
        number="123/PP.04-Kpt/3171/2024",
        date=DAY,
        title="Keputusan KPU Kota Jakarta Pusat tentang Penetapan PPS",
    )
    path = settings.DATA_DIR / result.file
    text = _text(path)
    assert "Keputusan KPU Kota Jakarta Pusat tentang Penetapan PPS" in text
    assert "123/PP.04-Kpt/3171/2024" in text and "2024-06-10" in text
    for name in ("SITI AMINAH", "BUDI SANTOSO", "CIDENG SATU"):
        app = Application.objects.get(nama=name)
        assert name in text and app.number in text
        assert app.nik not in text
    assert "RESERVE PERSON" not in text
    assert "Perempuan" in text and "Laki-laki" in text
    assert KELURAHAN in text and KELURAHAN_2 in text
    assert "Jumlah: 3 orang" in text
    assert result.members == 3 and result.version == 1
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    entry = [e for e in audit_log() if e.action == "adhoc.sk_generate"][-1]
    assert entry.new["sha256"] == digest == result.sha256
    assert entry.new["number"] == "123/PP.04-Kpt/3171/2024"


def test_a_correction_is_a_new_version_and_the_old_stays(election, kpu_jakpus, ranked):
    first = generate_sk(
        election=election,
        actor=kpu_jakpus,
        body="pps",
        region_code=KELURAHAN,
        number="1/2024",
        date=DAY,
    )
    before = (settings.DATA_DIR / first.file).read_bytes()
    second = generate_sk(
        election=election,
        actor=kpu_jakpus,
        body="pps",
        region_code=KELURAHAN,
        number="1a/2024",
        date=DAY,
    )
    assert (first.version, second.version) == (1, 2)
    assert (settings.DATA_DIR / first.file).read_bytes() == before
    assert "1a/2024" in _text(settings.DATA_DIR / second.file)
    assert [f["version"] for f in sk_files(election)] == [2, 1]


def test_refusals(election, kpu_jakpus, kpu_jaksel, pps_gambir, ranked, election_today):
    with pytest.raises(SkRefused) as info:
        generate_sk(
            election=election,
            actor=kpu_jakpus,
            body="pps",
            region_code="317101",
            number="1",
            date=DAY,
        )
    assert info.value.code == "bad_region"  # a kecamatan is not a PPS SK's region
    with pytest.raises(SkRefused) as info:
        generate_sk(
            election=election,
            actor=kpu_jakpus,
            body="ppk",
            region_code="317101",
            number="1",
            date=DAY,
        )
    assert info.value.code == "nobody_selected"
    with pytest.raises(SkRefused):
        generate_sk(
            election=election,
            actor=kpu_jakpus,
            body="pps",
            region_code="3171",
            number=" ",
            date=DAY,
        )
    with pytest.raises(PermissionDenied):
        generate_sk(
            election=election,
            actor=kpu_jaksel,
            body="pps",
            region_code="3171",
            number="1",
            date=DAY,
        )
    with pytest.raises(PermissionDenied):
        generate_sk(
            election=election,
            actor=pps_gambir,
            body="pps",
            region_code=KELURAHAN,
            number="1",
            date=DAY,
        )
    election_today("2024-11-06")
    with pytest.raises(StageClosed):
        generate_sk(
            election=election,
            actor=kpu_jakpus,
            body="pps",
            region_code="3171",
            number="1",
            date=DAY,
        )
    assert sk_files(election) == []

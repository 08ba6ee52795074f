"""Fixtures and helpers of the application form's tests (no tests here).

Imported by ``test_apply_*`` with ``from .apply_support import *``. ``smtp_server`` is the
REAL loopback SMTP server of the candidacy tests (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from candidacy.cek_nik_support import MailBox, smtp_server
from pilkada.engine.nik import make_nik

from .conftest import KECAMATAN, KELURAHAN

__all__ = [
    "BORN",
    "KELURAHAN_2",
    "NKK",
    "TPS",
    "MailBox",
    "apply_post",
    "documents",
    "file_bytes",
    "jpeg",
    "new_nik",
    "openings",
    "pdf",
    "png",
    "public_settings",
    "service_data",
    "smtp_server",
    "submit",
]

BORN = dt.date(1992, 8, 17)
NKK = "3171012308150007"
#: A second kelurahan of kecamatan Gambir (Cideng).
KELURAHAN_2 = "3171011002"
TPS = f"{KELURAHAN}001"
_serials = itertools.count(7001)


def new_nik(*, sex: str = "P", born: dt.date = BORN) -> str:
    return make_nik(kecamatan_code=KECAMATAN, birth_date=born, sex=sex, serial=next(_serials))


def pdf(name: str = "ktp.pdf", size: int = 0) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n" + b"0" * size + b"\n%%EOF\n"
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def jpeg(name: str = "ijazah.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(
        name, b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 64, "image/jpeg"
    )


def png(name: str = "sehat.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")


def documents(**overrides) -> dict:
    """The three required documents (kind -> file); ``kind=None`` leaves one out."""
    docs = {"ktp": pdf(), "ijazah": jpeg(), "surat_sehat": png()}
    docs.update(overrides)
    return {k: v for k, v in docs.items() if v is not None}


def service_data(**overrides) -> dict:
    """The form's values as the service takes them: a woman of 32 living in the area."""
    data = {
        "region_code": KELURAHAN,
        "nik": new_nik(),
        "nkk": NKK,
        "nama": "Siti Rahmawati",
        "tempat_lahir": "Jakarta",
        "tanggal_lahir": BORN,
        "jenis_kelamin": "P",
        "status_kawin": "B",
        "alamat": "Jl. Tanah Abang II No. 5",
        "rt": "3",
        "rw": "007",
        "domicile_code": KELURAHAN,
        "phone": "0812-3456-7890",
        "email": "",
        "education": "s1",
        "health_statement": True,
        "party_statement": True,
        "previous_service": "KPPS 2019",
        "previous_terms": 1,
    }
    data.update(overrides)
    return data


def apply_post(body: str = "pps", **overrides) -> dict:
    """The POST of the public form for ``body`` (area: Gambir / Gambir / TPS 001)."""
    data = service_data()
    data = {
        "body": body,
        "kecamatan": KECAMATAN,
        "kelurahan": KELURAHAN,
        "tps": TPS,
        **{k: v for k, v in data.items() if k not in ("region_code",)},
        "tanggal_lahir": BORN.isoformat(),
        "domicile_kecamatan": KECAMATAN,
        "health_statement": "on",
        "party_statement": "on",
    }
    for kind, upload in documents().items():
        data[f"doc_{kind}"] = upload
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture
def openings(election):
    """Openings of kecamatan Gambir: PPK, PPS in two kelurahan, KPPS and Pantarlih at TPS
    001 and 002 of kelurahan Gambir (written straight into the table)."""
    from pilkada.adhoc.models import Opening

    rows = [
        ("ppk", KECAMATAN, 5), ("pps", KELURAHAN, 3), ("pps", KELURAHAN_2, 3),
        ("kpps", TPS, 7), ("kpps", f"{KELURAHAN}002", 7), ("pantarlih", TPS, 1),
    ]  # fmt: skip
    Opening.objects.bulk_create(
        Opening(election=election, body=b, region_code=c, seats=s) for b, c, s in rows
    )
    return rows


def submit(election, body: str = "pps", *, data=None, docs=None, **overrides):
    """Submit through the service; returns the Submission."""
    from pilkada.adhoc.services.apply import submit_application

    return submit_application(
        election=election,
        body=body,
        data=data if data is not None else service_data(**overrides),
        documents=docs if docs is not None else documents(),
    )


@pytest.fixture(autouse=True)
def public_settings(settings):
    """No rate limit in the way, no minimum time, a clean cache."""
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["1000/m"]
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0.0
    cache.clear()
    yield
    cache.clear()


def file_bytes(document) -> bytes:
    with document.file.open("rb") as fh:
        return fh.read()

"""Fixtures and helpers shared by the tests of cek NIK dukungan and objections (no tests here).

Imported by ``test_cek_nik_*`` and ``test_objections_*`` with
``from .cek_nik_support import *``, and by the browser test.

``smtp_server``: a REAL SMTP server (aiosmtpd) on a free loopback port, with Django's SMTP
backend pointed at it; the fixture's value is the mailbox of the messages it accepted.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache

from pilkada.engine.nik import make_nik

__all__ = [
    "GAMBIR",
    "PENJARINGAN",
    "MailBox",
    "free_port",
    "list_supporter",
    "nik_of",
    "objection_post",
    "public_settings",
    "smtp_server",
]

GAMBIR = "3171011001"  # Jakarta Pusat, kec. Gambir
PENJARINGAN = "3172011001"  # Jakarta Utara
BORN = dt.date(1988, 7, 14)


def nik_of(serial: int, *, sex: str = "L", born: dt.date = BORN) -> str:
    """A well-formed NIK of kecamatan Gambir (different from the conftest's supporters)."""
    return make_nik(kecamatan_code="317101", birth_date=born, sex=sex, serial=serial)


def list_supporter(election, pair, nik: str, *, batch=None, **fields):
    """One supporter row of ``pair`` for ``nik`` (a new round-1 batch unless ``batch``)."""
    from pilkada.candidacy.models import SupportBatch, Supporter

    if batch is None:
        batch = SupportBatch.objects.create(
            election=election, pair=pair, file_name="b1.csv", sha256="1" * 64, read=1, accepted=1
        )
    data = {
        "election": election,
        "pair": pair,
        "batch": batch,
        "line": 2 + Supporter.objects.filter(batch=batch).count(),
        "nik": nik,
        "nama": "BUDI SANTOSO",
        "tempat_lahir": "JAKARTA",
        "tanggal_lahir": BORN,
        "jenis_kelamin": "L",
        "alamat": "JL. MAWAR NO. 12",
        "rt": "003",
        "rw": "007",
        "kelurahan_code": GAMBIR,
        "region_code": GAMBIR,
        "pekerjaan": "KARYAWAN SWASTA",
    }
    data.update(fields)
    return Supporter.objects.create(**data)


def objection_post(nik: str, pairs=(), **overrides) -> dict:
    """The POST body of a complete objection."""
    data = {
        "nik": nik,
        "pair": [str(p) for p in pairs],
        "contact_name": "Budi Santoso",
        "contact_phone": "0812 3456 7890",
        "contact_email": "",
        "statement": "Saya tidak pernah menandatangani formulir dukungan.",
        "declared": "1",
        "consent": "1",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


@pytest.fixture(autouse=True)
def public_settings(settings):
    """No rate limit in the way, no minimum time, a clean cache (the election is cached)."""
    settings.PILKADA_PUBLIC_LOOKUP_RATES = ["1000/m"]
    settings.PILKADA_PUBLIC_LOOKUP_MIN_SECONDS = 0.0
    cache.clear()
    yield
    cache.clear()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailBox:
    """The messages a loopback SMTP server accepted (aiosmtpd handler)."""

    def __init__(self):
        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 10.0) -> list[EmailMessage]:
        """The messages once ``count`` have arrived (or what arrived by ``timeout``)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if len(self.messages) >= count:
                    return list(self.messages)
            time.sleep(0.05)
        with self._lock:
            return list(self.messages)

    @staticmethod
    def body(message: EmailMessage) -> str:
        return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def smtp_server(settings):
    """A real SMTP server on 127.0.0.1 (aiosmtpd), Django's SMTP backend pointed at it."""
    box = MailBox()
    port = free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "pilkada <noreply@pilkada.test>"
    try:
        yield box
    finally:
        controller.stop()

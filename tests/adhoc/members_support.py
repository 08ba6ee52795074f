"""Fixtures of the members area: openings written straight into the table, selected and
reserve applicants (the ranking's result set directly, as the ranking would), and the real
loopback SMTP server of the candidacy tests.

Import the fixtures into a test module with ``from .members_support import *``."""

from __future__ import annotations

import pytest

from candidacy.cek_nik_support import MailBox, smtp_server

from .conftest import KELURAHAN

__all__ = ["TPS1", "TPS2", "MailBox", "make_opening", "ranked", "seat_directly", "smtp_server"]

TPS1 = f"{KELURAHAN}001"
TPS2 = f"{KELURAHAN}002"


@pytest.fixture
def make_opening(election):
    """``make_opening(body, region_code, seats)`` -> Opening (creates the TPS for TPS areas)."""
    from pilkada.adhoc.models import Opening
    from pilkada.regions.models import Tps

    def _make(body: str, region_code: str, seats: int):
        if len(region_code) == 13:
            Tps.objects.get_or_create(
                code=region_code,
                defaults={"kelurahan_id": region_code[:10], "number": int(region_code[10:])},
            )
        return Opening.objects.create(
            election=election, body=body, region_code=region_code, seats=seats
        )

    return _make


@pytest.fixture
def ranked(make_application):
    """``ranked(body, region_code, result, rank, **fields)`` -> an eligible Application with
    the ranking's result ("selected" or "reserve") and rank."""

    def _make(body: str, region_code: str, result: str = "selected", rank: int = 1, **fields):
        values = {"eligibility": "eligible", "documents_ok": True, "result": result, "rank": rank}
        values.update(fields)
        return make_application(body=body, region_code=region_code, **values)

    return _make


@pytest.fixture
def seat_directly(election):
    """``seat_directly(application, state="active")`` -> Member without an account (for
    counts: the seating service has its own tests)."""
    from pilkada.adhoc.models import Member

    def _seat(application, state: str = "active"):
        return Member.objects.create(
            election=election, body=application.body, region_code=application.region_code,
            application=application, sk_number="SK TEST", state=state,
        )  # fmt: skip

    return _seat

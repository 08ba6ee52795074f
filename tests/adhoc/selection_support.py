"""Helpers of the selection tests: applications that passed the administrative check,
openings, score files."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from pilkada.adhoc.models import Application, Opening

from .conftest import KELURAHAN

#: A second kelurahan of Gambir (another PPS area).
__all__ = ["passed"]

KELURAHAN_2 = "3171011002"
BASE_TIME = dt.datetime(2024, 5, 1, 8, 0, tzinfo=dt.UTC)


def opening(election, body="pps", region_code=KELURAHAN, seats=3) -> Opening:
    return Opening.objects.update_or_create(
        election=election, body=body, region_code=region_code, defaults={"seats": seats}
    )[0]


@pytest.fixture
def passed(make_application):
    """``passed(body, region, written=, interview=, sex=, minute=, **fields)``: an application
    that passed the administrative check, with its scores and submission time."""

    def _make(body="pps", region_code=KELURAHAN, *, written=None, interview=None, sex="P",
              minute=0, **fields):  # fmt: skip
        values = {
            "eligibility": Application.Check.ELIGIBLE,
            "documents_ok": True,
            "jenis_kelamin": sex,
            "written_score": None if written is None else Decimal(str(written)),
            "interview_score": None if interview is None else Decimal(str(interview)),
        }
        values.update(fields)
        app = make_application(body, region_code, **values)
        # submitted_at is auto_now_add: set it after the insert.
        Application.objects.filter(pk=app.pk).update(
            submitted_at=BASE_TIME + dt.timedelta(minutes=minute)
        )
        app.refresh_from_db()
        return app

    return _make


def results(election, body="pps", region_code=KELURAHAN) -> list[tuple[str, int | None, str]]:
    """(nama, rank, result) of an area, in rank order (unranked last, by number)."""
    rows = Application.objects.filter(election=election, body=body, region_code=region_code)
    out = [(a.nama, a.rank, a.result) for a in rows]
    return sorted(out, key=lambda r: (r[1] is None, r[1] or 0, r[0]))


def write_csv(path: Path, header: list[str], rows: list[list]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)
    return path


def now():
    return timezone.now()

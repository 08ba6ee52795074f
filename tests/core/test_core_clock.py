"""The election clock: a fixed date (PILKADA_TODAY) or the real date in Asia/Jakarta."""

import datetime as dt

import pytest
from django.utils import timezone

from pilkada.core import clock


def test_fixed_by_setting_string(settings):
    settings.PILKADA_TODAY = "2024-07-01"
    assert clock.today() == dt.date(2024, 7, 1)
    assert clock.is_fixed()


def test_fixed_by_fixture(election_today):
    election_today("2024-11-27")
    assert clock.today() == dt.date(2024, 11, 27)
    election_today(dt.date(2024, 12, 16))
    assert clock.today() == dt.date(2024, 12, 16)


def test_real_date_without_setting(settings):
    settings.PILKADA_TODAY = None
    assert not clock.is_fixed()
    assert clock.today() == timezone.localdate()


def test_empty_setting_means_real_date(settings):
    settings.PILKADA_TODAY = ""
    assert not clock.is_fixed()
    assert clock.today() == timezone.localdate()


@pytest.mark.parametrize(
    ("utc", "jakarta_date"),
    [
        # Midnight in Jakarta is 17:00 UTC the day before: a window that closes on
        # 24 July closes at 24:00 WIB, not at 24:00 UTC.
        (dt.datetime(2024, 7, 24, 16, 59, tzinfo=dt.UTC), dt.date(2024, 7, 24)),
        (dt.datetime(2024, 7, 24, 17, 0, tzinfo=dt.UTC), dt.date(2024, 7, 25)),
    ],
)
def test_real_date_is_the_date_in_jakarta(settings, monkeypatch, utc, jakarta_date):
    settings.PILKADA_TODAY = None
    monkeypatch.setattr(timezone, "now", lambda: utc)
    assert clock.today() == jakarta_date


def test_bad_setting_is_an_error(settings):
    settings.PILKADA_TODAY = "01-07-2024"
    with pytest.raises(ValueError):
        clock.today()

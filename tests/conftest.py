"""Shared fixtures. Tests use real databases (SQLite or PostgreSQL, by DATABASE_URL)."""

import datetime as dt

import pytest


@pytest.fixture
def election_today(settings):
    """Fix the election clock: ``election_today("2024-06-01")``."""

    def _set(value: str | dt.date):
        settings.PILKADA_TODAY = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        return settings.PILKADA_TODAY

    return _set

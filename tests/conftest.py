"""Shared fixtures. Tests use real databases (SQLite or PostgreSQL, by DATABASE_URL)."""

import datetime as dt

import pytest

DEMO_TEST_VOTERS = 3000


@pytest.fixture(autouse=True)
def fast_password_hasher(settings):
    """Hashing with the production hasher costs ~0.3 s per account; tests need no strength."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def election_today(settings):
    """Fix the election clock: ``election_today("2024-06-01")``."""

    def _set(value: str | dt.date):
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(value)
        settings.PILKADA_TODAY = day
        return settings.PILKADA_TODAY

    return _set


@pytest.fixture
def audit_log(db):
    """``audit_log()``: the audit entries written since the test started, oldest first."""
    from pilkada.audit.models import AuditEntry

    start = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    return lambda: list(AuditEntry.objects.filter(seq__gt=start).order_by("seq"))


@pytest.fixture(scope="session")
def demo_data_dir(tmp_path_factory):
    """One data directory per test session, so the demo population is generated once."""
    return tmp_path_factory.mktemp("pilkada-data")


def _load_demo(settings, data_dir):
    from pilkada.core.demo import load_demo
    from pilkada.regions.services import load_shipped_regions

    settings.DATA_DIR = data_dir
    load_shipped_regions()
    return load_demo(voters=DEMO_TEST_VOTERS, seed=7)


@pytest.fixture
def demo(db, settings, demo_data_dir):
    """The demo election, accounts and a small synthetic population, as `make run` loads."""
    return _load_demo(settings, demo_data_dir)


@pytest.fixture
def demo_live(transactional_db, settings, demo_data_dir):
    """The demo, committed, for tests that drive a browser against the live server."""
    return _load_demo(settings, demo_data_dir)

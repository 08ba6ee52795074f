"""Shared fixtures. Tests use real databases (SQLite or PostgreSQL, by DATABASE_URL)."""

import datetime as dt
import os
from pathlib import Path

import pytest

from browser.conftest import CHROMIUM, CHROMIUM_ARGS

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


# --- Browser tests (see tests/browser/conftest.py) -----------------------------------------


@pytest.fixture(scope="session")
def chromium_browser():
    if not Path(CHROMIUM).exists():
        message = f"no chromium at {CHROMIUM}: browser tests SKIPPED (apt-get install chromium)"
        if os.environ.get("PILKADA_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        print(f"\nNOTICE: {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser, live_server):
    context = chromium_browser.new_context(locale="id-ID", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base_url = live_server.url
    yield page
    context.close()

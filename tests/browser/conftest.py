"""Browser tests: Playwright driving Debian's chromium against Django's live server.

`playwright install` cannot download browsers here, so the tests launch the system
chromium (`PILKADA_CHROMIUM`, default /usr/bin/chromium). Without it the tests are skipped
with a printed notice, except in CI (PILKADA_REQUIRE_BROWSER=1), where that is a failure.
"""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("PILKADA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls in the test
# body are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


# The fixtures ``chromium_browser`` (one per session) and ``page`` live in tests/conftest.py,
# so that browser tests beside their app's other tests (tests/adhoc/...) share the one
# Playwright instance: Playwright's sync API refuses a second one in the same thread.

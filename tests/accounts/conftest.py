"""Fixtures of the accounts tests."""

from __future__ import annotations

import pytest

from pilkada.regions.services import SHIPPED_DATA_DIR, load_region_file


@pytest.fixture
def jakarta(db):
    return load_region_file(path=SHIPPED_DATA_DIR / "31.csv")

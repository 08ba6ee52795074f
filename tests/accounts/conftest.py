"""Fixtures of the accounts tests."""

from __future__ import annotations

import pytest
from django.db import connection

from pilkada.regions.services import SHIPPED_DATA_DIR, load_region_file


@pytest.fixture
def jakarta(db):
    return load_region_file(path=SHIPPED_DATA_DIR / "31.csv")


@pytest.fixture
def audit_calls(monkeypatch):
    """Every record_audit call of the accounts (and regions) services, passed through."""
    import pilkada.accounts.services as accounts_services
    import pilkada.regions.services as regions_services

    calls: list[dict] = []
    real = accounts_services.record_audit

    def spy(**kwargs):
        calls.append({**kwargs, "in_atomic_block": connection.in_atomic_block})
        return real(**kwargs)

    monkeypatch.setattr(accounts_services, "record_audit", spy)
    monkeypatch.setattr(regions_services, "record_audit", spy)
    return calls

"""Fixtures of the regions tests: the shipped DKI Jakarta file, a tiny Banten file, and a spy
on the audit log."""

from __future__ import annotations

import pytest
from django.db import connection
from regions_testdata import JAKARTA

from pilkada.regions.services import load_region_file


@pytest.fixture
def write_csv(tmp_path):
    """``write_csv(text, name="x.csv")`` writes a file (UTF-8 unless bytes) and returns it."""

    def _write(content: str | bytes, name: str = "regions.csv"):
        path = tmp_path / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return _write


@pytest.fixture
def jakarta(db):
    """DKI Jakarta loaded from the shipped file."""
    return load_region_file(path=JAKARTA)


@pytest.fixture
def audit_calls(monkeypatch):
    """Every record_audit call of the regions and accounts services, passed through to the
    real audit log; each call notes whether it ran inside a transaction."""
    import pilkada.accounts.services as accounts_services
    import pilkada.regions.services as regions_services

    calls: list[dict] = []
    real = regions_services.record_audit

    def spy(**kwargs):
        calls.append({**kwargs, "in_atomic_block": connection.in_atomic_block})
        return real(**kwargs)

    monkeypatch.setattr(regions_services, "record_audit", spy)
    monkeypatch.setattr(accounts_services, "record_audit", spy)
    return calls

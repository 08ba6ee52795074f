"""Fixtures of the regions tests: the shipped DKI Jakarta file, a tiny Banten file."""

from __future__ import annotations

import pytest
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

"""Pages are in Bahasa Indonesia (the msgids); every string has its English translation."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

import pilkada

CATALOGUES = sorted(Path(pilkada.__file__).parent.glob("*/locale/en/LC_MESSAGES/django.po"))
# Names of bodies, levels and forms stay in Indonesian in English pages (GLOSSARY.md).
SAME_IN_ENGLISH = {
    "KPU Provinsi", "KPU Kabupaten/Kota", "PPK", "PPS", "KPPS", "Pantarlih", "Bawaslu",
    "Dukcapil", "Provinsi", "Kabupaten/Kota", "Kecamatan", "Kelurahan/Desa", "Kabupaten",
    "Kota", "Kelurahan", "TPS", "Status", "DP4",
}  # fmt: skip


def untranslated(po: Path) -> set[str]:
    out = subprocess.run(
        ["msgattrib", "--untranslated", "--no-wrap", str(po)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return {m for m in re.findall(r'^msgid "(.*)"$', out, re.M) if m}


def fuzzy(po: Path) -> set[str]:
    out = subprocess.run(
        ["msgattrib", "--only-fuzzy", "--no-wrap", str(po)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return {m for m in re.findall(r'^msgid "(.*)"$', out, re.M) if m}


@pytest.mark.skipif(shutil.which("msgattrib") is None, reason="gettext tools not installed")
@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: p.parts[-5])
def test_english_catalogue_is_complete(po):
    assert CATALOGUES
    assert untranslated(po) - SAME_IN_ENGLISH == set()
    assert fuzzy(po) == set()

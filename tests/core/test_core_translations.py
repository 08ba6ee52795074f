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


APPS = sorted(p.parent for p in Path(pilkada.__file__).parent.glob("*/apps.py"))


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="gettext tools not installed")
@pytest.mark.parametrize("app", APPS, ids=lambda p: p.name)
def test_catalogue_holds_every_string_of_the_code(app, tmp_path):
    """Extract the strings again from a copy of the app (as `make translations` does): none
    may be missing from the committed catalogue, so no page shows Indonesian in English."""
    import os
    import sys

    copy = tmp_path / app.name
    shutil.copytree(app, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    po = copy / "locale" / "en" / "LC_MESSAGES" / "django.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pilkada.settings_test"}
    # The console script, not `python -m django`: with the app directory as the working
    # directory, `-m` would put it first on sys.path, and `selectors/` would shadow the
    # standard library's module of that name.
    pilkada_cli = Path(sys.executable).parent / "pilkada"
    subprocess.run(
        [str(pilkada_cli), "makemessages", "-l", "en", "--no-obsolete"],
        cwd=copy, env=env, check=True, capture_output=True,
    )  # fmt: skip
    if not po.exists():  # the app has no translatable string
        return
    missing = untranslated(po) - SAME_IN_ENGLISH
    assert missing == set(), f"run `make translations` and translate: {sorted(missing)[:10]}"
    assert fuzzy(po) == set()

"""`pilkada synth population` through Django's call_command (no database needed)."""

from __future__ import annotations

import hashlib
import io
import json

import pytest
from django.core.management import CommandError, call_command, load_command_class

from pilkada.synth.population import PopulationParams, write_population


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("synth", *args, stdout=out)
    return out.getvalue()


def test_help_first_line():
    command = load_command_class("pilkada.synth", "synth")
    assert command.help.splitlines()[0] == (
        "Generate deterministic synthetic data (population: a DP4 file and its truth file)."
    )


def test_population_writes_files_and_prints_the_manifest(tmp_path):
    out = tmp_path / "pop"
    printed = _run(
        "population",
        "--voters",
        "3000",
        "--seed",
        "8",
        "--out",
        str(out),
        "--rate-duplicate",
        "0.02",
        "--rate-tni",
        "0",
        "--json",
    )
    manifest = json.loads(printed)
    assert json.loads((out / "manifest.json").read_text()) == manifest
    assert manifest["rows"] == 3000
    for name in ("dp4.csv", "truth.csv"):
        digest = hashlib.sha256((out / name).read_bytes()).hexdigest()
        assert manifest["files"][name]["sha256"] == digest
    rows = manifest["defect_rows"]
    assert rows["tni"] == 0
    assert rows["duplicate_same_nik"] == 24  # 40% of 2% of 3000
    assert sum(v for k, v in rows.items() if k.startswith("duplicate_")) == 60
    # The command and the library give the same bytes for the same parameters.
    direct = tmp_path / "direct"
    write_population(
        PopulationParams.with_duplicate_rate(0.02, voters=3000, seed=8, rate_tni=0.0), direct
    )
    assert (direct / "dp4.csv").read_bytes() == (out / "dp4.csv").read_bytes()


def test_population_summary_and_per_kind_override(tmp_path):
    printed = _run(
        "population",
        "--voters",
        "2000",
        "--seed",
        "1",
        "--out",
        str(tmp_path),
        "--rate-duplicate",
        "0.01",
        "--rate-duplicate-nik-typo",
        "0.005",
    )
    assert "wrote 2,000 DP4 rows" in printed
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["defect_rows"]["duplicate_nik_typo"] == 10
    assert manifest["defect_rows"]["duplicate_same_nik"] == 8


def test_bad_parameters_are_a_command_error(tmp_path):
    with pytest.raises(CommandError):
        _run(
            "population",
            "--voters",
            "100",
            "--seed",
            "1",
            "--out",
            str(tmp_path),
            "--rate-deceased",
            "0.6",
        )
    with pytest.raises(CommandError):
        _run(
            "population",
            "--voters",
            "100",
            "--seed",
            "1",
            "--out",
            str(tmp_path),
            "--province",
            "99",
        )
    with pytest.raises(CommandError):
        _run("population", "--voters", "0", "--seed", "1", "--out", str(tmp_path))

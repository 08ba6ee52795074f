"""`pilkada voters sync`: summary, --json, --export (missing voters and counts), exit codes."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from .duplicates_support import AFTER_DAY, REVIEW_DAY, load
from .test_sync_service import dp4_rows, previous_rows

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("voters", "sync", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def register(election, dp4_file, election_today, kpu_dki):
    load(election, dp4_file, dp4_rows())
    load(election, dp4_file, previous_rows(), kind="dpt-lama", name="dpt.csv")
    election_today(REVIEW_DAY)
    return election


def test_json(register):
    out, _ = run("--json", "--as", "kpu-dki")
    data = json.loads(out)
    assert data["dp4_rows"] == 11 and data["missing"] == 2 and data["reconciles"] is True
    assert data["dp4_rows"] == data["found_by_nik"] + data["found_by_fuzzy"] + data["new"]


def test_summary_with_progress(register):
    out, err = run("--as", "kpu-dki")
    assert "missing from DP4" in out and "reconciles: yes" in out
    assert "sync: mencocokkan" in err


def test_export(register, tmp_path, audit_log):
    path = tmp_path / "hilang.csv"
    out, _ = run("--export", str(path), "--as", "kpu-dki")
    assert "wrote 2 missing voters" in out
    with open(path, newline="") as f:
        missing = list(csv.DictReader(f))
    assert {r["nama"] for r in missing} == {"SUPARMAN", "SUKARNI"}
    assert all("*" in r["nik"] for r in missing)
    with open(tmp_path / "hilang-counts.csv", newline="") as f:
        counts = list(csv.DictReader(f))
    assert {r["kelurahan_code"] for r in counts} == {"3171011001", "3171011002"}
    assert sum(int(r["dp4_rows"]) for r in counts) == 11
    assert sum(int(r["missing"]) for r in counts) == 2
    assert audit_log()[-1].action == "voters.sync"  # masked: no unmasked-access entry
    run("--export", str(path), "--unmasked", "--as", "kpu-dki")
    assert audit_log()[-1].action == "personal_data.unmasked"


@pytest.mark.parametrize(
    ("args", "code"),
    [(("--unmasked",), 2), (("--export", "/nonexistent-dir/x.csv"), 2), (("--as", "x"), 2)],
)
def test_bad_input(register, args, code):
    with pytest.raises(CommandError) as exc:
        run(*args)
    assert exc.value.returncode == code


def test_refused(register, election_today, pps):
    with pytest.raises(CommandError) as exc:
        run("--as", "pps-gambir")
    assert exc.value.returncode == 3
    election_today(AFTER_DAY)
    with pytest.raises(CommandError) as exc:
        run("--as", "kpu-dki")
    assert exc.value.returncode == 3 and "voters.sync_dp4" in str(exc.value)


def test_nothing_to_sync(election, election_today, kpu_dki):
    election_today(REVIEW_DAY)
    with pytest.raises(CommandError) as exc:
        run("--as", "kpu-dki")
    assert exc.value.returncode == 3 and "import the DP4" in str(exc.value)

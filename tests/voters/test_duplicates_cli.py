"""`pilkada voters duplicates`: --run, --export, confirm/reject/undo, exit codes."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.voters.models import DuplicateGroup, Voter

from .duplicates_support import (
    AFTER_DAY,
    REVIEW_DAY,
    duplicate_rows,
    kpu_kabkota,
    load,
    voter_by_line,
)

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("voters", "duplicates", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args) -> CommandError:
    with pytest.raises(CommandError) as exc:
        run(*args)
    return exc.value


@pytest.fixture
def register(election, dp4_file, election_today, kpu_dki):
    load(election, dp4_file, duplicate_rows())
    election_today(REVIEW_DAY)
    return election


def test_run_with_progress_and_summary(register):
    out, err = run("--run", "--as", "kpu-dki")
    assert "duplicates: features" in err and "duplicates: scoring" in err
    assert "detection over 24 voters: 4 groups" in out
    assert "queue: 4 open" in out


def test_run_json(register):
    out, _ = run("--run", "--json", "--as", "kpu-dki")
    data = json.loads(out)
    assert data["run"]["rows"] == 24 and data["run"]["groups"] == 4
    assert data["queue"]["open"] == 4 and data["queue"]["conflict"] == 1


def test_export_columns_masked(register, tmp_path, audit_log):
    run("--run", "--quiet")
    path = tmp_path / "ganda.csv"
    n = len(audit_log())
    out, _ = run("--export", str(path), "--as", "kpu-dki")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:4] == ["group_id", "nik", "nama", "status"]
    assert {"voter_id", "kelurahan_code", "kind", "match_weight", "decision"} <= set(rows[0])
    assert len(rows) == 8  # four groups of two
    keys = set(DuplicateGroup.objects.values_list("group_key", flat=True))
    assert {r["group_id"] for r in rows} == keys
    assert all("*" in r["nik"] for r in rows)
    assert {r["status"] for r in rows} == {"suggested", "nik_conflict"}
    assert {r["decision"] for r in rows} == {"open"}
    assert len(audit_log()) == n  # a masked export is not an unmasked access
    assert "wrote 8 rows" in out


def test_export_unmasked_is_logged(register, tmp_path, audit_log):
    run("--run", "--quiet")
    path = tmp_path / "ganda.csv"
    run("--export", str(path), "--unmasked", "--as", "kpu-dki")
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert all(len(r["nik"]) == 16 and r["nik"].isdigit() for r in rows)
    entry = audit_log()[-1]
    assert entry.action == "personal_data.unmasked" and entry.new["count"] == 8


def test_confirm_reject_undo(register):
    run("--run", "--quiet")
    later = voter_by_line(23)
    group = DuplicateGroup.objects.get(members__voter_id=later.pk)
    out, _ = run("confirm", group.group_key, "--as", "kpu-dki")
    assert "confirmed" in out and str(later.pk) in out
    assert Voter.objects.get(pk=later.pk).tms_code == 2
    err = fails("confirm", str(group.pk), "--as", "kpu-dki")
    assert err.returncode == 3 and "already decided" in str(err)
    out, _ = run("undo", str(group.pk), "--json", "--as", "kpu-dki")
    assert json.loads(out)["decision"]["restored"] == [later.pk]
    out, _ = run("reject", str(group.pk), "--note", "kembar", "--as", "kpu-dki")
    assert "1 pair(s) remembered" in out


@pytest.mark.parametrize(
    ("args", "code", "text"),
    [
        (("confirm",), 2, "needs a GROUP"),
        (("confirm", "G999999"), 2, "no duplicate group"),
        (("--unmasked",), 2, "--unmasked only applies"),
        (("--export", "/nonexistent-dir/x.csv"), 2, "does not exist"),
        (("--as", "nobody"), 2, "no user"),
        (("--election", "nope"), 2, "nope"),
    ],
)
def test_bad_input(register, args, code, text):
    err = fails(*args)
    assert err.returncode == code and text in str(err)


def test_bad_voter_id(register):
    run("--run", "--quiet")
    group = DuplicateGroup.objects.filter(kind="probable").first()
    err = fails("confirm", str(group.pk), "--keep", "abc", "--as", "kpu-dki")
    assert err.returncode == 2 and "integers" in str(err)
    assert DuplicateGroup.objects.get(pk=group.pk).status == "open"


def test_refused_outside_window_and_scope(register, election_today):
    run("--run", "--quiet")
    cross = DuplicateGroup.objects.get(region_code="31")
    kpu_kabkota("3171")
    err = fails("confirm", str(cross.pk), "--as", "kpu-3171")
    assert err.returncode == 3 and "outside your scope" in str(err)
    election_today(AFTER_DAY)
    err = fails("--run", "--as", "kpu-dki")
    assert err.returncode == 3 and "voters.review_duplicates" in str(err)

"""`pilkada voters import`: summary, --json, progress on stderr, exit codes."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.voters.management.commands.voters import EXIT_BAD_FILE, EXIT_REFUSED, EXIT_USAGE
from pilkada.voters.models import ImportBatch, Voter

from .conftest import person

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("voters", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_json_summary(election, dp4_file, kpu_dki):
    path = dp4_file([person(1), person(2, nik="3.17101E+15"), person(3, nama="", nik="")])
    out, err = run("import", str(path), "--kind", "dp4", "--json", "--as", "kpu-dki")
    data = json.loads(out)
    for key in (
        "accepted", "flagged", "rejected", "blank", "repeated_headers", "read",
        "rejects_file", "batch_id", "sha256", "seconds",
    ):  # fmt: skip
        assert key in data, key
    assert (data["accepted"], data["flagged"], data["rejected"], data["read"]) == (1, 1, 1, 3)
    assert data["batch_id"] == ImportBatch.objects.get().pk
    assert data["flags"] == {"nik_scientific_notation": 1}
    assert data["rejects"] == {"no_identity": 1}
    with open(data["rejects_file"]) as f:
        assert f.read().splitlines()[1].startswith("4,")
    assert "reading:" in err and "loading:" in err  # progress lines on stderr
    assert Voter.objects.count() == 2


def test_human_summary(election, dp4_file):
    out, _ = run("import", str(dp4_file([person(1), ""])), "--kind", "dp4", "--quiet")
    assert "imported dp4.csv as dp4" in out
    assert "reconciles" in out and "yes" in out
    assert "blank lines" in out


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("nkk,nik,nama\n1,2,3\n", "missing_columns"),
        ("", "empty"),
        ("a,b\n1,2\n", "no_header"),
    ],
)
def test_bad_file_exits_1(election, tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CommandError) as exc:
        run("import", str(path), "--kind", "dp4")
    assert exc.value.returncode == EXIT_BAD_FILE
    assert f"[{expected}]" in str(exc.value) and "Nothing was imported" in str(exc.value)
    assert Voter.objects.count() == 0


def test_unreadable_file_exits_1(election, tmp_path):
    with pytest.raises(CommandError) as exc:
        run("import", str(tmp_path / "missing.csv"), "--kind", "dp4")
    assert exc.value.returncode == EXIT_BAD_FILE and "not_found" in str(exc.value)


def test_window_closed_names_the_stage(election, dp4_file, election_today):
    election_today("2024-07-01")
    with pytest.raises(CommandError) as exc:
        run("import", str(dp4_file([person(1)])), "--kind", "dp4")
    assert exc.value.returncode == EXIT_REFUSED
    message = str(exc.value)
    assert "Penyerahan daftar penduduk potensial pemilih (DP4)" in message
    assert "24 April 2024" in message and "31 Mei 2024" in message
    assert Voter.objects.count() == 0


def test_unknown_kind_and_election(election, dp4_file):
    path = str(dp4_file([person(1)]))
    with pytest.raises(CommandError) as exc:
        run("import", path, "--kind", "dps")
    assert exc.value.returncode == EXIT_USAGE and "dp4" in str(exc.value)
    with pytest.raises(CommandError) as exc:
        run("import", path, "--kind", "dp4", "--election", "nope")
    assert exc.value.returncode == EXIT_USAGE
    with pytest.raises(CommandError) as exc:
        run("import", path, "--kind", "dp4", "--as", "nobody")
    assert exc.value.returncode == EXIT_USAGE


def test_officer_without_permission_is_refused(election, dp4_file, pps):
    with pytest.raises(CommandError) as exc:
        run("import", str(dp4_file([person(1)])), "--kind", "dp4", "--as", "pps-gambir")
    assert exc.value.returncode == EXIT_REFUSED

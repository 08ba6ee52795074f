"""`pilkada schedule show | load | set | check`."""

import json
from io import StringIO

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError

from pilkada.audit.models import AuditEntry
from pilkada.schedule import selectors
from pilkada.schedule.models import Election
from pilkada.schedule.services import DEMO_ELECTION_FILE


def run(*args) -> str:
    out = StringIO()
    call_command("schedule", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_help_first_line():
    command = load_command_class(get_commands()["schedule"], "schedule")
    assert command.help.splitlines()[0] == (
        "Stage schedule (tahapan): show stages and their windows; load an election."
    )


def test_show_lists_every_stage_and_marks_the_open_ones(election, election_today):
    election_today("2024-07-01")
    out = run("show")
    lines = out.splitlines()
    for stage in selectors.stages(election=election):
        line = next(line for line in lines if f"[{stage.code}]" in line)
        assert stage.name in line
        assert stage.start.isoformat() in line and stage.end.isoformat() in line
        assert line.startswith("*") is stage.contains(election_today("2024-07-01"))
    coklit = next(line for line in lines if "[coklit]" in line)
    assert coklit.startswith("* ") and "OPEN" in coklit
    dp4 = next(line for line in lines if "[penyerahan-dp4]" in line)
    assert dp4.startswith("  ") and "closed" in dp4
    assert "2024-07-01" in out and "PILKADA_TODAY" in out


def test_show_json(election, election_today):
    election_today("2024-08-27")
    data = json.loads(run("show", "--json", "--election", "pilgub-dki-2024"))
    assert data["today"] == "2024-08-27" and data["clock_fixed"] is True
    open_codes = {s["code"] for s in data["stages"] if s["open"]}
    assert open_codes == {
        "pembentukan-badan-adhoc",
        "pemutakhiran-daftar-pemilih",
        "pendaftaran-paslon",
        "penelitian-persyaratan",
    }


def test_show_without_an_election(db):
    with pytest.raises(CommandError, match="no election loaded"):
        run("show")


def test_load_file_and_demo(db):
    out = run("load", str(DEMO_ELECTION_FILE))
    assert "pilgub-dki-2024 created" in out
    out = run("load", "--demo")
    assert "up to date" in out
    assert Election.objects.count() == 1
    entry = AuditEntry.objects.get()
    assert entry.request_id  # the command run has its own request id


def test_load_refuses_a_bad_file(db, tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(CommandError, match="tidak dapat dibaca"):
        run("load", str(bad))


def test_set(election, kpu_dki, pps):
    out = run("set", "coklit", "--start", "2024-06-24", "--end", "2024-07-31", "--as", "kpu-dki")
    assert "2024-07-31" in out
    assert AuditEntry.objects.get(action="schedule.stage.update").actor == "kpu-dki"
    with pytest.raises(CommandError, match="refused"):
        run("set", "coklit", "--start", "2024-06-24", "--end", "2024-08-01", "--as", pps.username)
    with pytest.raises(CommandError, match="sebelum tanggal mulai"):
        run("set", "coklit", "--start", "2024-07-24", "--end", "2024-06-24", "--as", "kpu-dki")
    with pytest.raises(CommandError, match="no stage 'cocklit'"):
        run("set", "cocklit", "--start", "2024-06-24", "--end", "2024-07-31", "--as", "kpu-dki")
    with pytest.raises(CommandError, match="no user"):
        run("set", "coklit", "--start", "2024-06-24", "--end", "2024-07-31", "--as", "nobody")


def test_check(election):
    out = run("check", "voters.coklit", "--on", "2024-07-01")
    assert out.startswith("OPEN: Tahap 'Pencocokan dan penelitian (coklit)'")
    with pytest.raises(CommandError) as info:
        run("check", "voters.coklit", "--on", "2024-08-01")
    assert info.value.returncode == 1
    data = json.loads(
        StringIO(run("check", "candidacy.register", "--on", "2024-08-28", "--json")).read()
    )
    assert data["open"] is True and data["stage"] == "pendaftaran-paslon"

"""`pilkada adhoc scores-import | rank | women | announce | sk`."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pypdf import PdfReader

from pilkada.adhoc.models import Application

from .conftest import KELURAHAN
from .selection_support import *  # noqa: F403
from .selection_support import opening, write_csv


def test_import_rank_women_announce_sk(election, kpu_jakpus, passed, tmp_path, capsys):
    opening(election, seats=1)
    a = passed(nama="A", sex="L")
    b = passed(nama="B", sex="L")
    written = write_csv(
        tmp_path / "w.csv",
        ["number", "written_score"],
        [[a.number, 70], [b.number, 60], ["NOPE", 1]],
    )
    call_command(
        "adhoc", "scores-import", str(written), "--kind", "written", "--json", "--as", "kpu-jakpus"
    )
    out = json.loads(capsys.readouterr().out)
    assert (out["accepted"], out["rejected"], out["reasons"]) == (2, 1, {"unknown_number": 1})
    interview = write_csv(
        tmp_path / "i.csv", ["number", "interview_score"], [[a.number, 50], [b.number, 90]]
    )
    call_command("adhoc", "scores-import", str(interview), "--kind", "interview")
    assert "2 accepted" in capsys.readouterr().out
    call_command("adhoc", "rank", "--body", "pps", "--json")
    out = json.loads(capsys.readouterr().out)
    assert (out["selected"], out["reserve"]) == (1, 1)
    assert Application.objects.get(nama="B").result == "selected"  # 75 against 60
    call_command("adhoc", "women", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {
            "body": "pps",
            "region_code": KELURAHAN,
            "selected": 1,
            "women": 0,
            "seats": 1,
            "required": 1,
            "met": False,
        }
    ]
    call_command(
        "adhoc", "announce", "--body", "pps", "--region", "3171", "--stage", "akhir", "--json"
    )
    assert json.loads(capsys.readouterr().out)["rows"] == 2
    pdf = tmp_path / "sk.pdf"
    call_command(
        "adhoc",
        "sk",
        "--body",
        "pps",
        "--region",
        "3171",
        "--number",
        "9/2024",
        "--date",
        "2024-06-01",
        "--out",
        str(pdf),
        "--json",
    )
    data = json.loads(capsys.readouterr().out)
    assert data["members"] == 1 and data["version"] == 1
    text = PdfReader(pdf).pages[0].extract_text()
    assert "9/2024" in text and "B" in text and Application.objects.get(nama="B").number in text


def test_cli_errors_have_exit_codes(election, kpu_jaksel, passed, tmp_path, election_today):
    bad = tmp_path / "bad.csv"
    bad.write_text("nama\nX\n")
    with pytest.raises(CommandError) as info:
        call_command("adhoc", "scores-import", str(bad), "--kind", "written")
    assert info.value.returncode == 1 and "Nothing was changed" in str(info.value)
    with pytest.raises(CommandError) as info:
        call_command("adhoc", "rank", "--as", "kpu-jaksel", "--region", "3171")
    assert info.value.returncode == 3
    with pytest.raises(CommandError) as info:
        call_command(
            "adhoc",
            "sk",
            "--body",
            "pps",
            "--region",
            "3171",
            "--number",
            "1",
            "--date",
            "10-06-2024",
        )
    assert info.value.returncode == 2
    election_today("2024-12-01")
    with pytest.raises(CommandError) as info:
        call_command("adhoc", "rank")
    assert info.value.returncode == 3

"""Coklit results from a file (`pilkada voters coklit-apply`) and the cek DPT command line,
on the demo register (TPS formed by the demo)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.audit.models import AuditEntry
from pilkada.voters.models import CoklitRecord, Voter

PPS = "pps-3171011001"  # may act for every TPS of its kelurahan
KELURAHAN = "3171011001"


@pytest.fixture
def register(demo, election_today):
    election_today("2024-07-01")  # coklit
    mine = list(
        Voter.objects.filter(
            election=demo.election, tps_code__startswith=KELURAHAN, status="pending"
        ).order_by("pk")[:2]
    )
    other = (
        Voter.objects.filter(election=demo.election, status="pending")
        .exclude(tps_code__startswith=KELURAHAN)
        .exclude(tps_code__isnull=True)
        .first()
    )
    return mine, other


def write(tmp_path, rows, delimiter=","):
    path = tmp_path / "coklit.csv"
    lines = [delimiter.join(["nik", "hasil", "kode_tms", "catatan"])]
    lines += [delimiter.join(r) for r in rows]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.mark.django_db
def test_rows_are_applied_or_rejected_with_line_and_reason(register, tmp_path, capsys):
    (a, b), other = register
    path = write(
        tmp_path,
        [
            [a.nik, "MS", "", ""],
            [b.nik, "TMS", "1", "surat kematian dari kelurahan"],
            [b.nik, "TMS", "5", ""],  # no evidence note
            ["3171010101900009", "MS", "", ""],  # not on the register
            [other.nik, "MS", "", ""],  # another kelurahan
            [a.nik, "MAYBE", "", ""],
        ],
        delimiter=";",
    )
    rejects = tmp_path / "rejects.csv"
    with pytest.raises(CommandError) as error:
        call_command(
            "voters", "coklit-apply", str(path), "--as", PPS, "--json",
            "--rejects", str(rejects),
        )  # fmt: skip
    assert error.value.returncode == 1
    data = json.loads(capsys.readouterr().out)
    assert (data["rows"], data["ms"], data["tms"], data["rejected"]) == (6, 1, 1, 4)
    assert data["reconciles"]
    assert [r["line"] for r in data["rejects"]] == [4, 5, 6, 7]
    assert "outside your area" in data["rejects"][2]["reason"]
    assert rejects.read_text().startswith("line,reason")
    a.refresh_from_db(), b.refresh_from_db(), other.refresh_from_db()
    assert (a.status, b.status, b.tms_code, other.status) == ("ms", "tms", 1, "pending")
    assert CoklitRecord.objects.filter(voter_id__in=[a.pk, b.pk]).count() == 2


@pytest.mark.django_db
def test_outside_the_coklit_window_nothing_is_applied(register, tmp_path, election_today):
    (a, _b), _other = register
    election_today("2024-08-01")
    path = write(tmp_path, [[a.nik, "MS", "", ""]])
    before = AuditEntry.objects.count()
    with pytest.raises(CommandError) as error:
        call_command("voters", "coklit-apply", str(path), "--as", PPS)
    assert error.value.returncode == 3
    a.refresh_from_db()
    assert a.status == "pending" and AuditEntry.objects.count() == before


@pytest.mark.django_db
def test_a_file_without_the_columns_is_refused(register, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("nama,alamat\nSITI,JL\n")
    with pytest.raises(CommandError) as error:
        call_command("voters", "coklit-apply", str(path), "--as", PPS)
    assert error.value.returncode == 2 and "missing column" in str(error.value)


@pytest.mark.django_db
def test_cek_dpt_command_shows_the_masked_answer(register, capsys):
    (a, _b), _other = register
    call_command("voters", "cek-dpt", a.nik, "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["outcome"] == "listed" and data["tps_code"] == a.tps_code
    assert data["masked_name"] != a.nama and a.nik not in json.dumps(data)
    with pytest.raises(CommandError) as error:
        call_command("voters", "cek-dpt", "3171010101900009")
    assert error.value.returncode == 1
    with pytest.raises(CommandError) as error:
        call_command("voters", "cek-dpt", "12345")
    assert error.value.returncode == 2

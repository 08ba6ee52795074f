"""Automatic TMS 3/6/7 from data, on the register; the CLI around it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.schedule.gate import StageClosed
from pilkada.voters.models import Voter
from pilkada.voters.services import import_voter_file
from pilkada.voters.services.eligibility import (
    check_eligibility,
    read_member_list,
    tms_counts,
)

from .conftest import make_nik_for, person

SYNC_DAY = "2024-06-10"  # inside the voter-list stage


def born(d: dt.date, i: int, **changes):
    return person(i, tanggal_lahir=d.isoformat(), nik=make_nik_for(100 + i, "L", d), **changes)


@pytest.fixture
def register(election, dp4_file, election_today):
    rows = [
        born(dt.date(2007, 11, 27), 1, status_kawin="B"),  # 17 exactly on 27 Nov 2024
        born(dt.date(2007, 11, 28), 2, status_kawin="B"),  # one day short: TMS 3
        born(dt.date(2008, 5, 1), 3, status_kawin="S"),  # married: votes
        born(dt.date(2008, 5, 1), 4, status_kawin="P"),  # ever married: votes
        born(dt.date(1980, 1, 1), 5),  # TNI
        born(dt.date(1981, 1, 1), 6),  # Polri
        born(dt.date(1990, 1, 1), 7),
    ]
    import_voter_file(election=election, path=dp4_file(rows), kind="dp4", actor="test")
    election_today(SYNC_DAY)
    return {r["nama"]: r for r in rows}


def status_of(name):
    v = Voter.objects.get(nama=name)
    return v.status, v.tms_code


@pytest.mark.django_db
def test_under_age_on_voting_day_and_never_married_is_tms_3(election, register, audit_log):
    result = check_eligibility(election=election, actor="test")
    assert result.di_bawah_umur == 1
    assert status_of("WARGA 1") == ("pending", None)
    assert status_of("WARGA 2") == ("tms", 3)
    assert status_of("WARGA 3") == ("pending", None)
    assert status_of("WARGA 4") == ("pending", None)
    note = Voter.objects.get(nama="WARGA 2").tms_note
    assert "2024-11-27" in note and "Pasal 1 angka 6" in note
    assert [e.action for e in audit_log()][-1] == "voters.eligibility_check"
    assert tms_counts(election=election) == {3: 1}
    # Re-running marks nothing new.
    assert check_eligibility(election=election, actor="test").di_bawah_umur == 0


@pytest.mark.django_db
def test_the_voting_day_is_the_elections(election, register):
    election.voting_day = dt.date(2024, 11, 28)
    election.save()
    check_eligibility(election=election, actor="test")
    assert status_of("WARGA 2") == ("pending", None)  # 17 on the later voting day


@pytest.mark.django_db
def test_tni_and_polri_lists(election, register, tmp_path):
    tni = tmp_path / "tni.csv"
    tni.write_text(f"no,nik\n1,{register['WARGA 5']['nik']}\n2,12345\n3,\n")
    polri = tmp_path / "polri.txt"
    polri.write_text(f"{register['WARGA 6']['nik']}\n{register['WARGA 6']['nik']}\n")
    tni_list, polri_list = read_member_list(tni), read_member_list(polri)
    assert [r["line"] for r in tni_list.rejected] == [3, 4]
    assert polri_list.niks == [register["WARGA 6"]["nik"]]  # repeated NIK counted once
    result = check_eligibility(election=election, actor="test", tni=tni_list, polri=polri_list)
    assert (result.tni, result.polri) == (1, 1)
    assert status_of("WARGA 5") == ("tms", 6)
    assert status_of("WARGA 6") == ("tms", 7)
    assert status_of("WARGA 7") == ("pending", None)


@pytest.mark.django_db
def test_coklit_decisions_are_not_overwritten(election, register):
    Voter.objects.filter(nama="WARGA 2").update(status="ms")
    check_eligibility(election=election, actor="test")
    assert status_of("WARGA 2") == ("ms", None)


@pytest.mark.django_db
def test_refused_outside_the_stage_and_for_pps(election, register, election_today, pps):
    with pytest.raises(PermissionDenied):
        check_eligibility(election=election, actor=pps)
    election_today("2024-10-01")
    with pytest.raises(StageClosed):
        check_eligibility(election=election, actor="test")
    assert status_of("WARGA 2") == ("pending", None)


@pytest.mark.django_db
def test_cli_json_and_bad_list(election, register, tmp_path, capsys):
    call_command("voters", "eligibility", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["marked"] == {"3": 1, "6": 0, "7": 0}
    empty = tmp_path / "empty.csv"
    empty.write_text("nik\n")
    with pytest.raises(CommandError) as error:
        call_command("voters", "eligibility", "--tni", str(empty))
    assert error.value.returncode == 1 and "no NIK" in str(error.value)


@pytest.mark.django_db
def test_page_runs_the_check_for_kpu_only(client, election, register, kpu_dki, pps):
    client.force_login(pps)
    assert client.get("/pemilih/syarat/").status_code == 403
    client.force_login(kpu_dki)
    assert client.post("/pemilih/syarat/").status_code == 302
    assert status_of("WARGA 2") == ("tms", 3)
    page = client.get("/pemilih/syarat/").content.decode()
    assert 'data-testid="tms-counts"' in page

"""`pilkada adhoc check` and `pilkada adhoc applications`: the same service and selectors as
the pages, with --json, masking and the exit status of a refusal."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.core.masking import mask_nik

from .applications_support import party_list
from .conftest import KELURAHAN

pytestmark = pytest.mark.django_db
TPS = KELURAHAN + "001"


def run(*args) -> str:
    out = io.StringIO()
    call_command("adhoc", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fails(*args) -> tuple[int, str]:
    with pytest.raises(CommandError) as info:
        call_command("adhoc", *args, stdout=io.StringIO(), stderr=io.StringIO())
    return info.value.returncode, str(info.value)


def test_check_counts_per_reason(election, make_application, audit_log):
    make_application("kpps", TPS, education="smp")
    party = make_application("pps")
    make_application("pps")
    party_list(election, [party.nik])
    data = json.loads(run("check", "--json"))
    assert data["applications"] == 3
    assert data["by_eligibility"] == {"eligible": 1, "ineligible": 2}
    assert data["by_reason"]["education_below_minimum"] == 1
    assert data["by_reason"]["party_member"] == 1
    assert data["by_warning"]["not_in_register"] == 3
    assert audit_log()[-1].action == "adhoc.check"
    text = run("check", "--body", "kpps")
    assert "checked 1 applications (kpps)" in text
    assert "education_below_minimum" in text


def test_check_as_an_officer_and_refusals(election, make_application, pps_gambir, ppk_gambir,
                                          election_today):  # fmt: skip
    app = make_application("kpps", TPS)
    data = json.loads(run("check", "--as", "pps-gambir", "--json"))
    assert data["bodies"] == ["kpps", "pantarlih"] and data["applications"] == 1
    assert fails("check", "--as", "pps-gambir", "--body", "pps")[0] == 3
    assert fails("check", "--as", "pps-gambir", "--region", "3171011002")[0] == 3
    assert fails("check", "--as", "ppk-gambir")[0] == 3
    assert fails("check", "--as", "nobody")[0] == 2
    election_today("2024-12-01")
    code, message = fails("check")
    assert code == 3 and "ditutup" in message
    app.refresh_from_db()
    assert app.eligibility == "eligible"


def test_applications_list_masked_and_scoped(election, make_application, pps_gambir):
    mine = make_application("kpps", TPS, education="sd")
    other = make_application("kpps", "3171011002001", domicile_code="3171011002")
    run("check")
    data = json.loads(run("applications", "--as", "pps-gambir", "--json"))
    assert data["total"] == 1
    (row,) = data["rows"]
    assert row["number"] == mine.number
    assert row["nik"] == mask_nik(mine.nik) and mine.nik not in json.dumps(data)
    assert row["reasons"] == ["education_below_minimum"]
    everything = json.loads(run("applications", "--json"))
    assert {r["number"] for r in everything["rows"]} == {mine.number, other.number}
    only = json.loads(run("applications", "--json", "--reason", "education_below_minimum"))
    assert [r["number"] for r in only["rows"]] == [mine.number]
    text = run("applications", "--status", "eligible")
    assert other.number in text and mine.number not in text

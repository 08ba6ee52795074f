"""`pilkada candidacy basis`, `parties` and `minimum`: output, --json, exit codes."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.candidacy.models import CandidacyBasis, PartyVote

from .pairs_support import DKI_LAST_DPT, PARTY_CSV

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("candidacy", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args) -> tuple[CommandError, str]:
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("candidacy", *args, stdout=io.StringIO(), stderr=err)
    return exc.value, err.getvalue()


def test_minimum_dki_2024(election):
    out, _ = run("minimum", "--json")
    assert json.loads(out)["basis_set"] is False
    run("basis", "set", "--previous-dpt", "8.252.897", "--source", "DPT Pemilu 2024")
    out, _ = run("minimum", "--json")
    data = json.loads(out)["independent"]
    assert (data["percent"], data["minimum"]) == ("7.5", 618_968)
    assert (data["areas_total"], data["spread_needed"]) == (6, 4)
    out, _ = run("minimum")
    assert "7.5 % of 8,252,897 (last DPT) = 618,968 supporters, in at least 4 of 6 kabkota" in out


def test_band_edge_through_the_basis(election):
    run("basis", "set", "--previous-dpt", "6000000")
    assert json.loads(run("minimum", "--json")[0])["independent"]["minimum"] == 510_000
    run("basis", "set", "--previous-dpt", "6000001")  # 7.5 %: 450,000.075 -> 450,001
    assert json.loads(run("minimum", "--json")[0])["independent"]["minimum"] == 450_001


def test_basis_set_defaults_to_the_register(election):
    exc, _ = fails("basis", "set")
    assert exc.returncode == 2 and "--previous-dpt" in str(exc)
    from pilkada.voters.models import Voter

    Voter.objects.bulk_create(
        Voter(
            election=election,
            source="dpt-lama",
            nik=str(i),
            nkk="1",
            nama="X",
            kelurahan_code="3171011001",
        )
        for i in range(7)
    )
    out, _ = run("basis", "set", "--json")
    data = json.loads(out)
    assert data["basis"]["previous_dpt_total"] == 7
    assert data["basis"]["previous_dpt_source"] == "register: 7 rows dpt-lama"


def test_basis_threshold_dpt_set_and_cleared(election):
    run("basis", "set", "--previous-dpt", str(DKI_LAST_DPT), "--dpt", "8214007")
    assert CandidacyBasis.objects.get().dpt_total == 8_214_007
    run("basis", "set", "--dprd-valid-votes", "5000")
    assert CandidacyBasis.objects.get().dpt_total == 8_214_007  # not given: kept
    run("basis", "set", "--dpt", "none")
    assert CandidacyBasis.objects.get().dpt_total is None
    exc, _ = fails("basis", "set", "--dpt", "0")
    assert exc.returncode == 1


def test_parties_import_and_list(election, tmp_path):
    path = tmp_path / "partai.csv"
    path.write_text(PARTY_CSV)
    out, _ = run("parties", "import", str(path), "--json")
    assert json.loads(out)["parties"] == 5
    run("basis", "set", "--previous-dpt", "100", "--dprd-from-parties")
    assert CandidacyBasis.objects.get().dprd_valid_votes == 1_000_000
    out, _ = run("parties", "list")
    assert out.splitlines()[0].startswith("E ") and "5 parties, 1,000,000 votes" in out


def test_parties_import_errors_exit_1_and_change_nothing(election, tmp_path):
    path = tmp_path / "partai.csv"
    path.write_text("kode,nama,suara_sah\nA,Partai A,10\nB,,x\n")
    exc, err = fails("parties", "import", str(path))
    assert exc.returncode == 1 and "2 error(s)" in str(exc)
    assert "baris 3, nama:" in err and "baris 3, suara_sah:" in err
    assert not PartyVote.objects.exists()
    exc, _ = fails("parties", "import", str(tmp_path / "missing.csv"))
    assert exc.returncode == 1


def test_basis_refused_for_bawaslu(election, bawaslu_dki):
    exc, _ = fails("basis", "set", "--previous-dpt", "5", "--as", "bawaslu-dki")
    assert exc.returncode == 3

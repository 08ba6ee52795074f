"""`pilkada candidacy support import|status` and `pilkada candidacy verify`."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.candidacy.models import CandidacyBasis

from .support_support import register, row, support_csv, voter


@pytest.fixture
def reg(election):
    return register(election, [voter(election, i) for i in range(1, 6)])


def test_import_json_then_verify_json(election, reg, make_pair, tmp_path, capsys):
    CandidacyBasis.objects.create(election=election, previous_dpt_total=40)
    pair = make_pair()
    path = support_csv(tmp_path, [row(1), row(2), row(99), ["bad"]])
    call_command("candidacy", "support", "import", str(path), "--paslon", str(pair.pk), "--json")
    data = json.loads(capsys.readouterr().out)
    assert (data["read"], data["rejected"], data["reconciles"]) == (4, 1, True)
    assert data["verification"]["by_status"]["ms"] == 2
    assert data["verification"]["by_reason"]["not_in_register"] == 1
    call_command("candidacy", "verify", "--paslon", str(pair.pk), "--json")
    out = json.loads(capsys.readouterr().out)
    assert out["counts"]["vermin_ms"] == 2 and out["counts"]["reasons"]["not_in_register"] == 1
    assert out["support"]["vermin"]["minimum"] == 4
    assert out["support"]["vermin"]["shortfall"] == 2
    call_command("candidacy", "support", "status", "--paslon", str(pair.pk))
    assert "2 of 4" in capsys.readouterr().out


def test_bad_input_exits_non_zero(election, reg, make_pair, tmp_path, election_today):
    pair = make_pair()
    with pytest.raises(CommandError) as err:
        call_command("candidacy", "support", "import", str(tmp_path / "nope.csv"),
                     "--paslon", str(pair.pk))  # fmt: skip
    assert err.value.returncode == 1
    with pytest.raises(CommandError) as err:
        call_command("candidacy", "support", "import", "x.csv", "--paslon", "999")
    assert err.value.returncode == 2
    with pytest.raises(CommandError) as err:
        call_command("candidacy", "verify", "--paslon", str(pair.pk))
    assert err.value.returncode == 3  # nothing uploaded yet
    election_today("2024-12-01")
    with pytest.raises(CommandError) as err:
        call_command("candidacy", "support", "import", str(support_csv(tmp_path, [row(1)])),
                     "--paslon", str(pair.pk))  # fmt: skip
    assert err.value.returncode == 3 and "Nothing changed" in str(err.value)

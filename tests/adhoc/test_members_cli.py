"""`pilkada adhoc seat | replace | overview` (cli.members)."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.adhoc.models import Member

from .conftest import KELURAHAN
from .members_support import *  # noqa: F403
from .members_support import TPS1


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_seat_replace_and_overview_from_the_command_line(
    election, pps_gambir, make_opening, ranked, capsys
):
    make_opening("kpps", TPS1, 7)
    first = ranked("kpps", TPS1, rank=1)
    reserve = ranked("kpps", TPS1, "reserve", rank=8, email="r@example.org")
    call_command(
        "adhoc", "seat", "--body", "kpps", "--region", KELURAHAN, "--sk", "SK/PPS/1",
        "--as", "pps-gambir", "--json",
    )  # fmt: skip
    out = _json(capsys)
    (seated,) = out["seated"]
    assert (seated["application"], seated["username"], seated["mail"]) == (
        first.number, f"kpps-{TPS1}-1", "none",
    )  # fmt: skip
    assert "/adhoc/anggota/sandi/" in seated["link"]
    assert out["open_seats"] == 6 and out["refused"] == []

    call_command(
        "adhoc", "replace", str(seated["member"]), "--reason", "died", "--note", "wafat",
        "--as", "pps-gambir", "--json",
    )  # fmt: skip
    out = _json(capsys)
    assert out["reason"] == "died" and out["seat_open"] is False
    assert out["new"]["application"] == reserve.number
    # Mail is off in the tests' settings: the link is printed for the officer.
    assert out["new"]["mail"] == "none" and "link" in out["new"]

    call_command("adhoc", "overview", "--body", "kpps", "--as", "pps-gambir", "--json")
    out = _json(capsys)
    assert out["region_code"] == KELURAHAN
    (kpps,) = out["bodies"]
    assert (kpps["seats"], kpps["filled"], kpps["open"]) == (7, 1, 6)
    assert out["urgent_tps_total"] == 1
    assert out["urgent_tps"][0]["tps_code"] == TPS1 and out["urgent_tps"][0]["missing"] == 6


def test_text_output_lists_seated_and_urgent(election, make_opening, ranked, capsys):
    make_opening("pantarlih", TPS1, 2)
    ranked("pantarlih", TPS1, rank=1)
    call_command("adhoc", "seat", "--body", "pantarlih", "--sk", "SK 2")
    text = capsys.readouterr().out
    assert "1 seated, 0 refused, 1 seats still open" in text and "link: /adhoc/" in text
    call_command("adhoc", "overview", "--body", "pantarlih")
    text = capsys.readouterr().out
    assert "TPS without a full KPPS or Pantarlih: 1" in text and "40 days left" in text


def test_refusals_exit_with_their_codes(election, make_opening, ranked, election_today):
    make_opening("kpps", TPS1, 7)
    ranked("kpps", TPS1, rank=1)
    with pytest.raises(CommandError) as info:
        call_command("adhoc", "seat", "--body", "kpps", "--sk", "SK", "--as", "pps-x")
    assert info.value.returncode == 2  # no such user
    with pytest.raises(CommandError) as info:
        call_command("adhoc", "seat", "--body", "kpps", "--sk", " ")
    assert info.value.returncode == 2 and "sk_missing" in str(info.value)
    with pytest.raises(CommandError) as info:
        call_command("adhoc", "replace", "999", "--reason", "died")
    assert info.value.returncode == 2 and "no member" in str(info.value)
    election_today("2024-11-06")
    with pytest.raises(CommandError) as info:
        call_command("adhoc", "seat", "--body", "kpps", "--sk", "SK")
    assert info.value.returncode == 3 and "ditutup" in str(info.value)
    assert not Member.objects.exists()


def test_overview_outside_ones_scope_is_refused(election, pps_other, make_opening):
    make_opening("kpps", TPS1, 7)
    with pytest.raises(CommandError) as info:
        call_command("adhoc", "overview", "--region", KELURAHAN, "--as", "pps-cideng")
    assert info.value.returncode == 3

"""`pilkada voters dptb add|cancel|list|counts` and `pilkada voters dpk add|list`."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.engine.nik import make_nik
from pilkada.voters.models import DpkVoter, VoterMove

from .moves_support import *  # noqa: F403
from .moves_support import BANDUNG_KEL, CIDENG, GAMBIR, make_voter

ORIGIN = f"{GAMBIR}001"


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("voters", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fails(*args) -> tuple[int, str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("voters", *args, stdout=out, stderr=io.StringIO())
    return info.value.returncode, str(info.value), out.getvalue()


def add_args(voter, *extra):
    return ("dptb", "add", "--nik", voter.nik, "--reason", "tugas", "--to", CIDENG,
            "--tps", f"{CIDENG}001", "--form-a", f"A-{voter.pk}", *extra)  # fmt: skip


def test_dptb_add_list_cancel_with_json(moves_election, users):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    out, _ = run(*add_args(voter, "--json", "--as", "pps-gambir"))
    data = json.loads(out)
    assert data["ok"] and data["origin_tps"] == ORIGIN and data["ballot"] == "gubernur"
    assert data["nik"] != voter.nik  # masked in the summary
    move = VoterMove.objects.get()
    assert move.registered_by == "pps-gambir" and data["id"] == move.pk
    listing = json.loads(run("dptb", "list", "--region", CIDENG, "--json")[0])
    assert listing["count"] == 1 and listing["rows"][0]["form_a_number"] == f"A-{voter.pk}"
    assert listing["rows"][0]["nik"] != voter.nik
    full = json.loads(run("dptb", "list", "--region", CIDENG, "--unmasked", "--json")[0])
    assert full["rows"][0]["nik"] == voter.nik
    counts = json.loads(run("dptb", "counts", "--region", GAMBIR, "--json")[0])
    assert counts["rows"][0]["dptb_out"] == 1 and counts["rows"][0]["voters_here"] == 0
    human, _ = run("dptb", "cancel", str(move.pk), "--note", "batal")
    assert "cancelled" in human and ORIGIN in human
    move.refresh_from_db()
    assert move.status == "cancelled"
    assert "0 move(s)" in run("dptb", "list", "--region", CIDENG)[0]


def test_dptb_add_human_summary(moves_election):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    out, _ = run(*add_args(voter))
    assert "registered" in out and "deadline 2024-11-20" in out


def test_dptb_refusals_exit_non_zero_with_clear_messages(moves_election, users, election_today):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    code, message, out = fails(
        "dptb", "add", "--nik", voter.nik, "--reason", "liburan", "--to", CIDENG,
        "--form-a", "A-1", "--json",
    )  # fmt: skip
    assert code == 2 and "liburan" in message and json.loads(out)["code"] == "unknown_reason"
    code, message, _ = fails(
        "dptb", "add", "--nik", voter.nik, "--reason", "tugas", "--to", BANDUNG_KEL,
        "--form-a", "A-1",
    )  # fmt: skip
    assert code == 1 and "luar provinsi" in message
    code, message, _ = fails(*add_args(voter, "--as", "pps-petojo"))
    assert code == 3 and "outside your scope" in message
    code, message, _ = fails(*add_args(voter, "--as", "nobody"))
    assert code == 2 and "nobody" in message
    code, message, _ = fails("dptb", "cancel", "424242")
    assert code == 1 and "424242" in message
    election_today("2024-11-25")
    code, message, _ = fails(*add_args(voter))
    assert code == 3 and "sudah ditutup" in message
    code, message, _ = fails("dptb", "list", "--region", "abc")
    assert code == 2
    assert not VoterMove.objects.exists()


def test_dptb_double_move_exits_1(moves_election):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    run(*add_args(voter))
    code, message, _ = fails(*add_args(voter)[:-1], "A-other")
    assert code == 1 and "sudah terdaftar pindah memilih" in message


def test_dpk_add_and_list(moves_election, users, election_today):
    election_today("2024-11-27")
    born = dt.date(1992, 2, 29)
    nik = make_nik(kecamatan_code="317101", birth_date=born, sex="L", serial=3)
    args = ("dpk", "add", "--tps", ORIGIN, "--nik", nik, "--nama", "Rudi", "--sex", "L",
            "--born", born.isoformat(), "--address", "Jl. Mawar 1",
            "--address-kelurahan", GAMBIR, "--as", "kpps-gambir1")  # fmt: skip
    data = json.loads(run(*args, "--json")[0])
    assert data["ok"] and data["tps_code"] == ORIGIN and data["nama"] == "RUDI"
    code, _message, out = fails(*args, "--json")
    assert code == 1 and json.loads(out)["code"] == "dpk_twice"
    listing = json.loads(run("dpk", "list", "--region", ORIGIN, "--json")[0])
    assert listing["count"] == 1 and listing["rows"][0]["nik"] != nik
    assert DpkVoter.objects.count() == 1


def test_dpk_bad_input(moves_election, users, election_today):
    election_today("2024-11-27")
    base = ["dpk", "add", "--tps", ORIGIN, "--nama", "X", "--sex", "L", "--born", "1990-01-01",
            "--address", "Jl. A", "--address-kelurahan", GAMBIR]  # fmt: skip
    code, message, _ = fails(*base, "--nik", "12345")
    assert code == 2 and "NIK" in message
    code, message, _ = fails(*base, "--nik", "3171010101900001", "--as", "kpps-cideng1")
    assert code == 3
    code, message, _ = fails(*base[:-1], CIDENG, "--nik", "3171010101900001")
    assert code == 1 and "kelurahan" in message
    election_today("2024-11-28")
    code, message, _ = fails(*base, "--nik", "3171010101900001")
    assert code == 3 and "sudah ditutup" in message
    assert not DpkVoter.objects.exists()

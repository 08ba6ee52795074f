"""`pilkada candidacy pair ...`, `penetapan` and `ballot-draw`: output, --json, exit codes."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.candidacy.models import Pair, PairLiaison

from .pairs_support import (
    DRAW_DAY,
    REGISTER_DAY,
    SET_DAY,
    candidate_nik,
    load_basis,
)

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


def add_json(*args) -> dict:
    out, _ = run("pair", "add", *args, "--json")
    return json.loads(out)


def test_pair_add_independent_prints_its_id(election, kpu_dki):
    data = add_json("--name", "Dharma Kun", "--independent", "--as", "kpu-dki")
    pair = Pair.objects.get()
    assert data["id"] == pair.pk and data["status"] == "prospective"
    assert data["path"] == "independent" and pair.created_by == "kpu-dki"


def test_pair_add_party_and_usage_errors(election):
    load_basis(election)
    data = add_json("--name", "Koalisi", "--party", "c", "--party", "D")
    assert data["parties"] == ["C", "D"]
    exc, _ = fails("pair", "add", "--name", "X")
    assert exc.returncode == 2
    exc, _ = fails("pair", "add", "--name", "X", "--independent", "--party", "A")
    assert exc.returncode == 2
    exc, err = fails("pair", "add", "--name", "Y", "--party", "C")
    assert exc.returncode == 1 and "Koalisi" in err
    exc, _ = fails("pair", "add", "--name", "Z", "--party", "NOPE")
    assert exc.returncode == 1 and "NOPE" in str(exc)


def test_refused_for_officers_without_pair_manage(election, pps_gambir):
    exc, _ = fails("pair", "add", "--name", "X", "--independent", "--as", "pps-gambir")
    assert exc.returncode == 3 and "candidacy.pair_manage" in str(exc)
    assert not Pair.objects.exists()


def candidate_args(pair_id, position, *, serial=1, born="1970-05-17", sex="L"):
    nik = candidate_nik(born=dt.date.fromisoformat(born), sex=sex, serial=serial)
    return (
        "pair",
        "candidate",
        str(pair_id),
        "--position",
        position,
        "--nama",
        f"CALON {position}",
        "--nik",
        nik,
        "--tanggal-lahir",
        born,
        "--jenis-kelamin",
        sex,
    )


def test_full_flow_through_the_cli(election, election_today, kpu_dki):
    load_basis(election)
    pid = add_json("--name", "Pasangan A", "--party", "A")["id"]
    run(*candidate_args(pid, "head"))
    run(*candidate_args(pid, "deputy", serial=2, born="1975-03-02", sex="P"))
    exc, _ = fails("pair", "register", str(pid), "--all-received")
    assert exc.returncode == 3 and "belum dibuka" in str(exc)
    election_today(REGISTER_DAY)
    exc, err = fails("pair", "register", str(pid), "--received", "visi_misi")
    assert exc.returncode == 3 and "Dokumen belum lengkap (28)" in err
    out, _ = run("pair", "register", str(pid), "--all-received", "--json")
    assert json.loads(out)["status"] == "registered"
    out, _ = run("pair", "documents", str(pid), "--json")
    codes = [d["code"] for d in json.loads(out)]
    assert len(codes) == 29
    for code in codes:
        run("pair", "document", str(pid), code, "ms", "--as", "kpu-dki")
    out, _ = run("pair", "check", str(pid), "--json")
    result = json.loads(out)
    assert result["decided"] and result["status"] == "eligible"
    out, _ = run("pair", "show", str(pid), "--json")
    shown = json.loads(out)
    assert shown["threshold"]["meets"] and "*" in shown["candidates"][0]["nik"]
    election_today(SET_DAY)
    out, _ = run("penetapan", "--json")
    assert [p["id"] for p in json.loads(out)["pairs"]] == [pid]
    exc, _ = fails("penetapan")
    assert exc.returncode == 3 and "already_set" in str(exc)
    election_today(DRAW_DAY)
    exc, _ = fails("ballot-draw", "--number", "x=1")
    assert exc.returncode == 2
    exc, err = fails("ballot-draw", "--number", f"{pid}=2")
    assert exc.returncode == 1 and "1 sampai 1" in err
    out, _ = run("ballot-draw", "--seed", "77", "--json")
    assert json.loads(out)["numbers"][0]["number"] == 1
    assert Pair.objects.get(pk=pid).ballot_number == 1
    out, _ = run("pair", "list", "--status", "set")
    assert "#1" in out and "Pasangan A" in out


def test_candidate_with_a_bad_nik_exits_1(election):
    pid = add_json("--name", "P", "--independent")["id"]
    args = list(candidate_args(pid, "head"))
    args[args.index("--nik") + 1] = "3171011705700000"
    exc, _ = fails(*args)
    assert exc.returncode == 1 and "zero_serial" in str(exc)


def test_lo_account_from_stdin(election, monkeypatch):
    pid = add_json("--name", "P", "--independent")["id"]
    monkeypatch.setattr("sys.stdin", io.StringIO("Sandi-Kuat-2024!\n"))
    out, _ = run("pair", "lo", str(pid), "--username", "lo-p", "--password-stdin", "--json")
    assert json.loads(out) == {"pair_id": pid, "username": "lo-p", "role": "lo"}
    assert PairLiaison.objects.get(user__username="lo-p").pair_id == pid
    monkeypatch.setattr("sys.stdin", io.StringIO("x\n"))
    exc, err = fails("pair", "lo", str(pid), "--username", "lo-q", "--password-stdin")
    assert exc.returncode == 1 and "password" in err


def test_unknown_pair(election):
    exc, _ = fails("pair", "show", "999")
    assert exc.returncode == 2 and "no pair 999" in str(exc)

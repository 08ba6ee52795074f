"""`pilkada candidacy cek-nik`, `objections` and `objection resolve` (issue 4 part 7)."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.candidacy.models import SupportObjection
from pilkada.candidacy.services.objections import file_objection

from .cek_nik_support import *  # noqa: F403
from .cek_nik_support import PENJARINGAN, list_supporter, nik_of


def run(*args):
    out = io.StringIO()
    call_command("candidacy", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fails(*args) -> tuple[int, str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("candidacy", *args, stdout=out, stderr=io.StringIO())
    return info.value.returncode, str(info.value), out.getvalue()


def object_to(election, supporter):
    return file_objection(
        election=election, nik=supporter.nik, contact_name="Siti", contact_phone="081299990000",
        declared=True, consent=True, pair_ids=[supporter.pair_id],
    ).objections[0]  # fmt: skip


@pytest.fixture
def world(election, make_pair):
    a, b = make_pair("DHARMA - KUN"), make_pair("PASANGAN KEDUA")
    s1 = list_supporter(election, a, nik_of(1), vermin_status="ms")
    s2 = list_supporter(election, a, nik_of(2), region_code=PENJARINGAN)
    s3 = list_supporter(election, b, nik_of(3))
    return {"a": a, "b": b, "s1": s1, "s2": s2, "s3": s3, "o1": object_to(election, s1),
            "o2": object_to(election, s2)}  # fmt: skip


def test_cek_nik_prints_the_masked_answer_and_leaves_a_trace(world, audit_log):
    s = world["s3"]
    data = json.loads(run("cek-nik", s.nik, "--json"))
    assert data["outcome"] == "listed"
    (support,) = data["supports"]
    assert support["pair_name"] == "PASANGAN KEDUA" and support["masked_name"] == "B**I S*****O"
    assert support["status"] == "pending" and support["objectable"] is True
    assert support["supporter_ids"] == [s.pk]
    text = json.dumps(data)
    assert s.nik not in text and "BUDI SANTOSO" not in text and "MAWAR" not in text
    (entry,) = [e for e in audit_log() if e.action == "candidacy.cek_nik.lookup"]
    assert entry.actor.startswith("cli") and entry.new == {"outcome": "listed",
                                                           "supporters": [s.pk]}  # fmt: skip
    assert s.nik not in json.dumps([entry.old, entry.new, entry.object_id])


def test_cek_nik_shows_the_objection_receipt_to_the_operator(world, kpu_dki):
    human = run("cek-nik", world["s1"].nik, "--as", "kpu-dki")
    assert "keberatan sedang diproses" in human and world["o1"].receipt in human


def test_cek_nik_not_listed_and_invalid(world, audit_log):
    code, message, out = fails("cek-nik", nik_of(50), "--json")
    assert code == 1 and json.loads(out)["outcome"] == "not_listed"
    code, message, out = fails("cek-nik", "3171", "--json")
    assert code == 2 and "wrong_length" in message and json.loads(out)["outcome"] == "invalid"
    outcomes = [e.new["outcome"] for e in audit_log() if e.action == "candidacy.cek_nik.lookup"]
    assert outcomes == ["not_listed"]  # a malformed NIK reaches no data


def test_objections_counts(world, kpu_jakpus):
    data = json.loads(run("objections", "--json"))
    by_name = {p["name"]: p for p in data["pairs"]}
    assert by_name["DHARMA - KUN"]["open"] == 2 and by_name["PASANGAN KEDUA"]["total"] == 0
    one = json.loads(run("objections", "--paslon", str(world["a"].pk), "--region", "3172",
                         "--json"))  # fmt: skip
    assert [(p["name"], p["open"]) for p in one["pairs"]] == [("DHARMA - KUN", 1)]
    scoped = json.loads(run("objections", "--as", "kpu-jakpus", "--json"))
    assert {p["name"]: p["open"] for p in scoped["pairs"]}["DHARMA - KUN"] == 1
    assert "DHARMA - KUN" in run("objections")
    assert fails("objections", "--paslon", "999999")[0] == 2
    assert fails("objections", "--region", "3x")[0] == 2
    assert fails("objections", "--as", "kpu-jakpus", "--region", "3172")[0] == 3


def test_objection_resolve(world, pps_gambir, audit_log):
    o1 = world["o1"]
    assert fails("objection", "resolve", o1.receipt, "--status", "upheld", "--note", "x",
                 "--as", "pps-gambir")[0] == 3  # fmt: skip
    data = json.loads(run("objection", "resolve", o1.receipt.lower(), "--status", "upheld",
                          "--note", "Datang ke KPU", "--json"))  # fmt: skip
    assert data["status"] == "upheld" and data["resolved_by"] == "system"
    assert SupportObjection.objects.get(pk=o1.pk).status == "upheld"
    code, message, _ = fails("objection", "resolve", o1.receipt, "--status", "dismissed",
                             "--note", "y")  # fmt: skip
    assert code == 3 and "sudah diputuskan" in message
    assert fails("objection", "resolve", "KB-NONE", "--status", "upheld", "--note", "x")[0] == 2
    assert fails("objection", "resolve", world["o2"].receipt, "--status", "upheld",
                 "--note", " ")[0] == 2  # fmt: skip
    human = run("objection", "resolve", world["o2"].receipt, "--status", "dismissed",
                "--note", "dikonfirmasi")  # fmt: skip
    assert "dismissed" in human
    actions = [e.action for e in audit_log()]
    assert actions.count("candidacy.objection.resolve") == 2

"""`pilkada candidacy recommend | recommendations | recommendation answer | oversight ...`."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.audit.models import AuditEntry
from pilkada.core.masking import mask_nik

from .verfak_support import *  # noqa: F403

pytestmark = pytest.mark.django_db
TEXT = "Mohon diperiksa ulang dukungan ini."


def run(*args) -> str:
    out = io.StringIO()
    call_command("candidacy", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fails(*args) -> tuple[int, str]:
    with pytest.raises(CommandError) as info:
        call_command("candidacy", *args, stdout=io.StringIO(), stderr=io.StringIO())
    return info.value.returncode, str(info.value)


def test_recommend_list_and_answer(pairs, in_verfak, bawaslu_dki, kpu_dki, kpu_jakpus):
    (row,) = in_verfak(pairs[0], 1)
    data = json.loads(run("recommend", "--subject", "supporter", "--id", str(row.pk),
                          "--text", TEXT, "--as", "bawaslu-dki", "--json"))  # fmt: skip
    assert data["status"] == "open" and data["pair"] == pairs[0].pk
    rec_id = data["id"]
    listed = json.loads(run("recommendations", "--json", "--as", "bawaslu-dki"))
    assert listed["counts"] == {"open": 1} and listed["recommendations"][0]["id"] == rec_id
    code, message = fails("recommendation", "answer", str(rec_id), "--followed", "--answer",
                          "Sudah dicek ulang oleh PPS.", "--as", "bawaslu-dki")  # fmt: skip
    assert code == 3
    out = run("recommendation", "answer", str(rec_id), "--followed", "--answer",
              "Sudah dicek ulang oleh PPS.", "--as", "kpu-jakpus")  # fmt: skip
    assert "followed" in out
    code, message = fails("recommendation", "answer", str(rec_id), "--not-followed",
                          "--answer", "Alasan yang panjang.", "--as", "kpu-dki")  # fmt: skip
    assert code == 2 and "already_answered" in message
    assert json.loads(run("recommendations", "--json", "--status", "followed"))["counts"] == {
        "followed": 1
    }


def test_recommend_refusals(pairs, kpu_dki, bawaslu_dki):
    code, message = fails("recommend", "--subject", "pair", "--id", str(pairs[0].pk),
                          "--text", TEXT, "--as", "kpu-dki")  # fmt: skip
    assert code == 3
    code, message = fails("recommend", "--subject", "pair", "--id", "99999", "--text", TEXT,
                          "--as", "bawaslu-dki")  # fmt: skip
    assert code == 2 and "unknown_object" in message


def test_oversight_summary_objections_and_export(
    tmp_path, pairs, in_verfak, objection, bawaslu_dki
):
    a = pairs[0]
    rows = in_verfak(a, 2)
    objection(rows[0])
    summary = json.loads(run("oversight", "summary", "--json", "--as", "bawaslu-dki"))
    mine = next(s for s in summary if s["pair"] == a.pk)
    assert mine["listed"] == 2 and mine["objections"] == {"open": 1}
    objections = json.loads(run("oversight", "objections", "--json", "--as", "bawaslu-dki"))
    assert objections["objections"][0]["nik"] == mask_nik(rows[0].nik)
    out = tmp_path / "pendukung.csv"
    result = json.loads(run("oversight", "export", "--paslon", str(a.pk), "--out", str(out),
                            "--status", "tms", "--as", "bawaslu-dki", "--json"))  # fmt: skip
    assert result["rows"] == 1 and result["filters"] == {"status": "tms"}
    table = list(csv.DictReader(out.open(encoding="utf-8")))
    assert [r["id"] for r in table] == [str(rows[0].pk)] and table[0]["ada_tanggapan"] == "ya"
    assert rows[0].nik not in out.read_text()
    assert AuditEntry.objects.filter(action="candidacy.support.export").count() == 1
    code, _m = fails("oversight", "export", "--paslon", "abc", "--out", str(out))
    assert code == 2

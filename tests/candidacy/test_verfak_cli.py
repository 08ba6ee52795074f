"""`pilkada candidacy verfak import|record|progress|expire`: rows applied or rejected with line
and reason through the same service, held supporters in a file, exit codes, JSON."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.candidacy.models import FactualCheck, Supporter

from .verfak_support import *  # noqa: F403
from .verfak_support import CIDENG, UTARA

pytestmark = pytest.mark.django_db
HEADER = "nik,outcome,method,denial_form,note"


def run(*args) -> str:
    out = io.StringIO()
    call_command("candidacy", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fails(*args) -> tuple[int, str, str]:
    out = io.StringIO()
    with pytest.raises(CommandError) as info:
        call_command("candidacy", *args, stdout=out, stderr=io.StringIO())
    return info.value.returncode, str(info.value), out.getvalue()


def write(tmp_path, lines, header=HEADER, name="verfak.csv"):
    path = tmp_path / name
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def status(row):
    r = Supporter.objects.get(pk=row.pk)
    return r.verfak_status, r.verfak_outcome


def test_import_applies_or_rejects_each_row_with_line_and_reason(
    tmp_path, pairs, in_verfak, pps_gambir
):
    a = pairs[0]
    r1, r2, r3, r4 = in_verfak(a, 4)
    (other,) = in_verfak(a, 1, start=40, region_code=CIDENG)
    path = write(
        tmp_path,
        [
            f"{r1.nik},met_confirms,visit,,",
            f"{r2.nik},met_denies,visit,BA-7,menolak",
            f"{r3.nik},met_denies,visit,,",  # no denial form
            f"{r4.nik},not_found,,,",
            "3171014104909999,met_confirms,,,",  # not listed
            f"{other.nik},met_confirms,,,",  # another kelurahan
            f"{r1.nik},maybe,,,",
            "",
            f'{r4.nik},deceased,visit,,"surat RT, kelurahan"',
        ],
    )
    rejects = tmp_path / "rejects.csv"
    code, message, out = fails("verfak", "import", str(path), "--as", "pps-gambir",
                               "--json", "--rejects", str(rejects))  # fmt: skip
    assert code == 1 and "4 rows rejected" in message
    data = json.loads(out)
    assert data["rows"] == 8 and data["applied"] == 4 and data["rejected"] == 4
    assert data["reconciles"] is True
    assert data["by_outcome"] == {"deceased": 1, "met_confirms": 1, "met_denies": 1,
                                  "not_found": 1}  # fmt: skip
    reasons = {r["line"]: r["reason"] for r in data["rejects"]}
    assert set(reasons) == {4, 6, 7, 8}
    assert "formulir" in reasons[4]
    assert "not in verifikasi faktual" in reasons[6]
    assert "outside your area" in reasons[7]
    assert "maybe" in reasons[8]
    assert rejects.read_text().splitlines()[0] == "line,nik,reason"
    assert status(r1) == ("ms", "met_confirms") and status(r2) == ("tms", "met_denies")
    assert status(r3) == ("pending", "") and status(r4) == ("tms", "deceased")
    assert FactualCheck.objects.get(supporter=r4, outcome="deceased").note == (
        "surat RT, kelurahan"
    )


def test_import_held_supporters_by_the_pair_column(tmp_path, held, pps_gambir, pairs):
    row_a, row_b = held
    path = write(tmp_path, [f"{row_a.nik},met_confirms,visit,,,"], header=HEADER + ",paslon")
    code, _message, out = fails("verfak", "import", str(path), "--as", "pps-gambir", "--json")
    assert code == 1 and "several pairs" in json.loads(out)["rejects"][0]["reason"]
    path = write(tmp_path, [f"{row_a.nik},met_confirms,visit,,,{row_b.pair_id}"],
                 header=HEADER + ",paslon")  # fmt: skip
    data = json.loads(run("verfak", "import", str(path), "--as", "pps-gambir", "--json"))
    assert data["applied"] == 1 and data["records"] == {"chose_other_pair": 1, "met_confirms": 1}
    assert status(row_b) == ("ms", "met_confirms")
    assert status(row_a) == ("tms", "chose_other_pair")


def test_import_with_paslon_picks_that_pairs_row(tmp_path, held, pps_gambir):
    row_a, row_b = held
    path = write(tmp_path, [f"{row_a.nik},met_confirms,video_call,,"])
    run("verfak", "import", str(path), "--as", "pps-gambir", "--paslon", str(row_a.pair_id))
    assert status(row_a) == ("ms", "met_confirms")
    assert status(row_b) == ("tms", "chose_other_pair")


def test_an_interrupted_file_changes_nothing(tmp_path, pairs, in_verfak, pps_gambir, monkeypatch):
    from pilkada.candidacy.services import verfak

    r1, r2 = in_verfak(pairs[0], 2)
    path = write(tmp_path, [f"{r1.nik},met_confirms,,,", f"{r2.nik},met_confirms,,,"])
    real = verfak.record_factual_check
    calls = []

    def crash_on_second(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(**kwargs)

    monkeypatch.setattr(verfak, "record_factual_check", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        run("verfak", "import", str(path), "--as", "pps-gambir")
    assert status(r1) == ("pending", "") and not FactualCheck.objects.exists()


def test_bad_files_and_closed_window(tmp_path, pairs, in_verfak, pps_gambir, election_today):
    (r1,) = in_verfak(pairs[0], 1)
    code, message, _ = fails("verfak", "import", str(tmp_path / "nope.csv"), "--as", "pps-gambir")
    assert code == 1 and "cannot read" in message
    path = write(tmp_path, [f"{r1.nik},x"], header="nik,hasil")
    code, message, _ = fails("verfak", "import", str(path), "--as", "pps-gambir")
    assert code == 1 and "missing column(s) outcome" in message
    election_today("2024-08-20")
    path = write(tmp_path, [f"{r1.nik},met_confirms,,,"])
    code, message, _ = fails("verfak", "import", str(path), "--as", "pps-gambir")
    assert code == 3 and "ditutup" in message
    assert status(r1) == ("pending", "")


def test_record_one_and_the_held_choice(pairs, in_verfak, held, pps_gambir, pps_other):
    (r1,) = in_verfak(pairs[0], 1)
    out = json.loads(
        run(
            "verfak",
            "record",
            "--supporter",
            str(r1.pk),
            "--outcome",
            "met_denies",
            "--denial-form",
            "F-1",
            "--as",
            "pps-gambir",
            "--json",
        )
    )
    assert out[0]["outcome"] == "met_denies" and out[0]["status"] == "tms"  # fmt: skip
    code, message, _ = fails("verfak", "record", "--supporter", str(r1.pk), "--outcome",
                             "met_denies", "--as", "pps-gambir")  # fmt: skip
    assert code == 2 and "denial_form_required" in message
    code, message, _ = fails("verfak", "record", "--supporter", str(r1.pk), "--outcome",
                             "met_confirms", "--as", "pps-cideng")  # fmt: skip
    assert code == 3 and "outside your scope" in message
    code, _m, _ = fails("verfak", "record", "--supporter", str(r1.pk), "--as", "pps-gambir")
    assert code == 2
    row_a, row_b = held
    run("verfak", "record", "--supporter", str(row_a.pk), "--choose", "none",
        "--denial-form", "F-2", "--as", "pps-gambir")  # fmt: skip
    assert status(row_a) == status(row_b) == ("tms", "met_denies")


def test_progress_json_per_pair_and_region(pairs, in_verfak, pps_gambir, kpu_jakpus):
    a, b = pairs
    r1, r2 = in_verfak(a, 2)
    in_verfak(a, 1, start=30, region_code=UTARA)
    in_verfak(b, 1, start=40)
    run("verfak", "record", "--supporter", str(r1.pk), "--outcome", "met_confirms",
        "--as", "pps-gambir")  # fmt: skip
    run("verfak", "record", "--supporter", str(r2.pk), "--outcome", "not_found",
        "--as", "pps-gambir")  # fmt: skip
    data = json.loads(run("verfak", "progress", "--paslon", str(a.pk), "--json"))
    assert data["pair"] == a.pk and data["region_code"] == "31"
    assert data["total"]["total"] == 3 and data["total"]["ms"] == 1
    assert data["total"]["not_found_awaiting"] == 1 and data["total"]["pending"] == 1
    assert [r["code"] for r in data["rows"]] == ["3171", "3172"]
    data = json.loads(run("verfak", "progress", "--json", "--as", "kpu-jakpus"))
    assert data["region_code"] == "3171" and data["total"]["total"] == 3  # A 2 + B 1
    assert "TOTAL" in run("verfak", "progress", "--region", "317101")
    code, _m, _ = fails("verfak", "progress", "--region", "3172", "--as", "kpu-jakpus")
    assert code == 3
    code, _m, _ = fails("verfak", "progress", "--region", "31x")
    assert code == 2


def test_expire_from_the_command_line(pairs, in_verfak, pps_gambir, kpu_dki, bawaslu_dki,
                                     election_today):  # fmt: skip
    (r1,) = in_verfak(pairs[0], 1)
    run("verfak", "record", "--supporter", str(r1.pk), "--outcome", "not_found",
        "--as", "pps-gambir")  # fmt: skip
    election_today("2024-05-13")
    assert json.loads(run("verfak", "expire", "--as", "kpu-dki", "--json"))["expired"] == 0
    election_today("2024-05-14")
    code, _m, _ = fails("verfak", "expire", "--as", "bawaslu-dki")
    assert code == 3
    assert "now TMS: 1" in run("verfak", "expire", "--as", "kpu-dki")
    assert status(r1) == ("tms", "not_found")

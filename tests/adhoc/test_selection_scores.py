"""Scores (services.selection.import_scores and enter_scores): every row accepted or rejected
with its line and reason, counts reconcile, nothing written from an unusable file, the window
and the scope."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.adhoc.models import Application
from pilkada.adhoc.services.selection import enter_scores, import_scores
from pilkada.engine.tabular_read import FileRejected
from pilkada.schedule.gate import StageClosed

from .selection_support import *  # noqa: F403
from .selection_support import KELURAHAN_2, opening, write_csv


def _scores(kind="written_score"):
    return dict(Application.objects.values_list("nama", kind))


def test_every_reason_of_a_written_score_file(
    election, kpu_jakpus, passed, make_application, tmp_path, audit_log
):
    a = passed(nama="A")
    b = passed(nama="B")
    failed = passed(nama="FAILED", documents_ok=False)
    other = passed("ppk", "317101", nama="PPK-OK")
    jaksel = passed("pps", "3174011001", nama="JAKSEL")
    path = write_csv(
        tmp_path / "w.csv",
        ["number", "written_score"],
        [
            [a.number, "85.5"],  # line 2 accepted
            [b.number.lower(), "70,25"],  # line 3 accepted (case, decimal comma)
            ["", "50"],  # line 4 number_missing
            [a.number, "90"],  # line 5 duplicate_number
            ["T-PPS-99999", "50"],  # line 6 unknown_number
            [jaksel.number, "50"],  # line 7 out_of_scope (another kab/kota)
            [failed.number, "50"],  # line 8 not_admin_passed
            [other.number, "101"],  # line 9 score_out_of_range
            [other.number, "abc"],  # line 10 score_not_number
            [other.number, ""],  # line 11 score_missing
            [other.number, "60.123"],  # line 12 score_not_number (3 decimals)
            [other.number, "-1"],  # line 13 score_out_of_range
            [other.number, "60"],  # line 14 accepted: the rejected lines above do not count
        ],
    )
    result = import_scores(election=election, actor=kpu_jakpus, path=path, kind="written")
    assert (result.read, result.accepted, result.rejected) == (13, 3, 10)
    assert result.reconciles
    assert result.reasons == {
        "duplicate_number": 1,
        "not_admin_passed": 1,
        "number_missing": 1,
        "out_of_scope": 1,
        "score_missing": 1,
        "score_not_number": 2,
        "score_out_of_range": 2,
        "unknown_number": 1,
    }
    assert [(line, code) for line, _c, code, _r in result.rejects] == [
        (4, "number_missing"),
        (5, "duplicate_number"),
        (6, "unknown_number"),
        (7, "out_of_scope"),
        (8, "not_admin_passed"),
        (9, "score_out_of_range"),
        (10, "score_not_number"),
        (11, "score_missing"),
        (12, "score_not_number"),
        (13, "score_out_of_range"),
    ]
    scores = _scores()
    assert scores["A"] == Decimal("85.50") and scores["B"] == Decimal("70.25")
    assert scores["PPK-OK"] == Decimal("60.00")
    assert scores["FAILED"] is None and scores["JAKSEL"] is None
    rejects = (election_data_dir(result)).read_text().splitlines()
    assert rejects[0] == "line,column,reason_code,reason,raw"
    assert rejects[1].startswith("4,number,number_missing,")
    assert len(rejects) == 11
    entry = [e for e in audit_log() if e.action == "adhoc.scores_import"][-1]
    assert (entry.new["accepted"], entry.new["rejected"], entry.new["kind"]) == (3, 10, "written")


def election_data_dir(result):
    from django.conf import settings

    return settings.DATA_DIR / result.rejects_file


def test_interview_scores_only_for_the_shortlisted(election, kpu_jakpus, passed, tmp_path):
    opening(election, seats=1)  # 2 go to the interview
    top = passed(nama="TOP", written=90)
    second = passed(nama="SECOND", written=80)
    third = passed(nama="THIRD", written=70)
    path = write_csv(
        tmp_path / "i.csv",
        ["nomor_pendaftaran", "nilai_wawancara"],
        [[top.number, 80], [second.number, 75], [third.number, 99]],
    )
    result = import_scores(election=election, actor=kpu_jakpus, path=path, kind="interview")
    assert result.reasons == {"not_shortlisted": 1} and result.accepted == 2
    assert _scores("interview_score")["THIRD"] is None


def test_interview_everyone_who_passed_where_no_written_test(
    election, pps_gambir, passed, make_tps, tmp_path
):
    tps = make_tps(number=1)
    a = passed("kpps", tps.code, nama="K1")
    b = passed("kpps", tps.code, nama="K2")
    path = write_csv(
        tmp_path / "i.csv", ["number", "interview_score"], [[a.number, 70], [b.number, 71]]
    )
    assert (
        import_scores(election=election, actor=pps_gambir, path=path, kind="interview").accepted
        == 2
    )


def test_an_xlsx_file_is_read_like_a_csv(election, kpu_jakpus, passed, tmp_path):
    a = passed(nama="A")
    xlsxwriter = pytest.importorskip("xlsxwriter")
    workbook = xlsxwriter.Workbook(str(tmp_path / "w.xlsx"))
    sheet = workbook.add_worksheet()
    sheet.write_row(0, 0, ["Number", "Written Score"])
    sheet.write_row(1, 0, [a.number, 77.5])
    workbook.close()
    result = import_scores(
        election=election, actor=kpu_jakpus, path=tmp_path / "w.xlsx", kind="written"
    )
    assert result.accepted == 1 and _scores()["A"] == Decimal("77.50")


@pytest.mark.parametrize(
    "content,code",
    [
        ("", "empty"),
        ("number,interview_score\nT-1,50\n", "missing_columns"),  # the other kind's column
        ("nama,alamat\nX,Y\n", "no_header"),
    ],
)
def test_an_unusable_file_changes_nothing(
    election, kpu_jakpus, passed, tmp_path, content, code, audit_log
):
    passed(nama="A", written=10)
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(FileRejected) as info:
        import_scores(election=election, actor=kpu_jakpus, path=path, kind="written")
    assert info.value.code in (code, "missing_columns", "no_header")
    assert _scores()["A"] == Decimal("10.00")
    assert not [e for e in audit_log() if e.action == "adhoc.scores_import"]


def test_a_file_with_every_row_rejected_changes_nothing(election, kpu_jakpus, passed, tmp_path):
    a = passed(nama="A", written=10)
    path = write_csv(tmp_path / "w.csv", ["number", "written_score"], [[a.number, "200"]])
    with pytest.raises(FileRejected) as info:
        import_scores(election=election, actor=kpu_jakpus, path=path, kind="written")
    assert info.value.code == "nothing_readable"
    assert _scores()["A"] == Decimal("10.00")


def test_window_closed_refuses_before_reading(
    election, kpu_jakpus, passed, tmp_path, election_today
):
    a = passed(nama="A")
    path = write_csv(tmp_path / "w.csv", ["number", "written_score"], [[a.number, "50"]])
    election_today("2024-04-01")
    with pytest.raises(StageClosed):
        import_scores(election=election, actor=kpu_jakpus, path=path, kind="written")
    with pytest.raises(StageClosed):
        enter_scores(
            election=election,
            actor=kpu_jakpus,
            body="pps",
            region_code=a.region_code,
            kind="written",
            scores={a.number: "50"},
        )
    assert _scores()["A"] is None


def test_scope_a_pps_cannot_score_pps_nor_another_kelurahan(
    election, pps_gambir, bawaslu_dki, passed, make_tps, tmp_path
):
    own = passed(nama="PPS-APPLICANT")
    tps_other = make_tps(KELURAHAN_2, number=1)
    kpps_other = passed("kpps", tps_other.code, nama="KPPS-OTHER")
    tps_own = make_tps(number=1)
    kpps_own = passed("kpps", tps_own.code, nama="KPPS-OWN")
    path = write_csv(
        tmp_path / "w.csv",
        ["number", "written_score"],
        [[own.number, 50], [kpps_other.number, 50], [kpps_own.number, 50]],
    )
    result = import_scores(election=election, actor=pps_gambir, path=path, kind="written")
    assert result.reasons == {"out_of_scope": 2} and result.accepted == 1
    with pytest.raises(PermissionDenied):
        enter_scores(
            election=election,
            actor=pps_gambir,
            body="pps",
            region_code=own.region_code,
            kind="written",
            scores={own.number: "50"},
        )
    with pytest.raises(PermissionDenied):
        import_scores(election=election, actor=bawaslu_dki, path=path, kind="written")


def test_entry_on_the_page_writes_nothing_when_one_value_is_wrong(
    election, kpu_jakpus, passed, audit_log
):
    a = passed(nama="A")
    b = passed(nama="B")
    elsewhere = passed("pps", KELURAHAN_2, nama="ELSEWHERE")
    result = enter_scores(
        election=election,
        actor=kpu_jakpus,
        body="pps",
        region_code=a.region_code,
        kind="written",
        scores={a.number: "80", b.number: "800", elsewhere.number: "10"},
    )
    assert result.reasons == {"out_of_scope": 1, "score_out_of_range": 1}
    assert _scores()["A"] is None
    result = enter_scores(
        election=election,
        actor=kpu_jakpus,
        body="pps",
        region_code=a.region_code,
        kind="written",
        scores={a.number: "80", b.number: ""},
    )
    assert (result.read, result.accepted) == (1, 1)
    assert _scores()["A"] == Decimal("80.00") and _scores()["B"] is None
    assert [e.action for e in audit_log()].count("adhoc.scores_enter") == 1

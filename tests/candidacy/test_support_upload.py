"""Uploading a supporter list: read, verifikasi administrasi, load -- every reason code, held
pairs on both sides, counts that reconcile, refusals that change nothing."""

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.candidacy.models import SupportBatch, Supporter
from pilkada.candidacy.services.lists import upload_nik_list
from pilkada.candidacy.services.support import SupportRefused, upload_support_file
from pilkada.engine.tabular_read import FileRejected
from pilkada.schedule.gate import StageClosed

from .support_support import YOUNG, register, row, support_csv, voter


@pytest.fixture
def small_register(election):
    return register(
        election,
        [voter(election, i) for i in range(1, 9)]
        + [
            voter(election, 20, status="tms", tms=1),  # deceased
            voter(election, 21, status="tms", tms=6),  # TNI
            voter(election, 22, born=YOUNG),  # 14 on voting day, never married
            voter(election, 23, kel="3172011001"),  # another kab/kota
        ],
    )


def _statuses(pair):
    return {
        s.line: (s.vermin_status, s.vermin_reason, s.status)
        for s in Supporter.objects.filter(pair=pair)
    }


def test_every_reason_code_and_reconciled_counts(
    election, small_register, make_pair, kpu_dki, tmp_path, audit_log
):
    pair = make_pair()
    rows = [
        row(1), row(2), row(3),  # lines 2-4: MS
        row(20),  # 5 deceased
        row(21),  # 6 TNI in the register
        row(22, born=YOUNG),  # 7 under age
        row(99),  # 8 not in the register
        row(0, nik="317101410190000"),  # 9 invalid NIK (15 digits): kept, TMS
        row(1),  # 10 listed twice: the first stays
        row(4, pekerjaan="PNS"),  # 11 barred by the occupation written
        row(23),  # 12 MS, counted in 3172
        ["x"],  # 13 cannot be read as a person: rejected
    ]  # fmt: skip
    result = upload_support_file(
        election=election, pair=pair, path=support_csv(tmp_path, rows), actor=kpu_dki
    )
    data = result.as_dict()
    assert (data["read"], data["rejected"], data["reconciles"]) == (12, 1, True)
    got = _statuses(pair)
    assert got[2] == ("ms", "", "pending")  # MS after vermin, waiting for verfak
    assert got[5][1] == "deceased" and got[6][1] == "barred_occupation"
    assert got[7][1] == "under_age" and got[8][1] == "not_in_register"
    assert got[9][1] == "nik_invalid" and got[10][1] == "double_same_pair"
    assert got[11][1] == "barred_occupation" and got[12][0] == "ms"
    assert all(v[2] == "tms" for k, v in got.items() if v[0] == "tms")
    assert 13 not in got
    v = data["verification"]
    assert v["by_status"] == {"ms": 4, "tms": 7, "held": 0} and v["reconciles"]
    by_reason = {k: n for k, n in v["by_reason"].items() if n}
    assert by_reason == {
        "nik_invalid": 1, "not_in_register": 1, "deceased": 1, "under_age": 1,
        "barred_occupation": 2, "double_same_pair": 1,
    }  # fmt: skip
    ms_rows = Supporter.objects.filter(pair=pair, vermin_status="ms")
    assert set(ms_rows.values_list("verfak_status", flat=True)) == {"pending"}
    assert ms_rows.get(line=12).region_code == "3172011001"
    assert ms_rows.get(line=2).register_voter_id == small_register[0].pk
    entry = [e for e in audit_log() if e.action == "candidacy.support_upload"][-1]
    assert entry.new["read"] == 12 and entry.new["verification"]["rows"] == 11
    batch = SupportBatch.objects.get(pair=pair)
    assert batch.state == "verified" and batch.rejected == 1


def test_a_nik_list_bars_a_supporter(election, small_register, make_pair, kpu_dki, tmp_path):
    nik = small_register[4].nik  # serial 5
    path = tmp_path / "polri.csv"
    path.write_text(f"nik\n{nik}\n")
    upload_nik_list(election=election, category="polri", path=path, actor=kpu_dki)
    pair = make_pair()
    upload_support_file(
        election=election, pair=pair, path=support_csv(tmp_path, [row(5), row(6)]), actor=kpu_dki
    )
    assert _statuses(pair)[2][1] == "barred_occupation"
    assert _statuses(pair)[3][0] == "ms"


def test_support_for_two_pairs_is_held_on_both_sides(
    election, small_register, make_pair, kpu_dki, tmp_path
):
    a, b = make_pair("A"), make_pair("B")
    upload_support_file(
        election=election, pair=a, path=support_csv(tmp_path, [row(1), row(2)]), actor=kpu_dki
    )
    result = upload_support_file(
        election=election, pair=b, path=support_csv(tmp_path, [row(2), row(3)], name="b.csv"),
        actor=kpu_dki,
    )  # fmt: skip
    assert result.held_other_pairs == 1
    assert _statuses(a)[3] == ("held", "double_other_pair", "pending")
    assert _statuses(b)[2] == ("held", "double_other_pair", "pending")
    assert _statuses(a)[2][0] == "ms" and _statuses(b)[3][0] == "ms"


def test_an_lo_uploads_for_its_own_pair_only(election, small_register, make_pair, tmp_path):
    from pilkada.candidacy.models import PairLiaison

    own = make_pair("Own", lo_username="lo-own")
    other = make_pair("Other")
    lo = PairLiaison.objects.get(pair=own).user
    path = support_csv(tmp_path, [row(1)])
    upload_support_file(election=election, pair=own, path=path, actor=lo)
    with pytest.raises(PermissionDenied):
        upload_support_file(election=election, pair=other, path=path, actor=lo)
    assert not Supporter.objects.filter(pair=other).exists()


def test_refusals_change_nothing(
    election, small_register, make_pair, kpu_dki, pps_gambir, tmp_path, election_today
):
    pair = make_pair()
    good = support_csv(tmp_path, [row(1)])
    with pytest.raises(PermissionDenied):
        upload_support_file(election=election, pair=pair, path=good, actor=pps_gambir)
    with pytest.raises(FileRejected):  # nothing readable as a person
        upload_support_file(
            election=election, pair=pair, path=support_csv(tmp_path, [["x"]], name="bad.csv"),
            actor=kpu_dki,
        )  # fmt: skip
    with pytest.raises(SupportRefused) as err:
        upload_support_file(election=election, pair=pair, path=good, actor=kpu_dki, round=2)
    assert err.value.code == "no_round_1"
    party = make_pair("Partai", independent=False)
    with pytest.raises(SupportRefused):
        upload_support_file(election=election, pair=party, path=good, actor=kpu_dki)
    election_today("2024-09-01")  # after the support stage
    with pytest.raises(StageClosed):
        upload_support_file(election=election, pair=pair, path=good, actor=kpu_dki)
    assert not SupportBatch.objects.exists() and not Supporter.objects.exists()

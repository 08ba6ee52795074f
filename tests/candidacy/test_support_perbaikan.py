"""Perbaikan: when the verified total or spread falls short after round 1, the pair submits
replacements (twice the shortfall); round 2 is verified on the new rows only (against every
earlier listing) and the final status combines both rounds."""

import pytest

from pilkada.candidacy.models import CandidacyBasis, Supporter
from pilkada.candidacy.selectors.results import support_result
from pilkada.candidacy.services.support import (
    SupportRefused,
    perbaikan_due,
    upload_support_file,
)

from .support_support import register, row, support_csv, voter

KAB = ["3171011001", "3172011001", "3173011001", "3174011001", "3175011001"]


@pytest.fixture
def setup(election, make_pair):
    register(election, [voter(election, i, kel=KAB[i % 5]) for i in range(1, 11)])
    CandidacyBasis.objects.create(election=election, previous_dpt_total=40)  # minimum 4
    return make_pair()


def _verfak_all(pair, round_, status="ms"):
    Supporter.objects.filter(pair=pair, round=round_, verfak_status="pending").update(
        verfak_status=status, status=status
    )


def test_round_two_after_a_shortfall(election, setup, kpu_dki, tmp_path):
    pair = setup
    upload_support_file(election=election, pair=pair, actor=kpu_dki,
                        path=support_csv(tmp_path, [row(1), row(2), row(3), row(4)]))  # fmt: skip
    with pytest.raises(SupportRefused) as err:  # verfak still running
        perbaikan_due(pair=pair)
    assert err.value.code == "round_1_open"
    _verfak_all(pair, 1)
    Supporter.objects.filter(pair=pair, line=5).update(verfak_status="tms", status="tms")
    r = support_result(pair=pair)
    assert (r.counted, r.shortfall, r.perbaikan_required) == (3, 1, 2)
    assert perbaikan_due(pair=pair) == 2
    # Round 2: one new supporter, one already listed in round 1 (TMS: the first stays).
    upload_support_file(election=election, pair=pair, actor=kpu_dki, round=2,
                        path=support_csv(tmp_path, [row(5), row(2)], name="p.csv"))  # fmt: skip
    second = {s.line: s for s in Supporter.objects.filter(pair=pair, round=2)}
    assert second[2].vermin_status == "ms" and second[3].vermin_reason == "double_same_pair"
    # Round 1 rows kept their results.
    assert Supporter.objects.filter(pair=pair, round=1, status="ms").count() == 3
    _verfak_all(pair, 2)
    final = support_result(pair=pair)
    assert (final.counted, final.shortfall) == (4, 0)
    assert final.areas_with_support == 4 and final.meets
    with pytest.raises(SupportRefused) as err:  # one perbaikan only
        upload_support_file(election=election, pair=pair, actor=kpu_dki, round=2,
                            path=support_csv(tmp_path, [row(6)], name="q.csv"))  # fmt: skip
    assert err.value.code in ("not_short", "perbaikan_done")


def test_no_perbaikan_when_the_pair_meets(election, setup, kpu_dki, tmp_path):
    pair = setup
    upload_support_file(election=election, pair=pair, actor=kpu_dki,
                        path=support_csv(tmp_path, [row(i) for i in range(1, 6)]))  # fmt: skip
    _verfak_all(pair, 1)
    with pytest.raises(SupportRefused) as err:
        perbaikan_due(pair=pair)
    assert err.value.code == "not_short"


def test_no_perbaikan_without_basis(election, make_pair, kpu_dki, tmp_path):
    register(election, [voter(election, 1)])
    pair = make_pair()
    upload_support_file(election=election, pair=pair, actor=kpu_dki,
                        path=support_csv(tmp_path, [row(1)]))  # fmt: skip
    _verfak_all(pair, 1)
    with pytest.raises(SupportRefused) as err:
        perbaikan_due(pair=pair)
    assert err.value.code == "no_basis"

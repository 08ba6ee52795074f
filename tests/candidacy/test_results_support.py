"""support_result: minimum, shortfall, spread over kab/kota, per stage."""

import pytest

from pilkada.candidacy.models import CandidacyBasis
from pilkada.candidacy.selectors.results import support_result


@pytest.fixture
def basis(election):
    # A small "last DPT" so that a handful of rows can meet it: 10 % of 40 = 4.
    return CandidacyBasis.objects.create(election=election, previous_dpt_total=40)


def test_without_basis_there_is_no_minimum(election, make_pair):
    result = support_result(pair=make_pair())
    assert result.minimum is None and result.shortfall is None and not result.meets
    assert result.areas_total == 6 and result.spread_needed == 4


def test_minimum_shortfall_and_spread(election, basis, make_pair, add_supporters):
    pair = make_pair()
    # 3 MS in Jakarta Pusat, 1 TMS in Jakarta Utara: short by 1, spread 1 of 6.
    add_supporters(pair, 3, region_code="3171011001", vermin_status="ms", status="ms")
    add_supporters(pair, 1, start=50, region_code="3172011001", vermin_status="tms", status="tms")
    r = support_result(pair=pair)
    assert (r.minimum, r.counted, r.shortfall, r.perbaikan_required) == (4, 3, 1, 2)
    assert r.areas_with_support == 1 and not r.spread_ok and not r.meets
    by_code = {a.code: a for a in r.areas}
    assert by_code["3171"].counted == 3 and by_code["3172"].listed == 1
    assert by_code["3172"].counted == 0


def test_meets_with_four_of_six(election, basis, make_pair, add_supporters):
    pair = make_pair()
    for i, kel in enumerate(["3171011001", "3172011001", "3173011001", "3174011001"]):
        add_supporters(pair, 1, start=10 + i, region_code=kel, vermin_status="ms", status="ms")
    r = support_result(pair=pair)
    assert r.shortfall == 0 and r.spread_ok and r.meets


def test_vermin_stage_counts_ms_and_held(election, basis, make_pair, add_supporters):
    pair = make_pair()
    add_supporters(pair, 2, vermin_status="ms", verfak_status="pending")
    add_supporters(pair, 1, start=20, vermin_status="held", verfak_status="pending")
    add_supporters(pair, 1, start=30, vermin_status="tms")
    assert support_result(pair=pair, stage="vermin").counted == 3
    assert support_result(pair=pair, stage="final").counted == 0
    with pytest.raises(ValueError):
        support_result(pair=pair, stage="other")


def test_other_pairs_rows_do_not_count(election, basis, make_pair, add_supporters):
    a, b = make_pair("A"), make_pair("B")
    add_supporters(b, 5, status="ms", vermin_status="ms")
    assert support_result(pair=a).counted == 0

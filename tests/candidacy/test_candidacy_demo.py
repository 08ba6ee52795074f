"""The candidacy part of the demo: pairs, basis, a verified supporter list, some verfak."""

import pytest

from pilkada.candidacy.models import CandidacyBasis, FactualCheck, Pair, Supporter
from pilkada.candidacy.selectors.results import support_result


@pytest.fixture
def demo_in_support_stage(db, settings, demo_data_dir):
    """The demo as `make run` loads it: on a clock inside the support stage."""
    from pilkada.core.demo import load_demo
    from pilkada.regions.services import load_shipped_regions

    settings.PILKADA_TODAY = "2024-07-01"
    settings.DATA_DIR = demo_data_dir
    load_shipped_regions()
    return load_demo(voters=3000, seed=7)


def test_demo_loads_pairs_and_a_verified_supporter_list(demo_in_support_stage):
    election = demo_in_support_stage.election
    pairs = Pair.objects.filter(election=election)
    assert pairs.count() == 3
    independent = pairs.get(path=Pair.Path.INDEPENDENT)
    assert independent.liaisons.get().user.username == "lo-demo"
    basis = CandidacyBasis.objects.get(election=election)
    assert basis.previous_dpt_total > 0 and basis.dprd_valid_votes > 0
    rows = Supporter.objects.filter(pair=independent)
    assert rows.count() > 0 and not rows.filter(vermin_status="pending").exists()
    assert rows.filter(vermin_status="tms").exists()
    vermin = support_result(pair=independent, stage="vermin")
    assert vermin.minimum and vermin.counted >= vermin.minimum  # 1.2x the minimum listed
    assert FactualCheck.objects.filter(supporter__pair=independent).exists()


def test_demo_outside_the_support_stage_skips_candidacy(demo):
    assert not Pair.objects.filter(election=demo.election).exists()

"""The ad hoc part of the demo (`make run`): openings, applications through the form's
service, checks, a document sent back, the ranking; seating left to the visitor."""

import pytest

from pilkada.adhoc.models import Application, Member, Opening


@pytest.fixture
def demo_in_recruitment(db, settings, demo_data_dir):
    """The demo as `make run` loads it: on a clock inside the recruitment stage."""
    from pilkada.core.demo import load_demo
    from pilkada.regions.services import load_shipped_regions

    settings.PILKADA_TODAY = "2024-07-01"
    settings.DATA_DIR = demo_data_dir
    load_shipped_regions()
    return load_demo(voters=3000, seed=7)


def test_demo_has_openings_checked_applications_and_a_ranking(demo_in_recruitment):
    election = demo_in_recruitment.election
    assert Opening.objects.filter(election=election, body="kpps").exists()
    apps = Application.objects.filter(election=election)
    assert apps.filter(body="kpps").count() == 10 and apps.filter(body="pantarlih").count() == 3
    assert not apps.filter(eligibility="pending").exists()
    assert apps.filter(documents_ok=False).count() == 1
    # Residents of other kelurahan applied too (a small population): the checks say so.
    assert apps.filter(eligibility="ineligible", eligibility_reasons__contains="domicile").exists()
    selected = apps.filter(body="kpps", result="selected")
    assert 1 <= selected.count() <= 7
    assert not selected.filter(eligibility="ineligible").exists()
    assert not selected.filter(documents_ok=False).exists()
    assert apps.exclude(result="").count() == apps.count()
    assert not Member.objects.exists()  # seating is the visitor's to do


def test_demo_outside_the_recruitment_stage_skips_it(demo):
    assert not Application.objects.filter(election=demo.election).exists()

"""The home page: the election, its stages, and the region tree scoped to the viewer."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pilkada.accounts.models import User
from pilkada.voters.models import RegionVoterCount, Voter

pytestmark = pytest.mark.django_db


def login(client, username):
    client.force_login(User.objects.get(username=username))


def codes_in(html: str) -> list[str]:
    return re.findall(r'data-code="(\d+)"', html)


def test_demo_loads_population_and_counts_reconcile(demo):
    election = demo.election
    register = Voter.objects.filter(election=election).exclude(source=Voter.Source.DPT_LAMA)
    assert register.count() == demo.voters > 0
    # The previous DPT is loaded beside it, for synchronisation, and is not counted.
    assert Voter.objects.filter(election=election, source=Voter.Source.DPT_LAMA).exists()
    counts = {c.region_code: c for c in RegionVoterCount.objects.filter(election=election)}
    province = counts["31"]
    assert province.total == demo.voters
    assert province.laki_laki + province.perempuan == province.total
    # every level sums to the province
    for length in (4, 6, 10):
        level_sum = sum(c.total for code, c in counts.items() if len(code) == length)
        assert level_sum == province.total, length


def test_demo_is_idempotent(demo, settings, demo_data_dir):
    from pilkada.core.demo import load_demo

    again = load_demo(voters=demo.voters, seed=7)
    assert not again.generated and not again.loaded
    assert Voter.objects.exclude(source=Voter.Source.DPT_LAMA).count() == demo.voters


def test_public_sees_province_and_kabkota_with_counts(client, demo, election_today):
    election_today("2024-07-01")
    response = client.get(reverse("core:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert demo.election.name in html
    assert codes_in(html) == ["31", "3101", "3171", "3172", "3173", "3174", "3175"]
    total = RegionVoterCount.objects.get(election=demo.election, region_code="31").total
    assert f"{total:,}".replace(",", ".") in html  # Indonesian thousands separator


def test_stage_status_follows_the_election_clock(client, demo, election_today):
    election_today("2024-07-01")
    assert coklit_status(client) == "open"
    election_today("2024-07-24")  # the last day is inside the window
    assert coklit_status(client) == "open"
    election_today("2024-07-25")
    assert coklit_status(client) == "closed"
    election_today("2024-06-23")
    assert coklit_status(client) == "upcoming"


STAGE_ROW = re.compile(
    r'<tr class="stage-(\w+)">\s*<td>(?:<span[^>]*>[^<]*</span>\s*)?([^<]*)</td>'
)


def coklit_status(client) -> str:
    html = client.get(reverse("core:home")).content.decode()
    statuses = [status for status, name in STAGE_ROW.findall(html) if "coklit" in name]
    assert len(statuses) == 1, statuses
    return statuses[0]


@pytest.mark.parametrize(
    ("username", "expected_root", "forbidden_child_of"),
    [
        ("kpu-3171", "3171", "3172"),
        ("ppk-317101", "317101", "317102"),
        ("pps-3171011001", "3171011001", "3171011002"),
        ("panwascam-317101", "317101", "317102"),
    ],
)
def test_officer_sees_only_their_scope(client, demo, username, expected_root, forbidden_child_of):
    login(client, username)
    html = client.get(reverse("core:home")).content.decode()
    codes = codes_in(html)
    assert codes[0] == expected_root
    assert all(code.startswith(expected_root) for code in codes)
    # opening a region outside the scope is refused
    response = client.get(reverse("core:region_children", args=[forbidden_child_of]))
    assert response.status_code == 403
    # opening one inside is fine
    response = client.get(reverse("core:region_children", args=[expected_root]))
    assert response.status_code == 200
    assert all(code.startswith(expected_root) for code in codes_in(response.content.decode()))


def test_kpps_sees_their_tps_only(client, demo):
    login(client, "kpps-3171011001001")
    html = client.get(reverse("core:home")).content.decode()
    assert codes_in(html) == ["3171011001", "3171011001001"]


def test_provincial_roles_see_the_whole_province(client, demo):
    for username in ("kpu-prov", "bawaslu-prov", "dukcapil-prov", "polda", "admin"):
        client.logout()
        login(client, username)
        html = client.get(reverse("core:home")).content.decode()
        assert codes_in(html)[:2] == ["31", "3101"], username


def test_public_can_open_any_region_but_not_malformed_codes(client, demo):
    assert client.get(reverse("core:region_children", args=["3175"])).status_code == 200
    assert client.get(reverse("core:region_children", args=["31.75"])).status_code == 200
    assert client.get(reverse("core:region_children", args=["31x"])).status_code == 404


def test_home_page_query_count_does_not_grow_with_regions(client, demo):
    """The home page reads aggregates: its query count is fixed, whatever the data size."""
    login(client, "kpu-prov")
    client.get(reverse("core:home"))  # warm up the session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("core:home")).status_code == 200
    assert len(queries) <= 12, [q["sql"] for q in queries]


def test_home_without_an_election(client, db):
    html = client.get(reverse("core:home")).content.decode()
    assert "Belum ada pemilihan" in html


def test_english_is_available(client, demo):
    client.cookies["django_language"] = "en"
    html = client.get(reverse("core:home")).content.decode()
    assert 'lang="en"' in html
    assert "Voting day" in html

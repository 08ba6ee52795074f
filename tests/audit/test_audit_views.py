"""The audit log page: for KPU and Bawaslu, scoped; closed to the public and to PPS."""

import pytest
from django.urls import reverse

from pilkada.accounts.models import User

pytestmark = pytest.mark.django_db


def test_public_is_sent_to_login(client, demo):
    response = client.get(reverse("audit:list"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_pps_may_not_read_the_log(client, demo):
    client.force_login(User.objects.get(username="pps-3171011001"))
    response = client.get(reverse("audit:list"))
    assert response.status_code == 403
    assert "audit.view" in response.content.decode()


@pytest.mark.parametrize("username", ["kpu-prov", "bawaslu-prov"])
def test_provincial_overseers_read_the_whole_log(client, demo, username):
    client.force_login(User.objects.get(username=username))
    html = client.get(reverse("audit:list")).content.decode()
    assert "voters.population.replace" in html  # written by the system during the demo load
    assert 'data-testid="head-hash"' in html


def test_filter_by_action_prefix(client, demo):
    client.force_login(User.objects.get(username="kpu-prov"))
    html = client.get(reverse("audit:list"), {"aksi": "accounts.*"}).content.decode()
    assert "accounts." in html
    assert "voters.population.replace" not in html

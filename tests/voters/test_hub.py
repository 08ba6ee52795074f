"""The register's front page lists, for each role, exactly the pages it may open."""

import pytest

from pilkada.accounts.models import User
from pilkada.voters.views.hub import MENU


def hrefs(client):
    html = client.get("/pemilih/").content.decode()
    return {name for name, *_ in MENU if f'href="{_url(name)}"' in html}


def _url(name):
    from django.urls import reverse

    return reverse(name)


@pytest.mark.django_db
def test_every_menu_entry_resolves():
    assert all(_url(name).startswith("/") for name, *_ in MENU)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "username, present, absent",
    [
        (None, {"voters:cek_dpt", "voters:dps_announcement_index"}, {"voters:import"}),
        ("kpu-prov", {"voters:import", "voters:duplicates", "voters:sync"}, {"voters:dpk_home"}),
        ("pantarlih-3171011001001", {"voters:coklit"}, {"voters:import", "voters:duplicates"}),
        ("kpps-3171011001001", {"voters:dpk_home"}, {"voters:coklit", "voters:import"}),
        ("dukcapil-prov", {"voters:ktp_el"}, {"voters:coklit", "voters:import"}),
    ],
)
def test_menu_follows_the_role(client, demo, username, present, absent):
    if username:
        client.force_login(User.objects.get(username=username))
    shown = hrefs(client)
    assert present <= shown
    assert not absent & shown

"""The overview page (views.overview) and the hub's entries of the members area."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.urls import reverse

from .conftest import KELURAHAN
from .members_support import *  # noqa: F403
from .members_support import TPS1, TPS2


def _setup(make_opening, ranked, seat_directly):
    make_opening("kpps", TPS1, 7)
    make_opening("pantarlih", TPS2, 2)
    make_opening("pps", KELURAHAN, 3)
    seat_directly(ranked("kpps", TPS1, rank=1))
    seat_directly(ranked("pps", KELURAHAN, rank=1, jenis_kelamin="L"))


def test_overview_page_for_bawaslu(
    election, bawaslu_dki, make_opening, ranked, seat_directly, client
):
    _setup(make_opening, ranked, seat_directly)
    client.force_login(bawaslu_dki)
    page = client.get(reverse("adhoc:overview"))
    assert page.status_code == 200
    text = page.content.decode()
    assert f'data-testid="urgent-tps" data-code="{TPS2}" data-body="pantarlih"' in text
    assert f'data-testid="urgent-tps" data-code="{TPS1}" data-body="kpps"' in text
    # The Pantarlih's deadline (coklit, 24 June) comes before the KPPS's (5 November).
    assert text.index(f'data-code="{TPS2}" data-body="pantarlih"') < text.index(
        f'data-code="{TPS1}" data-body="kpps"'
    )
    # Drill down: the province's page links the kab/kota.
    assert '?badan=&wilayah=3171"' in text
    # Read-only: no forms that change anything.
    assert 'method="post" action' not in text.split("<main")[-1].split("</main>")[0]


def test_overview_page_scoped_for_a_pps(
    election, pps_gambir, pps_other, make_opening, ranked, seat_directly, client
):
    _setup(make_opening, ranked, seat_directly)
    client.force_login(pps_gambir)
    page = client.get(reverse("adhoc:overview"), {"badan": "kpps"})
    assert page.status_code == 200
    assert b'data-testid="total" data-body="kpps"' in page.content
    assert b'data-testid="total" data-body="pps"' not in page.content
    client.force_login(pps_other)
    assert client.get(reverse("adhoc:overview"), {"wilayah": KELURAHAN}).status_code == 403
    kpps = get_user_model().objects.create_user(username="k1", role="kpps", region_code=TPS1)
    client.force_login(kpps)
    assert client.get(reverse("adhoc:overview")).status_code == 403


def test_hub_lists_members_and_overview_by_role(election, pps_gambir, client):
    client.force_login(pps_gambir)
    text = client.get(reverse("adhoc:hub")).content.decode()
    assert reverse("adhoc:members") in text and reverse("adhoc:overview") in text
    kpps = get_user_model().objects.create_user(username="k2", role="kpps", region_code=TPS1)
    client.force_login(kpps)
    text = client.get(reverse("adhoc:hub")).content.decode()
    assert reverse("adhoc:members") not in text and reverse("adhoc:overview") not in text


def test_overview_page_queries_do_not_grow_with_the_areas(
    election, kpu_jakpus, make_opening, ranked, seat_directly, client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _setup(make_opening, ranked, seat_directly)
    client.force_login(kpu_jakpus)
    url = reverse("adhoc:overview")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"wilayah": KELURAHAN}).status_code == 200
    for n in range(3, 9):
        make_opening("kpps", f"{KELURAHAN}{n:03d}", 7)
        seat_directly(ranked("kpps", f"{KELURAHAN}{n:03d}", rank=1))
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url, {"wilayah": KELURAHAN}).status_code == 200

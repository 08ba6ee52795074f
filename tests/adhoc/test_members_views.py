"""Pages of seating and replacement (views.members)."""

from __future__ import annotations

import re

from django.urls import reverse

from pilkada.adhoc.models import Member
from pilkada.core.masking import mask_nik

from .conftest import KELURAHAN
from .members_support import *  # noqa: F403
from .members_support import TPS1

PASSWORD = "Kursi-KPPS-Gambir-77"


def test_seat_from_the_page_shows_the_links_to_hand_over(
    election, pps_gambir, make_opening, ranked, client
):
    make_opening("kpps", TPS1, 7)
    app = ranked("kpps", TPS1, rank=1)
    client.force_login(pps_gambir)
    page = client.get(reverse("adhoc:members"))
    assert page.status_code == 200 and b'data-testid="seat-form"' in page.content
    response = client.post(
        reverse("adhoc:members_seat"),
        {"body": "kpps", "region_code": "", "sk_number": "SK/KPPS/1"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert f"kpps-{TPS1}-1" in text
    (link,) = re.findall(r'data-testid="link">([^<]+)<', text)
    assert link.startswith("http://testserver/adhoc/anggota/sandi/")
    member = Member.objects.get(application=app)
    # The list shows the member with the NIK masked, never in full.
    listing = client.get(reverse("adhoc:members"), {"badan": "kpps"}).content.decode()
    assert app.nama in listing and mask_nik(app.nik) in listing and app.nik not in listing
    # The new member sets a password through the link and logs in.
    client.logout()
    response = client.get(link.removeprefix("http://testserver"), follow=True)
    form_url = response.redirect_chain[-1][0]
    client.post(form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert client.login(username=member.user.username, password=PASSWORD)


def test_refused_seating_says_why(election, pps_gambir, make_opening, client, election_today):
    make_opening("kpps", TPS1, 7)
    client.force_login(pps_gambir)
    response = client.post(reverse("adhoc:members_seat"), {"body": "kpps", "sk_number": ""})
    assert response.status_code == 400
    assert "Nomor SK penetapan wajib diisi" in response.content.decode()
    election_today("2024-11-06")
    response = client.post(reverse("adhoc:members_seat"), {"body": "kpps", "sk_number": "S"})
    assert response.status_code == 403 and "sudah ditutup" in response.content.decode()


def test_pages_do_not_cross_the_scope(
    election, pps_other, pps_gambir, bawaslu_dki, make_opening, ranked, seat_directly, client
):
    make_opening("pps", KELURAHAN, 3)
    member = seat_directly(ranked("pps", KELURAHAN, rank=1))
    client.force_login(pps_other)
    assert client.get(reverse("adhoc:members"), {"wilayah": KELURAHAN}).status_code == 403
    detail = reverse("adhoc:member_detail", args=[member.pk])
    assert client.get(detail).status_code == 404
    response = client.post(reverse("adhoc:member_replace", args=[member.pk]), {"reason": "died"})
    assert response.status_code == 404
    # Bawaslu reads the member but cannot replace them; a PPS cannot replace the PPS.
    for reader in (bawaslu_dki, pps_gambir):
        client.force_login(reader)
        page = client.get(detail)
        assert page.status_code == 200 and b'data-testid="replace-form"' not in page.content
        response = client.post(
            reverse("adhoc:member_replace", args=[member.pk]), {"reason": "died"}
        )
        assert response.status_code == 403
    assert Member.objects.get(pk=member.pk).state == "active"


def test_replace_from_the_page(election, kpu_jakpus, make_opening, ranked, seat_directly, client):
    make_opening("pps", KELURAHAN, 3)
    member = seat_directly(ranked("pps", KELURAHAN, rank=1))
    reserve = ranked("pps", KELURAHAN, "reserve", rank=4)
    client.force_login(kpu_jakpus)
    page = client.get(reverse("adhoc:member_detail", args=[member.pk]))
    assert b'data-testid="replace-form"' in page.content
    response = client.post(
        reverse("adhoc:member_replace", args=[member.pk]),
        {"reason": "dismissed", "note": "melanggar kode etik", "sk_number": "SK PAW 3"},
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert reserve.nama in text and f"pps-{KELURAHAN}-1" in text
    member.refresh_from_db()
    assert member.state == "ended" and member.replaced_by.application == reserve
    # No reserve left: the next replacement leaves the seat open and says so.
    other = seat_directly(ranked("pps", KELURAHAN, rank=2))
    response = client.post(reverse("adhoc:member_replace", args=[other.pk]), {"reason": "died"})
    assert b'data-testid="seat-open"' in response.content


def test_a_new_link_for_a_member_without_a_password(
    election, pps_gambir, make_opening, ranked, client
):
    from pilkada.adhoc.services.members import seat_members

    make_opening("kpps", TPS1, 7)
    ranked("kpps", TPS1, rank=1)
    (account,) = seat_members(
        election=election, actor=pps_gambir, body="kpps", sk_number="SK"
    ).seated
    client.force_login(pps_gambir)
    response = client.post(reverse("adhoc:member_link", args=[account.member.pk]))
    assert response.status_code == 200
    (link,) = re.findall(r'data-testid="link">([^<]+)<', response.content.decode())
    assert link.startswith("http://testserver/adhoc/anggota/sandi/")


def test_an_ended_members_link_is_dead(election, kpu_jakpus, make_opening, ranked, client):
    from pilkada.adhoc.services.members import replace_member, seat_members

    make_opening("pps", KELURAHAN, 3)
    ranked("pps", KELURAHAN, rank=1)
    (account,) = seat_members(
        election=election, actor=kpu_jakpus, body="pps", sk_number="SK"
    ).seated
    replace_member(member_id=account.member.pk, actor=kpu_jakpus, reason="resigned")
    response = client.get(account.link, follow=True)
    assert b'data-testid="invalid-link"' in response.content


def test_members_list_queries_do_not_grow_with_the_members(
    election, kpu_jakpus, make_opening, ranked, seat_directly, client, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_opening("kpps", TPS1, 7)
    seat_directly(ranked("kpps", TPS1, rank=1))
    client.force_login(kpu_jakpus)
    url = reverse("adhoc:members")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for rank in range(2, 8):
        seat_directly(ranked("kpps", TPS1, rank=rank))
    with django_assert_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200

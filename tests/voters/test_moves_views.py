"""Pages of DPTb and DPK: register form with NIK search, DPTb list, DPK form on a phone."""

import datetime as dt

from django.urls import reverse

from pilkada.audit.models import AuditEntry
from pilkada.engine.nik import make_nik
from pilkada.voters.models import DpkVoter, VoterMove
from pilkada.voters.services.moves import register_move

from .moves_support import *  # noqa: F403
from .moves_support import CIDENG, GAMBIR, PETOJO, make_voter

ORIGIN = f"{GAMBIR}001"
BORN = dt.date(1990, 6, 15)


def dpk_form(serial=1, **changes):
    values = {
        "nik": make_nik(kecamatan_code="317101", birth_date=BORN, sex="P", serial=serial),
        "nama": "Dewi Lestari",
        "jenis_kelamin": "P",
        "tanggal_lahir": BORN.isoformat(),
        "status_kawin": "B",
        "alamat": "Jl. Melati 3",
        "rt": "004",
        "rw": "001",
        "alamat_kelurahan": GAMBIR,
    }
    values.update(changes)
    return values


def test_register_page_search_shows_the_record_and_logs(client, moves_election, users):
    voter = make_voter(moves_election, tps_code=ORIGIN, nama="AGUS SALIM")
    client.force_login(users["pps_cideng"])
    url = reverse("voters:dptb_register")
    page = client.get(url, {"nik": voter.nik})
    assert page.status_code == 200
    text = page.content.decode()
    assert "AGUS SALIM" in text and voter.nik in text and 'data-testid="dptb-form"' in text
    assert AuditEntry.objects.filter(
        action="personal_data.unmasked", object_id="voters.dptb_search"
    ).exists()
    missing = client.get(url, {"nik": "3171011111110001"}).content.decode()
    assert 'data-testid="not-found"' in missing


def test_register_post_creates_the_move_and_redirects(client, moves_election, users):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    client.force_login(users["pps_cideng"])
    response = client.post(
        reverse("voters:dptb_register"),
        {"nik": voter.nik, "reason": "tugas", "destination_kelurahan": CIDENG,
         "destination_tps": f"{CIDENG}001", "form_a_number": "A-77"},
    )  # fmt: skip
    assert response.status_code == 302 and CIDENG in response.url
    move = VoterMove.objects.get()
    assert move.registered_by == "pps-cideng" and move.form_a_number == "A-77"
    listing = client.get(response.url).content.decode()
    assert "A-77" in listing and voter.nik not in listing  # masked by default


def test_register_post_refusal_shows_the_reason(client, moves_election, users, election_today):
    election_today("2024-11-01")  # after H-30
    voter = make_voter(moves_election, tps_code=ORIGIN)
    client.force_login(users["kpu_3171"])
    response = client.post(
        reverse("voters:dptb_register"),
        {"nik": voter.nik, "reason": "pindah_domisili", "destination_kelurahan": PETOJO,
         "form_a_number": "A-1"},
    )  # fmt: skip
    assert response.status_code == 200
    assert "28 Oktober 2024" in response.content.decode()
    assert not VoterMove.objects.exists()


def test_register_page_is_refused_to_roles_without_the_permission(client, moves_election, users):
    for name in ("kpps_gambir1", "pantarlih", "bawaslu"):
        client.force_login(users[name])
        assert client.get(reverse("voters:dptb_register")).status_code == 403
    client.logout()
    assert client.get(reverse("voters:dptb_register")).status_code == 302  # to login


def test_dptb_list_scoped_unmasked_on_request_and_cancel(client, moves_election, users):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    move = register_move(
        actor=None, election=moves_election, nik=voter.nik, reason="tugas",
        destination_kelurahan=CIDENG, form_a_number="A-5",
    ).move  # fmt: skip
    client.force_login(users["pps_petojo"])
    assert client.get(reverse("voters:dptb_list"), {"wilayah": CIDENG}).status_code == 403
    client.force_login(users["pps_cideng"])
    page = client.get(reverse("voters:dptb_list"))
    assert page.status_code == 200 and "A-5" in page.content.decode()
    full = client.get(reverse("voters:dptb_list"), {"lengkap": "1"}).content.decode()
    assert voter.nik in full
    response = client.post(reverse("voters:dptb_cancel", args=[move.pk]), {"wilayah": CIDENG})
    assert response.status_code == 302
    move.refresh_from_db()
    assert move.status == "cancelled" and move.cancelled_by == "pps-cideng"


def test_dpk_page_for_kpps_on_voting_day(client, moves_election, users, election_today):
    election_today("2024-11-27")
    make_voter(moves_election, tps_code=ORIGIN)
    client.force_login(users["kpps_gambir1"])
    home = client.get(reverse("voters:dpk_home"))
    assert home.status_code == 302 and home.url == reverse("voters:dpk_tps", args=[ORIGIN])
    page = client.get(home.url).content.decode()
    assert 'data-testid="dpk-form"' in page and 'name="viewport"' in page
    response = client.post(home.url, dpk_form(), HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200 and 'data-testid="saved"' in text
    assert "<html" not in text  # the HTMX partial
    assert 'data-testid="dpk-count">1<' in text and "D**I L*****I" in text
    again = client.post(home.url, dpk_form(), HTTP_HX_REQUEST="true").content.decode()
    assert 'data-testid="error"' in again and "sudah tercatat" in again
    wrong = client.post(home.url, dpk_form(2, alamat_kelurahan=CIDENG)).content.decode()
    assert "tidak berada di kelurahan TPS" in wrong
    assert DpkVoter.objects.count() == 1


def test_dpk_page_of_another_tps_is_refused(client, moves_election, users, election_today):
    election_today("2024-11-27")
    client.force_login(users["kpps_cideng1"])
    url = reverse("voters:dpk_tps", args=[ORIGIN])
    assert client.get(url).status_code == 403
    assert client.post(url, dpk_form()).status_code == 403
    assert not DpkVoter.objects.exists()


def test_dpk_page_outside_voting_day_shows_the_stage(client, moves_election, users):
    client.force_login(users["kpps_gambir1"])
    url = reverse("voters:dpk_tps", args=[ORIGIN])
    page = client.get(url).content.decode()
    assert 'data-testid="stage-closed"' in page
    refused = client.post(url, dpk_form()).content.decode()
    assert "belum dibuka" in refused and not DpkVoter.objects.exists()


def test_dpk_page_query_count(client, moves_election, users, election_today,
                              django_assert_max_num_queries):  # fmt: skip
    election_today("2024-11-27")
    client.force_login(users["kpps_gambir1"])
    url = reverse("voters:dpk_tps", args=[ORIGIN])
    for i in range(5):
        client.post(url, dpk_form(10 + i))
    with django_assert_max_num_queries(12):
        page = client.get(url)
    assert page.content.decode().count('data-testid="dpk-row"') == 5


def test_origin_pps_lands_on_its_moved_out_list(client, moves_election, users):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    client.force_login(users["pps_gambir"])
    response = client.post(
        reverse("voters:dptb_register"),
        {"nik": voter.nik, "reason": "tugas", "destination_kelurahan": CIDENG,
         "form_a_number": "A-9"},
    )  # fmt: skip
    assert response.status_code == 302 and "arah=out" in response.url and GAMBIR in response.url
    page = client.get(response.url)
    assert page.status_code == 200 and "A-9" in page.content.decode()
    move = VoterMove.objects.get()
    back = client.post(
        reverse("voters:dptb_cancel", args=[move.pk]), {"wilayah": GAMBIR, "arah": "out"}
    )
    assert back.status_code == 302 and "arah=out" in back.url
    assert client.get(back.url).status_code == 200

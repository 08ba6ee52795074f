"""Seating the selected applicants with their accounts (services.members.seat_members)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from pilkada.adhoc.models import Application, Member
from pilkada.adhoc.services.members import MembersRefused, seat_members
from pilkada.audit.models import AuditEntry
from pilkada.schedule.gate import StageClosed

from .conftest import KECAMATAN, KELURAHAN
from .members_support import *  # noqa: F403
from .members_support import TPS1, TPS2

User = get_user_model()
PASSWORD = "Sandi-Baru-Pantarlih-2024"


def _set_password_and_login(client, link: str, username: str) -> None:
    """Follow the one-time link, set a password, and log in with it."""
    path = re.sub(r"^https?://[^/]+", "", link)
    response = client.get(path, follow=True)
    assert response.status_code == 200
    assert b'data-testid="set-password"' in response.content
    form_url = response.redirect_chain[-1][0]
    response = client.post(
        form_url, {"new_password1": PASSWORD, "new_password2": PASSWORD}, follow=True
    )
    assert b'data-testid="password-set"' in response.content
    assert client.login(username=username, password=PASSWORD)


def test_seating_makes_members_with_accounts_of_the_right_role_and_scope(
    election, pps_gambir, make_opening, ranked, client
):
    make_opening("kpps", TPS1, 7)
    first = ranked("kpps", TPS1, rank=1, jenis_kelamin="L")
    second = ranked("kpps", TPS1, rank=2)
    ranked("kpps", TPS1, "reserve", rank=3)
    out = seat_members(election=election, actor=pps_gambir, body="kpps", sk_number="SK/01/2024")
    assert [a.member.application_id for a in out.seated] == [first.pk, second.pk]
    assert out.refused == [] and out.open_seats == 5
    users = [a.user for a in out.seated]
    assert [u.username for u in users] == [f"kpps-{TPS1}-1", f"kpps-{TPS1}-2"]
    for user in users:
        user.refresh_from_db()
        assert (user.role, user.region_code, user.is_active) == ("kpps", TPS1, True)
        assert not user.has_usable_password()
    member = Member.objects.get(application=first)
    assert (member.body, member.region_code, member.sk_number, member.state) == (
        "kpps", TPS1, "SK/01/2024", "active",
    )  # fmt: skip
    assert member.user == users[0] and users[0].full_name == first.nama
    # No email given and no mail service: the officer hands the link over.
    assert [a.mail for a in out.seated] == ["none", "none"]
    # The account creation is audited like any other, and the seating names the officer.
    created = AuditEntry.objects.filter(action="accounts.create").order_by("seq")
    assert [e.new["username"] for e in created] == [u.username for u in users]
    seat = AuditEntry.objects.get(action="adhoc.seat")
    assert seat.actor == "pps-gambir" and seat.object_id == f"kpps:{KELURAHAN}"
    assert [s["application"] for s in seat.new["seated"]] == [first.pk, second.pk]
    # The member sets a password through the link and logs in; the link is then dead.
    _set_password_and_login(client, out.seated[0].link, users[0].username)
    client.logout()
    path = re.sub(r"^https?://[^/]+", "", out.seated[0].link)
    response = client.get(path, follow=True)
    assert b'data-testid="invalid-link"' in response.content


def test_username_is_the_lowest_free_number_of_the_area(election, kpu_jakpus, make_opening, ranked):
    make_opening("pps", KELURAHAN, 3)
    User.objects.create_user(username=f"pps-{KELURAHAN}-1", role="pps", region_code=KELURAHAN)
    ranked("pps", KELURAHAN, rank=1)
    ranked("pps", KELURAHAN, rank=2)
    out = seat_members(election=election, actor=kpu_jakpus, body="pps", sk_number="SK 7")
    assert [a.user.username for a in out.seated] == [f"pps-{KELURAHAN}-2", f"pps-{KELURAHAN}-3"]


def test_seats_never_exceed_the_opening_and_rank_decides(
    election, kpu_jakpus, make_opening, ranked
):
    make_opening("ppk", KECAMATAN, 5)
    apps = [ranked("ppk", KECAMATAN, rank=r) for r in (3, 1, 7, 2, 5, 4, 6)]
    out = seat_members(election=election, actor=kpu_jakpus, body="ppk", sk_number="SK 1")
    by_rank = sorted(apps, key=lambda a: a.rank)
    assert [a.member.application_id for a in out.seated] == [a.pk for a in by_rank[:5]]
    assert [(s.application.pk, s.reason) for s in out.refused] == [
        (a.pk, "no_seat") for a in by_rank[5:]
    ]
    assert out.open_seats == 0
    # Seating again finds the area full: nothing more is seated.
    again = seat_members(election=election, actor=kpu_jakpus, body="ppk", sk_number="SK 2")
    assert again.seated == [] and {s.reason for s in again.refused} == {"no_seat"}
    assert Member.objects.filter(body="ppk", state="active").count() == 5


def test_someone_seated_in_another_body_is_refused_with_the_reason(
    election, pps_gambir, kpu_jakpus, make_opening, ranked
):
    make_opening("pps", KELURAHAN, 3)
    make_opening("kpps", TPS1, 7)
    pps_member = ranked("pps", KELURAHAN, rank=1)
    seat_members(election=election, actor=kpu_jakpus, body="pps", sk_number="SK PPS")
    twice = ranked("kpps", TPS1, rank=1, nik=pps_member.nik)
    other = ranked("kpps", TPS1, rank=2)
    out = seat_members(election=election, actor=pps_gambir, body="kpps", sk_number="SK KPPS")
    assert [a.member.application_id for a in out.seated] == [other.pk]
    (refused,) = out.refused
    assert (refused.application.pk, refused.reason) == (twice.pk, "seated_elsewhere")
    assert KELURAHAN in refused.message and "PPS" in refused.message


def test_selected_in_two_areas_at_once_is_seated_once(election, pps_gambir, make_opening, ranked):
    make_opening("kpps", TPS1, 7)
    make_opening("kpps", TPS2, 7)
    a = ranked("kpps", TPS1, rank=1)
    # The same person also selected as Pantarlih of another TPS (one application per body
    # is allowed): seated in the KPPS first, the Pantarlih seat is refused.
    b = ranked("pantarlih", TPS2, rank=1, nik=a.nik)
    make_opening("pantarlih", TPS2, 1)
    seat_members(election=election, actor=pps_gambir, body="kpps", sk_number="SK 1")
    out = seat_members(election=election, actor=pps_gambir, body="pantarlih", sk_number="SK 2")
    assert out.seated == [] and [(s.application.pk, s.reason) for s in out.refused] == [
        (b.pk, "seated_elsewhere")
    ]


def test_marriage_tie_in_the_same_body_and_area_is_refused(
    election, pps_gambir, make_opening, ranked
):
    make_opening("kpps", TPS1, 7)
    make_opening("kpps", TPS2, 7)
    nkk = "3171010101990001"
    husband = ranked("kpps", TPS1, rank=1, nkk=nkk, status_kawin="S", jenis_kelamin="L")
    wife = ranked("kpps", TPS1, rank=2, nkk=nkk, status_kawin="S")
    # Same family card but not married (a grown child): no tie.
    child = ranked("kpps", TPS1, rank=3, nkk=nkk, status_kawin="B")
    # A spouse in another TPS's KPPS is not in the same body.
    elsewhere = ranked("kpps", TPS2, rank=1, nkk=nkk, status_kawin="S")
    out = seat_members(election=election, actor=pps_gambir, body="kpps", sk_number="SK 1")
    assert sorted(a.member.application_id for a in out.seated) == sorted(
        [husband.pk, child.pk, elsewhere.pk]
    )
    assert [(s.application.pk, s.reason) for s in out.refused] == [(wife.pk, "marriage_tie")]


def test_withdrawn_ineligible_or_rejected_documents_are_refused(
    election, pps_gambir, make_opening, ranked
):
    make_opening("kpps", TPS1, 7)
    gone = ranked("kpps", TPS1, rank=1, state="withdrawn")
    failed = ranked("kpps", TPS1, rank=2, eligibility="ineligible")
    no_docs = ranked("kpps", TPS1, rank=3, documents_ok=False)
    out = seat_members(election=election, actor=pps_gambir, body="kpps", sk_number="SK 1")
    assert out.seated == []
    assert [(s.application.pk, s.reason) for s in out.refused] == [
        (gone.pk, "withdrawn"), (failed.pk, "ineligible"), (no_docs.pk, "documents_rejected"),
    ]  # fmt: skip


def test_window_closed_refuses_and_changes_nothing(
    election, pps_gambir, make_opening, ranked, election_today
):
    make_opening("kpps", TPS1, 7)
    ranked("kpps", TPS1, rank=1)
    election_today("2024-11-06")  # the day after the stage closed
    with pytest.raises(StageClosed) as info:
        seat_members(election=election, actor=pps_gambir, body="kpps", sk_number="SK 1")
    assert "sudah ditutup" in str(info.value)
    assert not Member.objects.exists()
    assert not User.objects.filter(role="kpps").exists()
    assert not AuditEntry.objects.filter(action__in=["adhoc.seat", "accounts.create"]).exists()


@pytest.mark.parametrize(
    ("who", "body", "region"),
    [
        ("pps_other", "kpps", KELURAHAN),  # another kelurahan's PPS
        ("pps_gambir", "pps", KELURAHAN),  # a PPS does not seat the PPS
        ("ppk_gambir", "kpps", KELURAHAN),  # a PPK does not seat at all
        ("kpu_jaksel", "kpps", KELURAHAN),  # another city's KPU
        ("bawaslu_dki", "kpps", KELURAHAN),  # Bawaslu only watches
    ],
)
def test_seating_outside_ones_scope_or_body_is_refused(
    request, who, body, region, election, make_opening, ranked
):
    actor = request.getfixturevalue(who)
    make_opening("kpps", TPS1, 7)
    make_opening("pps", KELURAHAN, 3)
    ranked(body, TPS1 if body == "kpps" else KELURAHAN, rank=1)
    with pytest.raises(PermissionDenied):
        seat_members(election=election, actor=actor, body=body, region_code=region, sk_number="S")
    assert not Member.objects.exists()


def test_a_pps_seats_in_its_own_kelurahan_by_default(election, pps_gambir, make_opening, ranked):
    make_opening("kpps", TPS1, 7)
    make_opening("kpps", "3171011002001", 7)
    mine = ranked("kpps", TPS1, rank=1)
    ranked("kpps", "3171011002001", rank=1)  # Cideng, not the PPS of Gambir's
    out = seat_members(election=election, actor=pps_gambir, body="kpps", sk_number="SK 1")
    assert [a.member.application_id for a in out.seated] == [mine.pk]
    assert Application.objects.filter(member__isnull=True, result="selected").count() == 1


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"body": "kpps", "sk_number": "  "}, "sk_missing"),
        ({"body": "kppsx", "sk_number": "SK"}, "bad_body"),
        ({"body": "kpps", "sk_number": "SK", "region_code": "31710"}, "bad_region"),
        ({"body": "kpps", "sk_number": "SK", "region_code": "3271011001"}, "outside_election"),
        ({"body": "ppk", "sk_number": "SK", "region_code": "317102"}, "no_openings"),
    ],
)
def test_bad_requests_are_refused_with_a_code(election, kpu_dki, kwargs, code):
    with pytest.raises(MembersRefused) as info:
        seat_members(election=election, actor=kpu_dki, **kwargs)
    assert info.value.refusal == code
    assert not AuditEntry.objects.filter(action="adhoc.seat").exists()


def test_the_link_is_mailed_when_the_applicant_gave_an_email(
    election, pps_gambir, make_opening, ranked, smtp_server, client,
    django_capture_on_commit_callbacks,
):  # fmt: skip
    make_opening("pantarlih", TPS1, 1)
    ranked("pantarlih", TPS1, rank=1, email="sari@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        out = seat_members(
            election=election, actor=pps_gambir, body="pantarlih", sk_number="SK 9",
            link_base="http://pilkada.test",
        )  # fmt: skip
    (account,) = out.seated
    assert account.mail == "sent" and not account.hand_over
    assert "link" not in account.as_dict()
    (message,) = smtp_server.wait_for(1)
    assert smtp_server.envelopes[0][1] == ["sari@example.org"]
    text = MailBox.body(message)  # noqa: F405
    assert account.user.username in text and account.link in text
    assert account.link.startswith("http://pilkada.test/adhoc/anggota/sandi/")
    _set_password_and_login(client, account.link, account.user.username)


def test_without_the_sites_address_the_link_is_shown_not_mailed(
    election, pps_gambir, make_opening, ranked, smtp_server, django_capture_on_commit_callbacks
):
    make_opening("pantarlih", TPS1, 1)
    ranked("pantarlih", TPS1, rank=1, email="sari@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        out = seat_members(election=election, actor=pps_gambir, body="pantarlih", sk_number="S")
    assert out.seated[0].mail == "none" and out.seated[0].hand_over
    assert smtp_server.wait_for(1, timeout=0.5) == []


def test_the_database_refuses_one_person_active_in_two_bodies(election, make_application):
    """The service refuses "seated elsewhere" with a reason; the database is the last guard
    (two seatings running at once): one active seat per NIK, ended seats do not count."""
    from django.db import IntegrityError, transaction

    from pilkada.adhoc.models import Member

    pps = make_application(body="pps")
    kpps = make_application(body="kpps", region_code="3171011001001", nik=pps.nik)
    first = Member.objects.create(election=election, nik=pps.nik, body="pps",
                                  region_code=pps.region_code, application=pps)  # fmt: skip
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.create(election=election, nik=pps.nik, body="kpps",
                              region_code=kpps.region_code, application=kpps)  # fmt: skip
    first.state = Member.State.ENDED
    first.save()
    Member.objects.create(election=election, nik=pps.nik, body="kpps",
                          region_code=kpps.region_code, application=kpps)  # fmt: skip


def test_a_selected_applicant_who_cannot_be_seated_leaves_the_seat_to_the_reserve(
    election, pps_gambir, make_opening, ranked
):
    """Two seats; the second selected withdrew after the ranking: the best reserve who may
    be seated takes the seat (an ineligible reserve is passed over), and a full area takes
    no reserve."""
    make_opening("kpps", TPS1, 2)
    make_opening("kpps", TPS2, 1)
    first = ranked("kpps", TPS1, rank=1)
    ranked("kpps", TPS1, rank=2, state="withdrawn")
    ranked("kpps", TPS1, "reserve", rank=3, eligibility="ineligible")
    best = ranked("kpps", TPS1, "reserve", rank=4)
    ranked("kpps", TPS1, "reserve", rank=5)
    full = ranked("kpps", TPS2, rank=1)
    ranked("kpps", TPS2, rank=2)  # beyond the seats: no_seat, nothing to fill
    ranked("kpps", TPS2, "reserve", rank=3)
    out = seat_members(election=election, actor=pps_gambir, body="kpps", sk_number="SK/02/2024")
    assert {a.member.application_id for a in out.seated} == {first.pk, best.pk, full.pk}
    assert [a.member.application_id for a in out.from_reserve] == [best.pk]
    assert sorted(s.reason for s in out.refused) == ["no_seat", "withdrawn"]
    assert out.open_seats == 0
    entry = AuditEntry.objects.filter(action="adhoc.seat").get()
    assert entry.new["from_reserve"] == [best.pk]

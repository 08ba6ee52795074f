"""Replacement (PAW): ending a member and seating the area's next eligible reserve
(services.members.replace_member)."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.adhoc.models import Member
from pilkada.adhoc.selectors.overview import overview
from pilkada.adhoc.services.members import MembersRefused, replace_member, seat_members
from pilkada.audit.models import AuditEntry
from pilkada.schedule.gate import StageClosed

from .conftest import KELURAHAN
from .members_support import *  # noqa: F403
from .members_support import TPS1


@pytest.fixture
def seated_pps(election, kpu_jakpus, make_opening, ranked):
    """The PPS of Gambir with its 3 members seated; returns the members in rank order."""
    make_opening("pps", KELURAHAN, 3)
    for rank in (1, 2, 3):
        ranked("pps", KELURAHAN, rank=rank)
    out = seat_members(election=election, actor=kpu_jakpus, body="pps", sk_number="SK PPS 1")
    return [a.member for a in out.seated]


def test_paw_seats_the_best_ranked_reserve_still_eligible(
    election, kpu_jakpus, seated_pps, ranked, make_opening
):
    leaving = seated_pps[1]
    nkk = "3171010101880001"
    spouse = seated_pps[0].application
    spouse.nkk, spouse.status_kawin = nkk, "S"
    spouse.save()
    # The reserve, best rank first; the first four cannot be seated, each for its reason.
    ineligible = ranked("pps", KELURAHAN, "reserve", rank=4, eligibility="ineligible")
    withdrawn = ranked("pps", KELURAHAN, "reserve", rank=5, state="withdrawn")
    no_docs = ranked("pps", KELURAHAN, "reserve", rank=6, documents_ok=False)
    married = ranked("pps", KELURAHAN, "reserve", rank=7, nkk=nkk, status_kawin="S")
    make_opening("kpps", TPS1, 7)
    elsewhere = ranked("pps", KELURAHAN, "reserve", rank=8)
    ranked("kpps", TPS1, rank=1, nik=elsewhere.nik)
    seat_members(election=election, actor=kpu_jakpus, body="kpps", sk_number="SK KPPS")
    chosen = ranked("pps", KELURAHAN, "reserve", rank=9)
    ranked("pps", KELURAHAN, "reserve", rank=10)
    # Another kelurahan's reserve never fills Gambir's seat.
    ranked("pps", "3171011002", "reserve", rank=1)

    out = replace_member(
        member_id=leaving.pk, actor=kpu_jakpus, reason="resigned", note="pindah kerja",
        sk_number="SK PAW 1",
    )  # fmt: skip
    assert out.new is not None and out.new.member.application_id == chosen.pk
    assert [(s.application.pk, s.reason) for s in out.skipped] == [
        (ineligible.pk, "ineligible"),
        (withdrawn.pk, "withdrawn"),
        (no_docs.pk, "documents_rejected"),
        (married.pk, "marriage_tie"),
        (elsewhere.pk, "seated_elsewhere"),
    ]
    leaving.refresh_from_db()
    leaving.user.refresh_from_db()
    assert (leaving.state, leaving.end_reason, leaving.end_note) == (
        "ended", "resigned", "pindah kerja",
    )  # fmt: skip
    assert leaving.ended_at is not None and not leaving.user.is_active
    assert leaving.replaced_by == out.new.member
    new = out.new.member
    assert (new.body, new.region_code, new.sk_number, new.state) == (
        "pps", KELURAHAN, "SK PAW 1", "active",
    )  # fmt: skip
    assert (new.user.role, new.user.region_code) == ("pps", KELURAHAN)
    assert new.user.username == f"pps-{KELURAHAN}-4"
    assert Member.objects.filter(body="pps", region_code=KELURAHAN, state="active").count() == 3
    entry = AuditEntry.objects.get(action="adhoc.replace")
    assert entry.object_id == str(leaving.pk) and entry.actor == "kpu-jakpus"
    assert entry.old == {"state": "active", "user": leaving.user_id, "user_active": True}
    assert entry.new["replaced_by"] == new.pk and entry.new["new_user"] == new.user_id
    assert [s["reason"] for s in entry.new["skipped"]] == [
        "ineligible", "withdrawn", "documents_rejected", "marriage_tie", "seated_elsewhere",
    ]  # fmt: skip


def test_without_a_reserve_the_seat_stays_open_and_the_overview_shows_it(
    election, kpu_jakpus, seated_pps
):
    out = replace_member(member_id=seated_pps[0].pk, actor=kpu_jakpus, reason="died")
    assert out.new is None and out.skipped == []
    assert out.as_dict()["seat_open"] is True
    entry = AuditEntry.objects.get(action="adhoc.replace")
    assert entry.new["seat_open"] is True and entry.new["replaced_by"] is None
    data = overview(user=kpu_jakpus, election=election, body="pps", region_code=KELURAHAN)
    (total,) = data["bodies"]
    assert (total.seats, total.filled, total.open) == (3, 2, 1)


def test_a_member_who_left_cannot_leave_again(election, kpu_jakpus, seated_pps):
    replace_member(member_id=seated_pps[0].pk, actor=kpu_jakpus, reason="dismissed")
    with pytest.raises(MembersRefused) as info:
        replace_member(member_id=seated_pps[0].pk, actor=kpu_jakpus, reason="resigned")
    assert info.value.refusal == "not_active"
    assert AuditEntry.objects.filter(action="adhoc.replace").count() == 1


def test_unknown_reason_is_refused(election, kpu_jakpus, seated_pps):
    with pytest.raises(MembersRefused) as info:
        replace_member(member_id=seated_pps[0].pk, actor=kpu_jakpus, reason="bored")
    assert info.value.refusal == "bad_reason"
    assert Member.objects.get(pk=seated_pps[0].pk).state == "active"


def test_window_closed_refuses_paw(election, kpu_jakpus, seated_pps, ranked, election_today):
    ranked("pps", KELURAHAN, "reserve", rank=4)
    election_today("2024-04-16")
    with pytest.raises(StageClosed):
        replace_member(member_id=seated_pps[0].pk, actor=kpu_jakpus, reason="resigned")
    member = Member.objects.select_related("user").get(pk=seated_pps[0].pk)
    assert member.state == "active" and member.user.is_active
    assert Member.objects.count() == 3


@pytest.mark.parametrize("who", ["kpu_jaksel", "pps_gambir", "pps_other", "bawaslu_dki"])
def test_paw_outside_ones_scope_or_body_is_refused(request, who, election, seated_pps, ranked):
    ranked("pps", KELURAHAN, "reserve", rank=4)
    with pytest.raises(PermissionDenied):
        replace_member(
            member_id=seated_pps[0].pk, actor=request.getfixturevalue(who), reason="resigned"
        )
    assert Member.objects.get(pk=seated_pps[0].pk).state == "active"
    assert Member.objects.count() == 3


def test_pps_replaces_a_kpps_member_of_its_kelurahan(election, pps_gambir, make_opening, ranked):
    make_opening("kpps", TPS1, 7)
    ranked("kpps", TPS1, rank=1)
    reserve = ranked("kpps", TPS1, "reserve", rank=8)
    (seated,) = seat_members(
        election=election, actor=pps_gambir, body="kpps", sk_number="SK 1"
    ).seated
    out = replace_member(member_id=seated.member.pk, actor=pps_gambir, reason="resigned")
    assert out.new.member.application_id == reserve.pk
    # The PAW keeps the decision of the member replaced when no new SK number is given.
    assert out.new.member.sk_number == "SK 1"
    assert (out.new.user.role, out.new.user.region_code) == ("kpps", TPS1)

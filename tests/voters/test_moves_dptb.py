"""DPTb (pindah memilih, formulir Model A): register, deadlines, entitlement, scope, cancel."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from pilkada.schedule.gate import StageClosed
from pilkada.voters.models import Voter, VoterMove
from pilkada.voters.selectors.moves import (
    dptb_rows,
    find_voter_for_move,
    on_origin_list_q,
    voter_counts_per_tps,
)
from pilkada.voters.services.moves import MoveRefused, cancel_move, register_move

from .moves_support import *  # noqa: F403
from .moves_support import (
    BANDUNG_KEL,
    CIDENG,
    GAMBIR,
    PENJARINGAN,
    PETOJO,
    make_election,
    make_tps,
    make_voter,
)

ORIGIN = f"{GAMBIR}001"


def register(election, voter, actor=None, **kw):
    values = {
        "reason": "pindah_domisili",
        "destination_kelurahan": CIDENG,
        "destination_tps": f"{CIDENG}001",
        "form_a_number": f"A-{voter.pk}",
    }
    values.update(kw)
    return register_move(actor=actor, election=election, nik=voter.nik, **values)


def test_register_moves_the_voter_and_audits(moves_election, users, audit_log):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    result = register(moves_election, voter, actor=users["pps_gambir"])
    move = result.move
    assert (move.origin_tps_code, move.destination_tps_code) == (ORIGIN, f"{CIDENG}001")
    assert (move.ballot, move.entitlement, move.status) == ("gubernur", "same_kabkota", "active")
    assert move.deadline == dt.date(2024, 10, 28) and move.registered_by == "pps-gambir"
    voter.refresh_from_db()
    assert voter.tps_code == ORIGIN and voter.status == Voter.Status.MS  # the row is kept
    assert not Voter.objects.filter(pk=voter.pk).filter(on_origin_list_q()).exists()
    (entry,) = [e for e in audit_log() if e.action == "voters.dptb.register"]
    assert entry.object_id == str(move.pk) and entry.actor == "pps-gambir"
    assert entry.new["destination_tps"] == f"{CIDENG}001" and entry.old["tps_code"] == ORIGIN
    assert voter.nik not in str(entry.new)  # the audit keeps the masked NIK


def test_destination_pps_and_kpu_may_register_an_unrelated_pps_may_not(moves_election, users):
    a, b, c = (make_voter(moves_election, tps_code=ORIGIN) for _ in range(3))
    register(moves_election, a, actor=users["pps_cideng"])
    register(moves_election, b, actor=users["kpu_3171"])
    with pytest.raises(PermissionDenied, match="outside your scope"):
        register(moves_election, c, actor=users["pps_petojo"])
    with pytest.raises(PermissionDenied, match="may not"):
        register(moves_election, c, actor=users["pantarlih"])
    with pytest.raises(PermissionDenied):
        register(moves_election, c, actor=users["kpps_cideng1"])
    assert not VoterMove.objects.filter(voter=c).exists()


def test_kpu_of_the_destination_kabkota_may_register(moves_election, users):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    result = register(
        moves_election, voter, actor=users["kpu_3172"], destination_kelurahan=PENJARINGAN,
        destination_tps=f"{PENJARINGAN}001", reason="tugas",
    )  # fmt: skip
    assert result.move.entitlement == "other_kabkota" and result.move.ballot == "gubernur"


@pytest.mark.parametrize(
    ("today", "allowed"),
    [("2024-10-27", True), ("2024-10-28", True), ("2024-10-29", False)],  # H-31, H-30, H-29
)
def test_ordinary_deadline_h30(moves_election, election_today, today, allowed):
    election_today(today)
    voter = make_voter(moves_election, tps_code=ORIGIN)
    if allowed:
        assert register(moves_election, voter, reason="tugas_belajar").move.pk
        return
    with pytest.raises(MoveRefused) as info:
        register(moves_election, voter, reason="tugas_belajar")
    assert info.value.code == "deadline_passed"
    assert "28 Oktober 2024" in info.value.message and "H-30" in info.value.message
    assert not VoterMove.objects.exists()


@pytest.mark.parametrize(
    ("today", "outcome"),
    [("2024-11-19", "ok"), ("2024-11-20", "ok"), ("2024-11-21", "stage")],  # H-8, H-7, H-6
)
def test_sudden_deadline_h7_in_the_demo_election(moves_election, election_today, today, outcome):
    election_today(today)
    voter = make_voter(moves_election, tps_code=ORIGIN)
    if outcome == "ok":
        assert register(moves_election, voter, reason="rawat_inap").move.deadline == dt.date(
            2024, 11, 20
        )
        return
    with pytest.raises(StageClosed):  # the DPTb stage closes on H-7 too
        register(moves_election, voter, reason="rawat_inap")


@pytest.mark.parametrize(
    ("days_before", "reason", "allowed"),
    [
        (31, "kerja_luar_domisili", True),
        (30, "kerja_luar_domisili", True),
        (29, "kerja_luar_domisili", False),
        (8, "bencana_alam", True),
        (7, "bencana_alam", True),
        (6, "bencana_alam", False),
        (6, "tahanan", False),
        (8, "disabilitas_panti", False),
    ],
)
def test_deadlines_follow_the_voting_day_of_another_election(
    election2, election_today, days_before, reason, allowed
):
    """Voting day 26 April 2025, DPTb stage open until the eve: only the rule refuses."""
    assert election2.voting_day == dt.date(2025, 4, 26)
    election_today(election2.voting_day - dt.timedelta(days=days_before))
    voter = make_voter(election2, tps_code=ORIGIN)
    if allowed:
        assert register(election2, voter, reason=reason).move.pk
        return
    with pytest.raises(MoveRefused) as info:
        register(election2, voter, reason=reason)
    assert info.value.code == "deadline_passed"


def test_deadline_days_are_settings(election2, election_today, settings):
    settings.PILKADA_DPTB_SUDDEN_DEADLINE_DAYS = 3
    settings.PILKADA_DPTB_DEADLINE_DAYS = 40
    election_today(election2.voting_day - dt.timedelta(days=4))
    assert register(election2, make_voter(election2, tps_code=ORIGIN), reason="tugas").move.pk
    election_today(election2.voting_day - dt.timedelta(days=35))
    with pytest.raises(MoveRefused, match="H-40"):
        register(election2, make_voter(election2, tps_code=ORIGIN), reason="pindah_domisili")


def test_stage_closed_before_the_window(moves_election, election_today):
    election_today("2024-09-01")
    with pytest.raises(StageClosed, match="belum dibuka"):
        register(moves_election, make_voter(moves_election, tps_code=ORIGIN))


def test_out_of_province_is_refused_with_the_reason(moves_election):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    with pytest.raises(MoveRefused) as info:
        register(moves_election, voter, destination_kelurahan=BANDUNG_KEL, destination_tps=None)
    assert info.value.code == "not_entitled_other_province"
    assert "luar provinsi" in info.value.message and ORIGIN in info.value.message
    assert not VoterMove.objects.exists()


def test_walikota_election_out_of_the_city_is_refused_within_is_entitled(moves_election, tmp_path):
    walikota = make_election(tmp_path, slug="pilwalkot-uji", kind="walikota", region_code="3171")
    inside = make_voter(walikota, tps_code=ORIGIN)
    outside = make_voter(walikota, tps_code=ORIGIN)
    result = register(walikota, inside, destination_kelurahan=PETOJO, destination_tps=None)
    assert (result.move.ballot, result.move.entitlement) == ("walikota", "same_kabkota")
    assert result.move.destination_tps_code is None
    with pytest.raises(MoveRefused) as info:
        register(
            walikota, outside, destination_kelurahan=PENJARINGAN,
            destination_tps=f"{PENJARINGAN}001",
        )  # fmt: skip
    assert info.value.code == "not_entitled_outside_region"


def test_governor_election_moving_to_another_city_is_entitled(moves_election):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    move = register(
        moves_election, voter, destination_kelurahan=PENJARINGAN,
        destination_tps=f"{PENJARINGAN}001",
    ).move  # fmt: skip
    assert (move.ballot, move.entitlement) == ("gubernur", "other_kabkota")


def test_double_move_is_refused_and_the_database_refuses_it_too(moves_election):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    first = register(moves_election, voter).move
    with pytest.raises(MoveRefused) as info:
        register(
            moves_election,
            voter,
            form_a_number="A-other",
            destination_kelurahan=PETOJO,
            destination_tps=None,
        )
    assert info.value.code == "already_moved" and first.form_a_number in info.value.message
    with pytest.raises(IntegrityError), transaction.atomic():
        VoterMove.objects.create(
            election=moves_election, voter=voter, reason="tugas", form_a_number="X",
            origin_tps_code=ORIGIN, origin_kelurahan_code=GAMBIR,
            destination_kelurahan_code=PETOJO, ballot="gubernur", entitlement="same_kabkota",
            deadline=dt.date(2024, 11, 20), registered_by="x", registered_on=dt.date(2024, 10, 1),
        )  # fmt: skip


def test_form_a_number_is_used_once(moves_election):
    a, b = make_voter(moves_election, tps_code=ORIGIN), make_voter(moves_election, tps_code=ORIGIN)
    register(moves_election, a, form_a_number="A-1")
    with pytest.raises(MoveRefused) as info:
        register(moves_election, b, form_a_number="A-1")
    assert info.value.code == "form_a_used"


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"reason": "liburan"}, "unknown_reason"),
        ({"reason": ""}, "unknown_reason"),
        ({"destination_kelurahan": "31710110"}, "invalid_destination"),
        ({"destination_kelurahan": "abc"}, "invalid_destination"),
        ({"destination_tps": f"{PETOJO}001"}, "invalid_destination_tps"),
        ({"destination_tps": "12"}, "invalid_destination_tps"),
        ({"destination_tps": f"{CIDENG}009"}, "unknown_destination_tps"),
        ({"destination_kelurahan": "3171019999", "destination_tps": None}, "unknown_destination"),
        ({"destination_tps": ORIGIN, "destination_kelurahan": GAMBIR}, "same_tps"),
        ({"form_a_number": "  "}, "invalid_form_a"),
    ],
)
def test_bad_input_is_refused_and_nothing_written(moves_election, audit_log, changes, code):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    with pytest.raises(MoveRefused) as info:
        register(moves_election, voter, **changes)
    assert info.value.code == code and info.value.message
    assert not VoterMove.objects.exists() and audit_log() == []


@pytest.mark.parametrize(
    ("nik", "code"),
    [("123", "invalid_nik"), ("3171011403850999", "not_on_dpt")],
)
def test_nik_not_on_the_dpt(moves_election, nik, code):
    with pytest.raises(MoveRefused) as info:
        register_move(
            actor=None, election=moves_election, nik=nik, reason="tugas",
            destination_kelurahan=CIDENG, form_a_number="A-9",
        )  # fmt: skip
    assert info.value.code == code


def test_tms_voters_previous_dpt_and_voters_without_tps_cannot_move(moves_election):
    tms = make_voter(moves_election, tps_code=ORIGIN, status="tms", tms_code=1)
    old = make_voter(moves_election, tps_code=ORIGIN, source=Voter.Source.DPT_LAMA)
    pending = make_voter(moves_election, tps_code=ORIGIN, status="pending")
    no_tps = make_voter(moves_election, tps_code=ORIGIN)
    Voter.objects.filter(pk=no_tps.pk).update(tps_code=None)
    for voter in (tms, old, no_tps):
        with pytest.raises(MoveRefused, match="DPT"):
            register(moves_election, voter)
    assert register(moves_election, pending).move.pk  # pending, not TMS: on the list


def test_cancel_restores_the_origin_list_and_allows_a_new_move(moves_election, users, audit_log):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    move = register(moves_election, voter, actor=users["pps_gambir"]).move
    cancelled = cancel_move(actor=users["pps_cideng"], move_id=move.pk, note="batal berangkat")
    assert cancelled.move.status == "cancelled" and cancelled.move.cancelled_by == "pps-cideng"
    assert Voter.objects.filter(pk=voter.pk).filter(on_origin_list_q()).exists()
    entry = next(e for e in audit_log() if e.action == "voters.dptb.cancel")
    assert entry.old["status"] == "active" and entry.new["note"] == "batal berangkat"
    with pytest.raises(MoveRefused) as info:
        cancel_move(actor=None, move_id=move.pk)
    assert info.value.code == "not_active"
    again = register(moves_election, voter, form_a_number=move.form_a_number).move
    assert again.pk != move.pk and VoterMove.objects.filter(voter=voter).count() == 2


def test_cancel_after_the_deadline_or_out_of_scope_is_refused(
    moves_election, users, election_today
):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    move = register(moves_election, voter, reason="pindah_domisili").move
    with pytest.raises(PermissionDenied):
        cancel_move(actor=users["pps_petojo"], move_id=move.pk)
    election_today("2024-10-29")
    with pytest.raises(MoveRefused) as info:
        cancel_move(actor=users["pps_gambir"], move_id=move.pk)
    assert info.value.code == "deadline_passed"
    with pytest.raises(MoveRefused) as info:
        cancel_move(actor=None, move_id=999999)
    assert info.value.code == "no_such_move"
    move.refresh_from_db()
    assert move.status == "active"


def test_dptb_lists_are_scoped_and_masked(moves_election, users, audit_log):
    voter = make_voter(moves_election, tps_code=ORIGIN, nama="SITI AMINAH")
    register(moves_election, voter)
    (row,) = dptb_rows(actor=users["pps_cideng"], election=moves_election, region_code=CIDENG)
    assert row["nama"] == "S**I A****H" and row["nik"] != voter.nik
    (out,) = dptb_rows(
        actor=users["pps_gambir"], election=moves_election, region_code=GAMBIR, direction="out"
    )
    assert out["destination_tps"] == f"{CIDENG}001"
    assert dptb_rows(actor=users["pps_gambir"], election=moves_election, region_code=GAMBIR) == []
    with pytest.raises(PermissionDenied):
        dptb_rows(actor=users["pps_petojo"], election=moves_election, region_code=CIDENG)
    # A province-wide request by a PPS is refused; KPU kab/kota sees its city only.
    with pytest.raises(PermissionDenied):
        dptb_rows(actor=users["pps_cideng"], election=moves_election, region_code="31")
    assert dptb_rows(actor=users["kpu_3172"], election=moves_election, region_code="3172") == []
    before = len(audit_log())
    (full,) = dptb_rows(
        actor=users["pps_cideng"], election=moves_election, region_code=CIDENG, unmasked=True
    )
    assert full["nik"] == voter.nik and full["nama"] == "SITI AMINAH"
    assert [e.action for e in audit_log()[before:]] == ["personal_data.unmasked"]
    (still_masked,) = dptb_rows(
        actor=users["bawaslu"], election=moves_election, region_code=CIDENG, unmasked=True
    )
    assert still_masked["nik"] != voter.nik  # Bawaslu has no voters.view_unmasked


def test_search_by_nik_crosses_scope_for_officers_and_is_logged(moves_election, users, audit_log):
    voter = make_voter(moves_election, tps_code=ORIGIN)
    found = find_voter_for_move(actor=users["pps_cideng"], election=moves_election, nik=voter.nik)
    assert found["id"] == voter.pk and found["nik"] == voter.nik and found["active_move"] is None
    assert audit_log()[-1].action == "personal_data.unmasked"
    assert find_voter_for_move(actor=users["pps_cideng"], election=moves_election, nik="1") is None
    with pytest.raises(PermissionDenied):
        find_voter_for_move(actor=users["kpps_cideng1"], election=moves_election, nik=voter.nik)


def test_counts_per_tps_follow_moves(moves_election):
    voters = [make_voter(moves_election, tps_code=ORIGIN) for _ in range(3)]
    make_voter(moves_election, tps_code=f"{CIDENG}001")
    make_voter(moves_election, tps_code=f"{CIDENG}001", status="tms", tms_code=1)
    register(moves_election, voters[0])
    register(moves_election, voters[1], destination_tps=None, destination_kelurahan=CIDENG)
    cancelled = register(moves_election, voters[2]).move
    cancel_move(actor=None, move_id=cancelled.pk)
    rows = {r.tps_code: r for r in voter_counts_per_tps(election=moves_election, region_code="31")}
    assert (rows[ORIGIN].dpt, rows[ORIGIN].dptb_out, rows[ORIGIN].voters_here) == (3, 2, 1)
    cideng = rows[f"{CIDENG}001"]
    assert (cideng.dpt, cideng.dptb_in, cideng.dptb_out, cideng.voters_here) == (1, 1, 0, 2)
    assert rows[CIDENG].unassigned and rows[CIDENG].dptb_in == 1
    (only,) = voter_counts_per_tps(election=moves_election, region_code=f"{CIDENG}001")
    assert only.dptb_in == 1


def test_another_election_counts_are_apart(moves_election, election2):
    make_voter(moves_election, tps_code=ORIGIN)
    make_voter(election2, tps_code=ORIGIN)
    make_voter(election2, tps_code=ORIGIN)
    (row,) = voter_counts_per_tps(election=election2, region_code=GAMBIR)
    assert row.dpt == 2
    make_tps(f"{GAMBIR}003")

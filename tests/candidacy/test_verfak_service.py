"""Verifikasi faktual through the services: each outcome, its status and audit entry in the
same transaction, the history, the not-found deadline, held supporters choosing a pair,
objections following verfak, the scope and the stage window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.audit.models import AuditEntry
from pilkada.candidacy.models import FactualCheck, Supporter, SupportObjection
from pilkada.candidacy.services import verfak
from pilkada.candidacy.services.verfak import VerfakRefused
from pilkada.schedule.gate import StageClosed

from .verfak_support import *  # noqa: F403
from .verfak_support import CIDENG

pytestmark = pytest.mark.django_db


def fresh(row) -> Supporter:
    return Supporter.objects.get(pk=row.pk)


def state(row) -> tuple[str, str, str]:
    row = fresh(row)
    return row.verfak_status, row.verfak_outcome, row.status


# --- the rules ------------------------------------------------------------------------------


def test_deadline_is_a_setting_counted_from_the_day_not_found(settings):
    day = dt.date(2024, 7, 1)
    assert verfak.batas_waktu_menghadirkan_pendukung(tidak_ditemui_pada=day) == dt.date(2024, 7, 4)
    settings.PILKADA_VERFAK_NOT_FOUND_DAYS = 5
    assert verfak.batas_waktu_menghadirkan_pendukung(tidak_ditemui_pada=day) == dt.date(2024, 7, 6)


def test_not_found_since_is_the_start_of_the_trailing_run():
    d = dt.date
    assert verfak.not_found_since([]) is None
    assert verfak.not_found_since([("met_confirms", d(2024, 6, 1))]) is None
    assert verfak.not_found_since([("not_found", d(2024, 6, 1))]) == d(2024, 6, 1)
    runs = [("not_found", d(2024, 6, 1)), ("met_confirms", d(2024, 6, 2)),
            ("not_found", d(2024, 6, 5)), ("not_found", d(2024, 6, 7))]  # fmt: skip
    assert verfak.not_found_since(runs) == d(2024, 6, 5)


def test_status_of_each_outcome():
    assert verfak.verfak_status_of("met_confirms") == "ms"
    for outcome in ("met_denies", "deceased", "chose_other_pair"):
        assert verfak.verfak_status_of(outcome) == "tms"
    assert verfak.verfak_status_of("not_found") == "pending"
    assert verfak.verfak_status_of("not_found", deadline_passed=True) == "tms"
    with pytest.raises(ValueError):
        verfak.verfak_status_of("maybe")


# --- outcomes -------------------------------------------------------------------------------


def test_met_and_confirms_is_ms_with_its_audit_entry(pairs, in_verfak, pps_gambir, audit_log):
    (row,) = in_verfak(pairs[0], 1)
    (check,) = verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="met_confirms")
    assert state(row) == ("ms", "met_confirms", "ms")
    assert check.recorded_by == "pps-gambir" and check.recorded_on == dt.date(2024, 5, 10)
    (entry,) = audit_log()
    assert entry.action == "candidacy.verfak.met_confirms"
    assert entry.object_type == "candidacy.Supporter" and entry.object_id == str(row.pk)
    assert entry.old == {"verfak_status": "pending", "verfak_outcome": "", "status": "pending"}
    assert entry.new["status"] == "ms" and entry.new["factual_check"] == check.pk


def test_met_and_denies_needs_the_denial_form(pairs, in_verfak, pps_gambir, audit_log):
    (row,) = in_verfak(pairs[0], 1)
    with pytest.raises(VerfakRefused) as error:
        verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="met_denies")
    assert error.value.code == "denial_form_required"
    assert state(row) == ("pending", "", "pending")
    assert not FactualCheck.objects.exists() and audit_log() == []
    verfak.record_factual_check(
        supporter=row, actor=pps_gambir, outcome="met_denies", denial_form=" BA.5-KWK/017 "
    )
    assert state(row) == ("tms", "met_denies", "tms")
    assert FactualCheck.objects.get().denial_form == "BA.5-KWK/017"
    assert audit_log()[0].new["denial_form"] == "BA.5-KWK/017"


def test_deceased_is_tms(pairs, in_verfak, pps_gambir):
    (row,) = in_verfak(pairs[0], 1)
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="deceased",
                                note="keterangan RT")  # fmt: skip
    assert state(row) == ("tms", "deceased", "tms")


def test_history_is_kept_and_the_latest_decides(pairs, in_verfak, pps_gambir):
    (row,) = in_verfak(pairs[0], 1)
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="met_confirms")
    verfak.record_factual_check(
        supporter=row, actor=pps_gambir, outcome="met_denies", denial_form="F-2"
    )
    assert state(row) == ("tms", "met_denies", "tms")
    assert list(fresh(row).factual_checks.values_list("outcome", flat=True)) == [
        "met_confirms",
        "met_denies",
    ]


def test_bad_input_is_refused(pairs, in_verfak, pps_gambir):
    (row,) = in_verfak(pairs[0], 1)
    cases = [
        ({"outcome": "maybe"}, "unknown_outcome"),
        ({"outcome": "chose_other_pair"}, "use_held_choice"),
        ({"outcome": "met_confirms", "method": "pigeon"}, "unknown_method"),
        ({"outcome": "met_confirms", "note": "x" * 1001}, "too_long"),
    ]
    for kwargs, code in cases:
        with pytest.raises(VerfakRefused) as error:
            verfak.record_factual_check(supporter=row, actor=pps_gambir, **kwargs)
        assert error.value.code == code
    with pytest.raises(VerfakRefused) as error:
        verfak.record_factual_check(supporter=987654, actor=pps_gambir, outcome="deceased")
    assert error.value.code == "unknown_supporter"
    assert not FactualCheck.objects.exists()


def test_only_supporters_in_verfak_are_recorded(pairs, add_supporters, pps_gambir):
    (row,) = add_supporters(pairs[0], 1, vermin_status="tms", vermin_reason="under_age")
    with pytest.raises(VerfakRefused) as error:
        verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="met_confirms")
    assert error.value.code == "not_in_verfak"


# --- the not-found deadline -----------------------------------------------------------------


def test_not_found_waits_for_the_pair_then_met_at_a_gathering(
    pairs, in_verfak, pps_gambir, election_today
):
    (row,) = in_verfak(pairs[0], 1)
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="not_found")
    assert state(row) == ("pending", "not_found", "pending")
    election_today("2024-05-13")  # the last day: 10 May + 3
    verfak.record_factual_check(
        supporter=row, actor=pps_gambir, outcome="met_confirms", method="gathering"
    )
    assert state(row) == ("ms", "met_confirms", "ms")


def test_met_after_the_deadline_is_refused_with_the_reason(
    pairs, in_verfak, pps_gambir, election_today
):
    (row,) = in_verfak(pairs[0], 1)
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="not_found")
    election_today("2024-05-12")
    # A second failed visit does not extend the deadline.
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="not_found")
    election_today("2024-05-14")
    for outcome, extra in (("met_confirms", {"method": "video_call"}),
                           ("met_denies", {"denial_form": "F-9"})):  # fmt: skip
        with pytest.raises(VerfakRefused) as error:
            verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome=outcome, **extra)
        assert error.value.code == "deadline_passed"
        assert "2024-05-10" in str(error.value) and "2024-05-13" in str(error.value)
    assert state(row) == ("pending", "not_found", "pending")
    # Deceased is still a fact the PPS may record.
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="deceased")
    assert state(row) == ("tms", "deceased", "tms")


def test_the_deadline_follows_the_setting(pairs, in_verfak, pps_gambir, election_today, settings):
    settings.PILKADA_VERFAK_NOT_FOUND_DAYS = 7
    (row,) = in_verfak(pairs[0], 1)
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="not_found")
    election_today("2024-05-17")
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="met_confirms")
    assert state(row)[0] == "ms"


def test_expire_makes_not_found_tms_after_the_deadline(
    election, pairs, in_verfak, pps_gambir, pps_other, kpu_dki, election_today, audit_log
):
    a = pairs[0]
    late, on_time, met = in_verfak(a, 3)
    (other_kel,) = in_verfak(a, 1, start=40, region_code=CIDENG)
    for row in (late, met):
        verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="not_found")
    verfak.record_factual_check(supporter=other_kel, actor=pps_other, outcome="not_found")
    election_today("2024-05-12")
    verfak.record_factual_check(supporter=on_time, actor=pps_gambir, outcome="not_found")
    verfak.record_factual_check(supporter=met, actor=pps_gambir, outcome="met_confirms")
    election_today("2024-05-14")
    # A PPS expires only its own kelurahan.
    result = verfak.expire_not_found(election=election, actor=pps_gambir)
    assert result.expired == [late.pk] and result.checked == 2
    assert state(late) == ("tms", "not_found", "tms")
    assert state(on_time) == ("pending", "not_found", "pending")
    assert state(other_kel) == ("pending", "not_found", "pending")
    entry = audit_log()[-1]
    assert entry.action == "candidacy.verfak.not_found_expired"
    assert entry.new["supporter_ids"] == [late.pk]
    # Safe to run again; KPU covers the province.
    result = verfak.expire_not_found(election=election, actor=kpu_dki)
    assert result.expired == [other_kel.pk]
    assert verfak.expire_not_found(election=election, actor=kpu_dki).expired == []


def test_not_found_again_after_the_deadline_stays_tms(
    election, pairs, in_verfak, pps_gambir, election_today
):
    (row,) = in_verfak(pairs[0], 1)
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="not_found")
    election_today("2024-05-14")
    verfak.expire_not_found(election=election, actor=pps_gambir)
    assert state(row) == ("tms", "not_found", "tms")
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="not_found")
    assert state(row) == ("tms", "not_found", "tms")


def test_expire_needs_the_permission(election, bawaslu_dki):
    with pytest.raises(PermissionDenied):
        verfak.expire_not_found(election=election, actor=bawaslu_dki)


# --- held supporters ------------------------------------------------------------------------


def test_a_held_supporter_chooses_one_pair_in_one_transaction(held, pps_gambir, audit_log):
    row_a, row_b = held
    checks = verfak.record_held_choice(supporter=row_b, actor=pps_gambir, pair=row_a.pair_id)
    assert {c.outcome for c in checks} == {"met_confirms", "chose_other_pair"}
    assert state(row_a) == ("ms", "met_confirms", "ms")
    assert state(row_b) == ("tms", "chose_other_pair", "tms")
    assert "Pasangan A" in fresh(row_b).factual_checks.get().note
    actions = sorted(e.action for e in audit_log())
    assert actions == ["candidacy.verfak.chose_other_pair", "candidacy.verfak.met_confirms"]
    assert len({e.request_id for e in audit_log()}) == 1


def test_confirming_a_held_row_is_choosing_its_pair(held, pps_gambir):
    row_a, row_b = held
    verfak.record_factual_check(supporter=row_b, actor=pps_gambir, outcome="met_confirms")
    assert state(row_b)[:2] == ("ms", "met_confirms")
    assert state(row_a)[:2] == ("tms", "chose_other_pair")
    # A later change of mind: latest decides, still one MS.
    verfak.record_held_choice(supporter=row_a, actor=pps_gambir, pair=row_a.pair)
    assert state(row_a)[0] == "ms" and state(row_b)[:2] == ("tms", "chose_other_pair")


def test_a_held_supporter_may_support_neither(held, pps_gambir):
    row_a, row_b = held
    with pytest.raises(VerfakRefused) as error:
        verfak.record_held_choice(supporter=row_a, actor=pps_gambir, pair=None)
    assert error.value.code == "denial_form_required"
    verfak.record_held_choice(supporter=row_a, actor=pps_gambir, pair=None, denial_form="F-1")
    assert state(row_a)[:2] == state(row_b)[:2] == ("tms", "met_denies")


def test_not_found_and_deceased_apply_to_every_pair_of_a_held_supporter(held, pps_gambir):
    row_a, row_b = held
    verfak.record_factual_check(supporter=row_a, actor=pps_gambir, outcome="not_found")
    assert state(row_b)[:2] == ("pending", "not_found")
    verfak.record_factual_check(supporter=row_b, actor=pps_gambir, outcome="deceased")
    assert state(row_a)[:2] == ("tms", "deceased")


def test_held_choice_refuses_a_pair_not_listing_the_supporter(held, pairs, in_verfak,
                                                             make_pair, pps_gambir):  # fmt: skip
    other = make_pair("Pasangan C")
    with pytest.raises(VerfakRefused) as error:
        verfak.record_held_choice(supporter=held[0], actor=pps_gambir, pair=other.pk)
    assert error.value.code == "unknown_pair"
    (single,) = in_verfak(pairs[0], 1, start=80)
    with pytest.raises(VerfakRefused) as error:
        verfak.record_held_choice(supporter=single, actor=pps_gambir, pair=pairs[0].pk)
    assert error.value.code == "not_held"
    assert not FactualCheck.objects.exists()


# --- objections -----------------------------------------------------------------------------


def test_denial_upholds_the_objection_in_the_same_transaction(
    pairs, in_verfak, objection, pps_gambir, audit_log
):
    (row,) = in_verfak(pairs[0], 1)
    obj = objection(row)
    verfak.record_factual_check(
        supporter=row, actor=pps_gambir, outcome="met_denies", denial_form="F-3"
    )
    obj.refresh_from_db()
    assert obj.status == "upheld" and obj.resolved_by == "pps-gambir"
    assert obj.resolved_on == dt.date(2024, 5, 10)
    actions = [e.action for e in audit_log()]
    assert "candidacy.objection.upheld" in actions and "candidacy.verfak.met_denies" in actions
    assert state(row) == ("tms", "met_denies", "tms")


def test_confirmation_dismisses_the_objection_and_counts(pairs, in_verfak, objection, pps_gambir):
    (row,) = in_verfak(pairs[0], 1)
    obj = objection(row)
    assert fresh(row).status == "tms"  # objected, pending verfak
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="met_confirms")
    obj.refresh_from_db()
    assert obj.status == "dismissed"
    assert state(row) == ("ms", "met_confirms", "ms")


def test_a_withdrawn_objection_stays_withdrawn(pairs, in_verfak, objection, pps_gambir):
    (row,) = in_verfak(pairs[0], 1)
    obj = objection(row)
    SupportObjection.objects.filter(pk=obj.pk).update(status="withdrawn")
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="met_confirms")
    obj.refresh_from_db()
    assert obj.status == "withdrawn"


def test_not_found_leaves_the_objection_open(pairs, in_verfak, objection, pps_gambir):
    (row,) = in_verfak(pairs[0], 1)
    obj = objection(row)
    verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="not_found")
    obj.refresh_from_db()
    assert obj.status == "open" and fresh(row).status == "tms"


# --- scope and window -----------------------------------------------------------------------


def test_scope_is_enforced_and_nothing_is_written(
    pairs, in_verfak, pps_other, bawaslu_dki, lo_a, kpu_jakpus, audit_log
):
    (row,) = in_verfak(pairs[0], 1)
    for actor in (pps_other, bawaslu_dki, lo_a):
        with pytest.raises(PermissionDenied):
            verfak.record_factual_check(supporter=row, actor=actor, outcome="met_confirms")
    assert state(row) == ("pending", "", "pending") and audit_log() == []
    # KPU of the city may record (the KPU office's bulk path).
    verfak.record_factual_check(supporter=row, actor=kpu_jakpus, outcome="met_confirms")
    assert state(row)[0] == "ms"


def test_a_held_choice_needs_scope_on_every_row(pairs, in_verfak, pps_gambir):
    a, b = pairs
    (row_a,) = in_verfak(a, 1, start=600, vermin_status="held")
    (row_b,) = in_verfak(b, 1, start=600, vermin_status="held", region_code=CIDENG)
    with pytest.raises(PermissionDenied):
        verfak.record_held_choice(supporter=row_a, actor=pps_gambir, pair=a.pk)
    assert state(row_a)[0] == "pending" and state(row_b)[0] == "pending"


def test_outside_the_window_nothing_is_recorded(pairs, in_verfak, pps_gambir, election_today):
    (row,) = in_verfak(pairs[0], 1)
    election_today("2024-08-20")  # dukungan perseorangan closed on 19 Aug
    with pytest.raises(StageClosed) as error:
        verfak.record_factual_check(supporter=row, actor=pps_gambir, outcome="met_confirms")
    assert "ditutup" in str(error.value)
    assert state(row) == ("pending", "", "pending")
    assert not AuditEntry.objects.filter(action__startswith="candidacy.verfak").exists()

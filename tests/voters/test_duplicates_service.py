"""The duplicates review queue: detection, confirm, reject, undo; the rules and the refusals."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.schedule.gate import StageClosed
from pilkada.voters.models import (
    DuplicateDecision,
    DuplicateGroup,
    DuplicateMember,
    DuplicatePair,
    DuplicateRejection,
    DuplicateRun,
    Voter,
)
from pilkada.voters.services.duplicates import (
    DuplicateRefused,
    confirm_duplicate,
    detect_duplicates,
    register_frame,
    reject_duplicate,
    remembered_rejections,
    undo_confirm,
)

from .duplicates_support import (
    AFTER_DAY,
    REVIEW_DAY,
    duplicate_rows,
    kpu_kabkota,
    load,
    voter_by_line,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(election, dp4_file, election_today):
    load(election, dp4_file, duplicate_rows())
    election_today(REVIEW_DAY)
    return election


def group_of(line: int) -> DuplicateGroup:
    voter = voter_by_line(line)
    return DuplicateGroup.objects.get(
        status=DuplicateGroup.Status.OPEN, members__voter_id=voter.pk
    )


def member_lines(group) -> set[int]:
    ids = group.members.values_list("voter_id", flat=True)
    return set(Voter.objects.filter(pk__in=ids).values_list("line", flat=True))


def test_register_frame_leaves_out_tms_and_previous(register, dp4_file):
    frame = register_frame(election=register)
    assert frame.height == 24
    assert frame["voter_id"].to_list() == sorted(Voter.objects.values_list("pk", flat=True))
    Voter.objects.filter(line=2).update(status="tms", tms_code=1)
    assert register_frame(election=register).height == 23


def test_detection_stores_groups_members_and_pairs(register, kpu_dki, audit_log):
    run = detect_duplicates(election=register, actor=kpu_dki)
    assert isinstance(run, DuplicateRun) and run.rows == 24
    # Lines: person i is line i+1; the extra rows are lines 22..25.
    exact = group_of(2)
    assert member_lines(exact) == {2, 22}
    assert exact.kind in {"exact_nik", "exact_nik+probable"}
    assert exact.region_code == "3171011001"  # both in one kelurahan
    probable = group_of(3)
    assert member_lines(probable) == {3, 23}
    assert probable.kind == "probable"
    pair = probable.pairs.get()
    assert pair.match_weight > 0 and pair.match_probability >= 0.95
    assert pair.name_relation == "equal" and pair.date_relation == "equal"
    assert pair.same_nkk and pair.nik_relation != "equal"
    assert pair.w_name is not None and pair.w_birth is not None
    assert "name equal" in pair.evidence_for
    conflict = group_of(4)
    assert conflict.kind == "nik_conflict" and member_lines(conflict) == {4, 24}
    assert conflict.pairs.get().conflict
    cross = group_of(5)
    assert member_lines(cross) == {5, 25}
    assert cross.region_code == "31"  # members in two kab/kota: the province decides
    assert run.groups == DuplicateGroup.objects.count()
    assert DuplicateMember.objects.count() == sum(g.size for g in DuplicateGroup.objects.all())
    entry = audit_log()[-1]
    assert entry.action == "voters.duplicates.detect" and entry.new["groups"] == run.groups


def test_rerun_replaces_open_groups_and_keeps_decided(register, kpu_dki):
    detect_duplicates(election=register, actor=kpu_dki)
    decided = group_of(3)
    reject_duplicate(group=decided, actor=kpu_dki)
    before_open = DuplicateGroup.objects.filter(status="open").count()
    run2 = detect_duplicates(election=register, actor=kpu_dki)
    assert DuplicateGroup.objects.filter(status="open").count() == before_open
    assert set(DuplicateGroup.objects.filter(status="open").values_list("run", flat=True)) == {
        run2.pk
    }
    decided.refresh_from_db()
    assert decided.status == "rejected"  # stays, with its members and pairs
    assert decided.members.count() == 2 and decided.pairs.count() == 1


def test_rejected_pair_never_comes_back(register, kpu_dki):
    detect_duplicates(election=register, actor=kpu_dki)
    group = group_of(3)
    a, b = sorted(group.members.values_list("voter_id", flat=True))
    decision = reject_duplicate(group=group, actor=kpu_dki, note="kembar")
    rejection = DuplicateRejection.objects.get()
    assert (rejection.voter_a_id, rejection.voter_b_id) == (a, b)
    assert rejection.decision == decision
    frame = remembered_rejections(election=register)
    assert frame.select("id_a", "id_b").rows() == [(a, b)]
    run = detect_duplicates(election=register, actor=kpu_dki)
    assert run.rejections_applied >= 1
    open_members = DuplicateMember.objects.filter(group__status="open")
    assert not open_members.filter(voter_id__in=[a, b]).exists()
    assert not DuplicatePair.objects.filter(group__status="open", voter_a_id=a, voter_b_id=b)


def test_reject_exact_nik_pair_is_remembered(register, kpu_dki):
    detect_duplicates(election=register, actor=kpu_dki)
    ids = set(group_of(2).members.values_list("voter_id", flat=True))
    reject_duplicate(group=group_of(2), actor=kpu_dki)
    detect_duplicates(election=register, actor=kpu_dki)
    assert not DuplicateMember.objects.filter(group__status="open", voter_id__in=ids).exists()


def test_confirm_sets_tms_2_traceably(register, kpu_dki, audit_log):
    detect_duplicates(election=register, actor=kpu_dki)
    group = group_of(3)
    kept, removed = voter_by_line(3), voter_by_line(23)
    decisions = confirm_duplicate(group=group, actor=kpu_dki)  # default: keep the earlier
    assert [(d.kept_voter_id, d.removed_voter_id) for d in decisions] == [(kept.pk, removed.pk)]
    removed.refresh_from_db()
    kept.refresh_from_db()
    assert (removed.status, removed.tms_code) == ("tms", 2)
    assert f"pemilih id {kept.pk}" in removed.tms_note
    assert kept.status == "pending"
    decision = DuplicateDecision.objects.get()
    assert decision.previous_status == "pending" and decision.actor == "kpu-dki"
    group.refresh_from_db()
    assert group.status == "confirmed" and group.decided_by == "kpu-dki"
    entry = audit_log()[-1]
    assert entry.action == "voters.duplicates.confirm"
    assert entry.old["voters"][str(removed.pk)]["status"] == "pending"
    assert entry.new["kept"] == kept.pk and entry.new["removed"] == [removed.pk]
    # The removed record is not examined again.
    detect_duplicates(election=register, actor=kpu_dki)
    assert not DuplicateMember.objects.filter(group__status="open", voter_id=removed.pk)


def test_confirm_keeps_the_chosen_record(register, kpu_dki):
    detect_duplicates(election=register, actor=kpu_dki)
    later = voter_by_line(23)
    confirm_duplicate(group=group_of(3), actor=kpu_dki, keep=later.pk)
    assert voter_by_line(3).status == "tms" and voter_by_line(23).status == "pending"


def test_default_keep_prefers_unflagged(register, kpu_dki):
    detect_duplicates(election=register, actor=kpu_dki)
    Voter.objects.filter(line=3).update(quality_flags="nik_date_mismatch")
    confirm_duplicate(group=group_of(3), actor=kpu_dki)
    assert voter_by_line(3).status == "tms" and voter_by_line(23).status == "pending"


def test_double_confirm_refused(register, kpu_dki, audit_log):
    detect_duplicates(election=register, actor=kpu_dki)
    group = group_of(3)
    confirm_duplicate(group=group, actor=kpu_dki)
    n = len(audit_log())
    with pytest.raises(DuplicateRefused) as exc:
        confirm_duplicate(group=group, actor=kpu_dki)
    assert exc.value.code == "already_decided"
    with pytest.raises(DuplicateRefused):
        reject_duplicate(group=group, actor=kpu_dki)
    assert DuplicateDecision.objects.count() == 1 and len(audit_log()) == n


@pytest.mark.parametrize(
    ("keep", "remove", "code"),
    [
        (999999, None, "not_a_member"),
        (None, [999999], "not_a_member"),
        ("x", None, "bad_input"),
        ("same", ["same"], "bad_input"),
        (None, [], "bad_input"),
    ],
)
def test_bad_confirm_input_refused(register, kpu_dki, keep, remove, code):
    detect_duplicates(election=register, actor=kpu_dki)
    group = group_of(3)
    first = voter_by_line(3).pk
    keep = first if keep == "same" else keep
    remove = [first] if remove == ["same"] else remove
    with pytest.raises(DuplicateRefused) as exc:
        confirm_duplicate(group=group, actor=kpu_dki, keep=keep, remove=remove)
    assert exc.value.code == code
    group.refresh_from_db()
    assert group.status == "open" and not Voter.objects.filter(status="tms").exists()


def test_reject_needs_two_members(register, kpu_dki):
    detect_duplicates(election=register, actor=kpu_dki)
    group = group_of(3)
    with pytest.raises(DuplicateRefused):
        reject_duplicate(group=group, actor=kpu_dki, voters=[voter_by_line(3).pk])
    with pytest.raises(DuplicateRefused):
        reject_duplicate(group=group, actor=kpu_dki, voters=[voter_by_line(3).pk, 999999])
    assert not DuplicateRejection.objects.exists()


def test_already_tms_voter_refused(register, kpu_dki):
    detect_duplicates(election=register, actor=kpu_dki)
    group = group_of(3)
    Voter.objects.filter(line=23).update(status="tms", tms_code=1, tms_note="meninggal")
    with pytest.raises(DuplicateRefused) as exc:
        confirm_duplicate(group=group, actor=kpu_dki)
    assert exc.value.code == "already_tms"
    assert voter_by_line(23).tms_code == 1


def test_scope_crossing_refused(register, kpu_dki):
    detect_duplicates(election=register, actor=kpu_dki)
    kota = kpu_kabkota("3171")
    other = kpu_kabkota("3172", username="kpu-3172")
    inside = group_of(3)  # both members in 3171
    cross = group_of(5)  # members in 3171 and 3172
    with pytest.raises(PermissionDenied):
        confirm_duplicate(group=cross, actor=kota)
    with pytest.raises(PermissionDenied):
        reject_duplicate(group=cross, actor=other)
    with pytest.raises(PermissionDenied):
        confirm_duplicate(group=inside, actor=other)
    with pytest.raises(PermissionDenied):
        detect_duplicates(election=register, actor=kota)  # the whole province: KPU provinsi
    confirm_duplicate(group=inside, actor=kota)
    confirm_duplicate(group=cross, actor=kpu_dki)
    assert cross.__class__.objects.get(pk=cross.pk).status == "confirmed"


def test_pps_may_not_decide(register, kpu_dki, pps):
    detect_duplicates(election=register, actor=kpu_dki)
    with pytest.raises(PermissionDenied):
        confirm_duplicate(group=group_of(3), actor=pps)


def test_stage_closed_refused(register, kpu_dki, election_today):
    detect_duplicates(election=register, actor=kpu_dki)
    group = group_of(3)
    election_today(AFTER_DAY)
    with pytest.raises(StageClosed):
        confirm_duplicate(group=group, actor=kpu_dki)
    with pytest.raises(StageClosed):
        reject_duplicate(group=group, actor=kpu_dki)
    with pytest.raises(StageClosed):
        detect_duplicates(election=register, actor=kpu_dki)
    group.refresh_from_db()
    assert group.status == "open" and DuplicateRun.objects.count() == 1


def test_stage_not_yet_open_refused(election, dp4_file, kpu_dki):
    load(election, dp4_file, duplicate_rows())  # the clock is in the DP4 window
    with pytest.raises(StageClosed):
        detect_duplicates(election=election, actor=kpu_dki)
    assert not DuplicateRun.objects.exists()


def test_undo_restores_previous_status(register, kpu_dki, audit_log):
    detect_duplicates(election=register, actor=kpu_dki)
    group = group_of(3)
    Voter.objects.filter(line=23).update(status="ms")
    confirm_duplicate(group=group, actor=kpu_dki)
    undo_confirm(group=group, actor=kpu_dki)
    removed = voter_by_line(23)
    assert (removed.status, removed.tms_code, removed.tms_note) == ("ms", None, "")
    group.refresh_from_db()
    assert group.status == "open"
    decision = DuplicateDecision.objects.get()
    assert decision.undone_at is not None and decision.undone_by == "kpu-dki"
    assert audit_log()[-1].action == "voters.duplicates.undo_confirm"
    with pytest.raises(DuplicateRefused):
        undo_confirm(group=group, actor=kpu_dki)  # nothing confirmed any more
    # Confirmable again after the undo.
    confirm_duplicate(group=group, actor=kpu_dki)
    assert voter_by_line(23).status == "tms"


def test_undo_refused_when_changed_since(register, kpu_dki):
    detect_duplicates(election=register, actor=kpu_dki)
    group = group_of(3)
    confirm_duplicate(group=group, actor=kpu_dki)
    Voter.objects.filter(line=23).update(tms_code=1, tms_note="meninggal")
    with pytest.raises(DuplicateRefused) as exc:
        undo_confirm(group=group, actor=kpu_dki)
    assert exc.value.code == "changed_since"
    assert voter_by_line(23).tms_code == 1


def test_rerun_after_undo_replaces_the_reopened_group(register, kpu_dki):
    detect_duplicates(election=register, actor=kpu_dki)
    group = group_of(3)
    confirm_duplicate(group=group, actor=kpu_dki)
    undo_confirm(group=group, actor=kpu_dki)
    detect_duplicates(election=register, actor=kpu_dki)
    assert not DuplicateGroup.objects.filter(pk=group.pk).exists()
    decision = DuplicateDecision.objects.get()
    assert decision.group is None and decision.group_key == group.group_key
    assert member_lines(group_of(3)) == {3, 23}


def test_empty_register(election, election_today, kpu_dki):
    election_today(REVIEW_DAY)
    run = detect_duplicates(election=election, actor=kpu_dki)
    assert run.rows == 0 and run.groups == 0

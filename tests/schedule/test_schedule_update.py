"""Moving a stage's window: KPU Provinsi of the election's region only, audited."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from pilkada.audit.models import AuditEntry
from pilkada.audit.verify import verify_chain
from pilkada.schedule.gate import is_open
from pilkada.schedule.services import update_stage


def stage(election, code):
    return election.stages.get(code=code)


def test_kpu_provinsi_moves_a_window_and_it_is_audited(election, kpu_dki):
    coklit = update_stage(
        actor=kpu_dki, stage=stage(election, "coklit"), start="2024-06-24", end="2024-07-31"
    )
    assert coklit.end == dt.date(2024, 7, 31)
    assert stage(election, "coklit").end == dt.date(2024, 7, 31)
    entry = AuditEntry.objects.get(action="schedule.stage.update")
    assert (entry.actor, entry.role, entry.region_code) == ("kpu-dki", "kpu_provinsi", "31")
    assert entry.object_type == "schedule.stage"
    assert entry.object_id == "pilgub-dki-2024/coklit"
    assert entry.old == {"start": "2024-06-24", "end": "2024-07-24"}
    assert entry.new == {"start": "2024-06-24", "end": "2024-07-31"}
    assert verify_chain().ok
    # The gate follows at once.
    assert is_open(election=election, action="voters.coklit", on=dt.date(2024, 7, 30)).open


def test_an_operator_may_move_a_window(election, operator):
    update_stage(
        actor=operator,
        stage=stage(election, "kampanye"),
        start=dt.date(2024, 9, 26),
        end=dt.date(2024, 11, 23),
    )
    assert AuditEntry.objects.get(action="schedule.stage.update").actor == "operator"


@pytest.mark.parametrize("who", ["kpu_jaksel", "pps", "kpu_jabar"])
def test_others_are_refused_and_nothing_changes(election, request, who):
    user = request.getfixturevalue(who)
    before = AuditEntry.objects.count()
    with pytest.raises(PermissionDenied):
        update_stage(
            actor=user, stage=stage(election, "coklit"), start="2024-06-01", end="2024-07-31"
        )
    assert stage(election, "coklit").start == dt.date(2024, 6, 24)
    assert AuditEntry.objects.count() == before


def test_no_actor_is_refused(election):
    with pytest.raises(PermissionDenied):
        update_stage(
            actor=None, stage=stage(election, "coklit"), start="2024-06-24", end="2024-07-31"
        )


def test_end_before_start_is_refused(election, kpu_dki):
    with pytest.raises(ValidationError) as info:
        update_stage(
            actor=kpu_dki, stage=stage(election, "kampanye"), start="2024-10-01", end="2024-09-30"
        )
    assert "sebelum tanggal mulai" in info.value.messages[0]
    assert not AuditEntry.objects.filter(action="schedule.stage.update").exists()


def test_a_one_day_window_is_allowed(election, kpu_dki):
    update_stage(
        actor=kpu_dki, stage=stage(election, "masa-tenang"), start="2024-11-25", end="2024-11-25"
    )
    assert stage(election, "masa-tenang").end == dt.date(2024, 11, 25)


def test_bad_date_is_refused(election, kpu_dki):
    with pytest.raises(ValidationError, match="tidak valid"):
        update_stage(
            actor=kpu_dki, stage=stage(election, "coklit"), start="24/06/2024", end="2024-07-31"
        )


def test_sub_stage_must_stay_inside_its_parent(election, kpu_dki):
    with pytest.raises(ValidationError) as info:
        update_stage(
            actor=kpu_dki, stage=stage(election, "coklit"), start="2024-06-24", end="2024-09-30"
        )
    assert "di dalam tahap induknya" in info.value.messages[0]


def test_parent_must_keep_its_sub_stages(election, kpu_dki):
    with pytest.raises(ValidationError) as info:
        update_stage(
            actor=kpu_dki,
            stage=stage(election, "pemutakhiran-daftar-pemilih"),
            start="2024-07-01",
            end="2024-09-23",
        )
    assert "Pencocokan dan penelitian (coklit)" in info.value.messages[0]


def test_moving_the_voting_day_stage_moves_the_voting_day(election, kpu_dki):
    with pytest.raises(ValidationError, match="hanya satu hari"):
        update_stage(
            actor=kpu_dki,
            stage=stage(election, "pemungutan-suara"),
            start="2024-12-04",
            end="2024-12-05",
        )
    update_stage(
        actor=kpu_dki,
        stage=stage(election, "pemungutan-suara"),
        start="2024-12-04",
        end="2024-12-04",
    )
    election.refresh_from_db()
    assert election.voting_day == dt.date(2024, 12, 4)
    entry = AuditEntry.objects.get(action="schedule.stage.update")
    assert entry.old["voting_day"] == "2024-11-27" and entry.new["voting_day"] == "2024-12-04"


def test_a_no_op_writes_nothing(election, kpu_dki):
    before = AuditEntry.objects.count()
    update_stage(
        actor=kpu_dki, stage=stage(election, "coklit"), start="2024-06-24", end="2024-07-24"
    )
    assert AuditEntry.objects.count() == before

"""record_audit: in the caller's transaction, one unbroken chain."""

import itertools

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from pilkada.accounts.roles import Role
from pilkada.audit.chain import GENESIS_HASH, compute_hash
from pilkada.audit.models import AuditEntry, AuditHead
from pilkada.audit.services import (
    AuditError,
    AuditOutsideTransaction,
    audit_context,
    record_audit,
)
from pilkada.audit.verify import verify_chain
from pilkada.core.request_context import current_request_id

from .conftest import write_entries

User = get_user_model()


def create_user_service(username, *, fail=False):
    """A service as the house rules write them: change and audit entry in one transaction."""
    with transaction.atomic():
        user = User.objects.create(username=username)
        record_audit(
            actor=None,
            action="accounts.user.create",
            object_type="accounts.user",
            object_id=user.pk,
            new={"username": username},
        )
        if fail:
            raise RuntimeError("the service failed after writing")
    return user


@pytest.mark.django_db(transaction=True)
def test_a_failing_service_leaves_neither_change_nor_entry():
    with pytest.raises(RuntimeError):
        create_user_service("gagal", fail=True)
    assert not User.objects.filter(username="gagal").exists()
    assert AuditEntry.objects.count() == 0
    # The rolled-back entry left no gap: the next one is seq 1.
    create_user_service("berhasil")
    assert list(AuditEntry.objects.values_list("seq", flat=True)) == [1]
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_a_committed_service_keeps_change_and_entry():
    user = create_user_service("siti")
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.object_id, entry.new) == (
        "accounts.user.create",
        str(user.pk),
        {"username": "siti"},
    )


@pytest.mark.django_db(transaction=True)
def test_record_audit_outside_atomic_is_refused():
    with pytest.raises(AuditOutsideTransaction, match=r"transaction\.atomic"):
        record_audit(actor=None, action="test.write", object_type="test.thing", object_id=1)
    assert AuditEntry.objects.count() == 0


def test_entry_fields_and_hash(db):
    user = User.objects.create(username="kpu31", role=Role.KPU_PROVINSI, region_code="31")
    with audit_context("req-123"), transaction.atomic():
        entry = record_audit(
            actor=user,
            action="schedule.stage.update",
            object_type="schedule.stage",
            object_id="pilgub-dki-2024/coklit",
            old={"end": "2024-07-24"},
            new={"end": "2024-07-31"},
        )
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert stored.seq == 1
    assert (stored.actor_id, stored.actor, stored.role, stored.region_code) == (
        user.pk,
        "kpu31",
        "kpu_provinsi",
        "31",
    )
    assert stored.request_id == "req-123"
    assert stored.prev_hash == GENESIS_HASH
    assert stored.hash == entry.hash == compute_hash(stored.__dict__)
    head = AuditHead.objects.get()
    assert (head.last_seq, head.last_hash) == (1, entry.hash)


@pytest.mark.parametrize(
    ("actor", "expected"),
    [(None, "system"), ("synth", "synth"), (AnonymousUser(), "anonymous")],
)
def test_actors_without_an_account(db, actor, expected):
    with transaction.atomic():
        entry = record_audit(actor=actor, action="test.write", object_type="t", object_id="")
    assert (entry.actor, entry.actor_id, entry.role) == (expected, None, "")


def test_values_are_stored_as_hashed(db):
    import datetime as dt
    import decimal

    with transaction.atomic():
        entry = record_audit(
            actor=None,
            action="test.write",
            object_type="t",
            object_id=1,
            new={"day": dt.date(2024, 11, 27), "share": decimal.Decimal("7.5"), "big": 1e16},
        )
    stored = AuditEntry.objects.get(seq=entry.seq)
    assert stored.new == {"day": "2024-11-27", "share": "7.5", "big": 10**16}
    assert verify_chain().ok


def test_unserialisable_values_are_refused_before_writing(db):
    with pytest.raises(TypeError), transaction.atomic():
        record_audit(actor=None, action="t.x", object_type="t", object_id=1, new={"b": b"x"})
    assert AuditEntry.objects.count() == 0


def test_audit_context_sets_and_restores_the_request_id():
    assert current_request_id() is None
    with audit_context() as outer:
        assert current_request_id() == outer
        with audit_context() as inner:
            assert inner == outer  # a nested command keeps the run's id
        with audit_context("explicit") as explicit:
            assert current_request_id() == explicit == "explicit"
        assert current_request_id() == outer
    assert current_request_id() is None


def test_chain_verifies_after_many_writes(db):
    entries = write_entries(300)
    assert [e.seq for e in entries] == list(range(1, 301))
    for previous, entry in itertools.pairwise(entries):
        assert entry.prev_hash == previous.hash
        assert entry.at >= previous.at
    report = verify_chain(chunk_size=7)  # many chunks
    assert report.ok, report.problem
    assert (report.checked, report.head_seq, report.head_hash) == (300, 300, entries[-1].hash)


def test_an_empty_log_verifies(db):
    report = verify_chain()
    assert report.ok and report.checked == 0 and report.head_seq is None


def test_a_missing_head_with_entries_stops_writers(db):
    from .conftest import disable_head_guards

    write_entries(2)
    disable_head_guards()
    AuditHead.objects.all().delete()
    with pytest.raises(AuditError, match="head row is missing"), transaction.atomic():
        record_audit(actor=None, action="t.x", object_type="t", object_id=1)
    report = verify_chain()
    assert report.problem.kind == "head_missing"

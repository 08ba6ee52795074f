"""The log is append-only in the database, and tampering behind its back is detected."""

import datetime as dt
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction

from pilkada.audit import guards
from pilkada.audit.chain import compute_hash
from pilkada.audit.models import AuditEntry, AuditHead
from pilkada.audit.verify import verify_chain

from .conftest import disable_entry_guards, disable_head_guards


def refused():
    """The statement in the body is refused by a trigger, and the test goes on."""
    return pytest.raises(IntegrityError, match="append-only")


def run_verify(*args):
    """`pilkada audit verify`: (stdout, CommandError or None)."""
    from io import StringIO

    out = StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


# --- the guards ------------------------------------------------------------------------


def test_guards_are_installed_by_the_migrations(db):
    assert guards.missing(connection) == []


def test_orm_update_is_refused(ten_entries):
    with refused(), transaction.atomic():
        AuditEntry.objects.filter(seq=5).update(new={"value": "forged"})
    entry = AuditEntry.objects.get(seq=5)
    entry.new = {"value": "forged"}
    with refused(), transaction.atomic():
        entry.save()
    assert AuditEntry.objects.get(seq=5).new["value"] == 4


def test_orm_delete_is_refused(ten_entries):
    with refused(), transaction.atomic():
        AuditEntry.objects.get(seq=5).delete()
    with refused(), transaction.atomic():
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 10


def test_raw_sql_update_and_delete_are_refused(ten_entries):
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditentry SET actor = 'someone' WHERE seq = 3")
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE seq = 10")
    assert verify_chain().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE guard is PostgreSQL's")
def test_truncate_is_refused_on_postgresql(ten_entries):
    with refused(), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("TRUNCATE audit_auditentry")


def test_head_moves_forward_only(ten_entries):
    last = ten_entries[-1]
    with refused(), transaction.atomic():
        AuditHead.objects.update(last_seq=9, last_hash=ten_entries[-2].hash)  # backwards
    with refused(), transaction.atomic():
        AuditHead.objects.update(last_seq=11, last_hash="f" * 64)  # to no entry
    with refused(), transaction.atomic():
        AuditHead.objects.update(last_hash="f" * 64)  # same seq, other hash
    with refused(), transaction.atomic():
        AuditHead.objects.all().delete()
    head = AuditHead.objects.get()
    assert (head.last_seq, head.last_hash) == (10, last.hash)


def test_verify_names_a_missing_guard(ten_entries):
    disable_entry_guards()
    report = verify_chain()
    assert report.ok  # the chain itself is intact ...
    assert report.guards_missing  # ... but the guard is gone, and verify says so


# --- tampering behind the application's back ---------------------------------------------


def test_edited_value_is_caught(ten_entries):
    disable_entry_guards()
    AuditEntry.objects.filter(seq=5).update(new={"value": 999, "label": "nilai ke-4"})
    report = verify_chain()
    assert not report.ok
    assert (report.first_broken_seq, report.problem.kind) == (5, "hash_mismatch")
    out, error = run_verify()
    assert error is not None and error.returncode == 1
    assert "seq 5" in str(error) and "hash_mismatch" in str(error)
    out, error = run_verify("--json")
    data = json.loads(out)
    assert data["ok"] is False and data["first_broken_seq"] == 5
    assert data["problem"]["kind"] == "hash_mismatch"


def test_edited_timestamp_is_caught(ten_entries):
    disable_entry_guards()
    AuditEntry.objects.filter(seq=3).update(at=ten_entries[2].at - dt.timedelta(days=1))
    assert verify_chain().first_broken_seq == 3


def test_deleted_middle_entry_is_caught(ten_entries):
    disable_entry_guards()
    AuditEntry.objects.filter(seq=5).delete()
    report = verify_chain()
    assert (report.first_broken_seq, report.problem.kind) == (5, "gap")
    assert "entry 5 is missing" in report.problem.detail
    _out, error = run_verify()
    assert "seq 5" in str(error) and error.returncode == 1


def test_deleted_last_entry_is_caught_through_the_head(ten_entries):
    disable_entry_guards()
    AuditEntry.objects.filter(seq=10).delete()
    report = verify_chain()
    assert (report.first_broken_seq, report.problem.kind) == (10, "head_mismatch")
    assert "seq 10" in str(run_verify()[1])


def test_rehashed_edit_breaks_the_next_link(ten_entries):
    disable_entry_guards()
    entry = AuditEntry.objects.get(seq=5)
    entry.new = {"value": 999, "label": "nilai ke-4"}
    AuditEntry.objects.filter(seq=5).update(new=entry.new, hash=compute_hash(entry.__dict__))
    report = verify_chain()
    # Entry 5 is self-consistent now; the break shows where entry 6 links to the old hash.
    assert (report.first_broken_seq, report.problem.kind) == (6, "broken_link")
    assert "entry 5" in report.problem.detail
    assert "seq 6" in str(run_verify()[1])


def test_rehashed_last_entry_is_caught_through_the_head(ten_entries):
    disable_entry_guards()
    entry = AuditEntry.objects.get(seq=10)
    entry.actor = "someone-else"
    AuditEntry.objects.filter(seq=10).update(actor=entry.actor, hash=compute_hash(entry.__dict__))
    report = verify_chain()
    assert (report.first_broken_seq, report.problem.kind) == (10, "head_mismatch")


def test_rewritten_tail_with_fixed_links_is_caught_at_the_first_rewritten_entry(ten_entries):
    # Rewrite 7 and re-hash 7..10 with consistent links: only the head still knows.
    disable_entry_guards()
    disable_head_guards()
    previous_hash = ten_entries[5].hash
    for seq in range(7, 11):
        entry = AuditEntry.objects.get(seq=seq)
        if seq == 7:
            entry.new = {"value": "forged"}
        entry.prev_hash = previous_hash
        entry.hash = compute_hash(entry.__dict__)
        AuditEntry.objects.filter(seq=seq).update(
            new=entry.new, prev_hash=entry.prev_hash, hash=entry.hash
        )
        previous_hash = entry.hash
    report = verify_chain()
    assert (report.first_broken_seq, report.problem.kind) == (10, "head_mismatch")
    # ... and if the forger also moves the head, only a published head hash can tell.
    AuditHead.objects.update(last_hash=previous_hash)
    assert verify_chain().ok
    assert verify_chain().head_hash != ten_entries[-1].hash


def test_entry_appended_around_record_audit_is_caught(ten_entries):
    last = ten_entries[-1]
    fields = {
        **{f: getattr(last, f) for f in ("at", "actor", "role", "region_code", "action")},
        "seq": 11,
        "actor_id": None,
        "object_type": "test.thing",
        "object_id": "x",
        "old": None,
        "new": {"forged": True},
        "request_id": "",
        "prev_hash": last.hash,
    }
    AuditEntry.objects.create(**fields, hash=compute_hash(fields))  # INSERT is allowed
    report = verify_chain()
    assert (report.first_broken_seq, report.problem.kind) == (11, "beyond_head")


def test_intact_chain_exits_zero(ten_entries):
    out, error = run_verify()
    assert error is None
    assert "intact: 10 entries" in out and ten_entries[-1].hash in out
    out, error = run_verify("--json")
    assert error is None and json.loads(out)["ok"] is True

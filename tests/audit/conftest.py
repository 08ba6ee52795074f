import pytest
from django.db import connection, transaction

from pilkada.audit.services import record_audit


def write_entries(n: int, *, action: str = "test.write", actor=None) -> list:
    """n entries, each in its own transaction (as services write them)."""
    entries = []
    for i in range(n):
        with transaction.atomic():
            entries.append(
                record_audit(
                    actor=actor,
                    action=action,
                    object_type="test.thing",
                    object_id=i,
                    old=None if i == 0 else {"value": i - 1},
                    new={"value": i, "label": f"nilai ke-{i}"},
                )
            )
    return entries


def disable_entry_guards() -> None:
    """Tamper behind the application's back: lift the triggers with raw SQL.

    Runs inside the test's transaction, so the triggers come back when it rolls back.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")
        else:
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")


def disable_head_guards() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_head_no_delete")
            cursor.execute("DROP TRIGGER audit_head_forward_only")
        else:
            cursor.execute("ALTER TABLE audit_audithead DISABLE TRIGGER audit_head_no_delete")
            cursor.execute("ALTER TABLE audit_audithead DISABLE TRIGGER audit_head_forward_only")


@pytest.fixture
def ten_entries(db):
    return write_entries(10)

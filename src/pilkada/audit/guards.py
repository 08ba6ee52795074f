"""Database triggers that make the audit log append-only.

On both SQLite and PostgreSQL:

* ``audit_auditentry``: UPDATE and DELETE are refused (PostgreSQL: TRUNCATE too);
* ``audit_audithead``: DELETE is refused (PostgreSQL: TRUNCATE too), and an UPDATE may only
  leave the row as it is (the writers' lock) or advance it by one to an entry that exists
  with that hash.

A refusal raises ``django.db.IntegrityError`` on both databases.

The guards stop mistakes and casual tampering by the application and its users; somebody
with the database owner's rights can drop them, and that is what ``pilkada audit verify``
is for. :func:`install` is idempotent: a migration that rebuilds an audit table (SQLite
rebuilds a table on most ALTERs, which drops its triggers) must run it again.
:func:`missing` lists guards that are not in place; ``verify`` reports them.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import transaction

ENTRY_TABLE = "audit_auditentry"
HEAD_TABLE = "audit_audithead"
REFUSED = "audit log is append-only"

SQLITE_TRIGGERS = {
    "audit_entry_no_update": f"""
        CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON {ENTRY_TABLE}
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: UPDATE of {ENTRY_TABLE} refused'); END""",
    "audit_entry_no_delete": f"""
        CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON {ENTRY_TABLE}
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE from {ENTRY_TABLE} refused'); END""",
    "audit_head_no_delete": f"""
        CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON {HEAD_TABLE}
        BEGIN SELECT RAISE(ABORT, '{REFUSED}: DELETE from {HEAD_TABLE} refused'); END""",
    "audit_head_forward_only": f"""
        CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON {HEAD_TABLE}
        WHEN NOT (
            NEW.id = OLD.id AND (
                (NEW.last_seq = OLD.last_seq AND NEW.last_hash = OLD.last_hash)
                OR (NEW.last_seq = OLD.last_seq + 1 AND EXISTS (
                    SELECT 1 FROM {ENTRY_TABLE} e
                    WHERE e.seq = NEW.last_seq AND e.hash = NEW.last_hash))
            )
        )
        BEGIN SELECT RAISE(ABORT,
            '{REFUSED}: the head may only advance by one, to the newest entry'); END""",
}

POSTGRES_FUNCTIONS = {
    "pilkada_audit_refuse": f"""
        CREATE OR REPLACE FUNCTION pilkada_audit_refuse() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION '{REFUSED}: % on % refused', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'restrict_violation';
        END;
        $$""",
    "pilkada_audit_head_forward_only": f"""
        CREATE OR REPLACE FUNCTION pilkada_audit_head_forward_only() RETURNS trigger
        LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.id = OLD.id AND NEW.last_seq = OLD.last_seq
                    AND NEW.last_hash = OLD.last_hash THEN
                RETURN NEW;
            END IF;
            IF NEW.id = OLD.id AND NEW.last_seq = OLD.last_seq + 1 AND EXISTS (
                    SELECT 1 FROM {ENTRY_TABLE} e
                    WHERE e.seq = NEW.last_seq AND e.hash = NEW.last_hash) THEN
                RETURN NEW;
            END IF;
            RAISE EXCEPTION '{REFUSED}: the head may only advance by one, to the newest entry'
                USING ERRCODE = 'restrict_violation';
        END;
        $$""",
}

# name -> (table, CREATE TRIGGER statement)
POSTGRES_TRIGGERS = {
    "audit_entry_append_only": (
        ENTRY_TABLE,
        f"""CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON {ENTRY_TABLE}
            FOR EACH ROW EXECUTE FUNCTION pilkada_audit_refuse()""",
    ),
    "audit_entry_no_truncate": (
        ENTRY_TABLE,
        f"""CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON {ENTRY_TABLE}
            FOR EACH STATEMENT EXECUTE FUNCTION pilkada_audit_refuse()""",
    ),
    "audit_head_no_delete": (
        HEAD_TABLE,
        f"""CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON {HEAD_TABLE}
            FOR EACH ROW EXECUTE FUNCTION pilkada_audit_refuse()""",
    ),
    "audit_head_no_truncate": (
        HEAD_TABLE,
        f"""CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON {HEAD_TABLE}
            FOR EACH STATEMENT EXECUTE FUNCTION pilkada_audit_refuse()""",
    ),
    "audit_head_forward_only": (
        HEAD_TABLE,
        f"""CREATE TRIGGER audit_head_forward_only BEFORE UPDATE ON {HEAD_TABLE}
            FOR EACH ROW EXECUTE FUNCTION pilkada_audit_head_forward_only()""",
    ),
}


def _unsupported(connection):
    return NotImplementedError(
        f"the audit guards support sqlite and postgresql, not {connection.vendor}"
    )


def install(connection) -> None:
    """Create (or re-create) every guard. Idempotent."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name, sql in SQLITE_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
                cursor.execute(sql)
        elif connection.vendor == "postgresql":
            for sql in POSTGRES_FUNCTIONS.values():
                cursor.execute(sql)
            for name, (table, sql) in POSTGRES_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(sql)
        else:
            raise _unsupported(connection)


def uninstall(connection) -> None:
    """Drop every guard (migrating backwards; and flush, inside its transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name in SQLITE_TRIGGERS:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        elif connection.vendor == "postgresql":
            for name, (table, _sql) in POSTGRES_TRIGGERS.items():
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
            for name in POSTGRES_FUNCTIONS:
                cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
        else:
            raise _unsupported(connection)


def missing(connection) -> list[str]:
    """Names of the guards that are not in place (dropped, or disabled on PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
            return [name for name in SQLITE_TRIGGERS if name not in present]
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D' "
                "AND tgrelid IN (%s::regclass, %s::regclass)",
                [ENTRY_TABLE, HEAD_TABLE],
            )
            present = {row[0] for row in cursor.fetchall()}
            return [name for name in POSTGRES_TRIGGERS if name not in present]
    raise _unsupported(connection)


@contextmanager
def suspended(connection):
    """Lift the guards for the body and put them back, all in one transaction.

    Only the ``flush`` command uses this (an explicit reset of the whole database,
    which test suites run between transactional tests).
    """
    tables = set(connection.introspection.table_names())
    if not {ENTRY_TABLE, HEAD_TABLE} <= tables:  # not migrated yet: nothing to lift
        yield
        return
    with transaction.atomic(using=connection.alias):
        uninstall(connection)
        yield
        install(connection)


# Migration operations.
def install_operation(apps, schema_editor):
    install(schema_editor.connection)


def uninstall_operation(apps, schema_editor):
    uninstall(schema_editor.connection)

"""`pilkada audit show`, `pilkada flush` and the audit guards."""

from io import StringIO

import pytest
from django.core.management import call_command, get_commands, load_command_class
from django.db import connection

from pilkada.audit import guards
from pilkada.audit.models import AuditEntry, AuditHead
from pilkada.audit.verify import verify_chain

from .conftest import write_entries


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_help_first_line():
    command = load_command_class(get_commands()["audit"], "audit")
    assert command.help.splitlines()[0] == "Audit log: verify the hash chain, show entries."


def test_show_last_and_action(db):
    write_entries(3, action="test.alpha")
    write_entries(2, action="test.beta")
    out = run("audit", "show", "--last", "2")
    assert "#4 " in out and "#5 " in out and "#3 " not in out
    out = run("audit", "show", "--action", "test.alpha")
    assert [line.split()[0] for line in out.splitlines() if line.startswith("#")] == [
        "#1",
        "#2",
        "#3",
    ]
    out = run("audit", "show", "--action", "test.*", "--last", "100")
    assert out.count("\n#") + out.startswith("#") == 5
    out = run("audit", "show", "--json", "--last", "1")
    assert '"seq":5' in out and '"hash":' in out


@pytest.mark.django_db(transaction=True)
def test_flush_empties_the_log_and_puts_the_guards_back():
    write_entries(3)
    call_command("flush", interactive=False, verbosity=0)
    assert AuditEntry.objects.count() == 0 and AuditHead.objects.count() == 0
    assert guards.missing(connection) == []
    entries = write_entries(2)  # a fresh chain starts at 1
    assert [e.seq for e in entries] == [1, 2]
    assert verify_chain().ok


@pytest.mark.django_db(transaction=True)
def test_guards_install_is_idempotent_and_uninstall_reverses_it():
    guards.install(connection)
    assert guards.missing(connection) == []
    guards.uninstall(connection)
    try:
        assert sorted(guards.missing(connection)) == sorted(
            guards.SQLITE_TRIGGERS if connection.vendor == "sqlite" else guards.POSTGRES_TRIGGERS
        )
    finally:
        guards.install(connection)
    assert guards.missing(connection) == []

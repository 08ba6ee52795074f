"""`pilkada accounts create|list`."""

import io
import json
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.accounts.models import User
from pilkada.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def run(*args, stdin=None, monkeypatch=None):
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    out, err = StringIO(), StringIO()
    call_command("accounts", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_and_list(jakarta, monkeypatch):
    out, _ = run(
        "create", "pps-gambir", "--role", "pps", "--region", "31.71.01.1001",
        "--full-name", "Siti Aminah", "--password-stdin",
        stdin="kotak-suara-2024\n", monkeypatch=monkeypatch,
    )  # fmt: skip
    assert out.strip() == "created pps-gambir (pps of 31.71.01.1001)"
    user = User.objects.get(username="pps-gambir")
    assert user.check_password("kotak-suara-2024")
    assert AuditEntry.objects.filter(action="accounts.create", object_id=str(user.pk)).exists()
    run("create", "root", "--operator", "--password-stdin", stdin="kotak-suara-2024\n",
        monkeypatch=monkeypatch)  # fmt: skip
    out, _ = run("list")
    lines = out.splitlines()
    assert lines[0].split() == ["root", "operator"]
    assert lines[1].split() == ["pps-gambir", "pps", "31.71.01.1001", "Gambir"]
    assert lines[-1] == "2 accounts"
    data = json.loads(run("list", "--json")[0])
    assert data[1] == {
        "username": "pps-gambir",
        "role": "pps",
        "region_code": "3171011001",
        "region_dotted": "31.71.01.1001",
        "region_name": "Gambir",
        "full_name": "Siti Aminah",
        "agency": "",
        "is_active": True,
        "is_operator": False,
    }
    assert [r["username"] for r in json.loads(run("list", "--role", "pps", "--json")[0])] == [
        "pps-gambir"
    ]
    assert json.loads(run("list", "--region", "3172", "--json")[0]) == []


def test_create_refuses_with_exit_1_and_the_reason(jakarta, monkeypatch):
    with pytest.raises(CommandError) as excinfo:
        run(
            "create", "pps-x", "--role", "pps", "--region", "317101", "--password-stdin",
            stdin="kotak-suara-2024\n", monkeypatch=monkeypatch,
        )  # fmt: skip
    assert excinfo.value.returncode == 1
    assert "not created" in str(excinfo.value)
    assert not User.objects.exists()


def test_create_without_a_password_source_fails(jakarta, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))  # not a terminal
    with pytest.raises(CommandError, match="no password") as excinfo:
        call_command("accounts", "create", "pps-x", "--role", "pps", "--region", "3171011001")
    assert excinfo.value.returncode == 1


def test_create_usage_errors(jakarta):
    with pytest.raises(CommandError) as excinfo:
        call_command("accounts", "create", "pps-x", "--role", "pps")
    assert excinfo.value.returncode == 2
    with pytest.raises(CommandError) as excinfo:
        call_command("accounts", "create", "x", "--operator", "--role", "pps")
    assert excinfo.value.returncode == 2


def test_list_empty():
    assert run("list")[0].strip() == "no accounts"

"""`pilkada regions load|show`: output and exit codes."""

import json
import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from regions_testdata import BANTEN, JAKARTA

from pilkada.accounts.models import User
from pilkada.accounts.roles import Role
from pilkada.regions.models import Region
from pilkada.regions.services import ensure_tps_codes


def run(*args):
    out, err = StringIO(), StringIO()
    call_command("regions", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def run_fails(*args):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as excinfo:
        call_command("regions", *args, stdout=out, stderr=err)
    return excinfo.value, out.getvalue(), err.getvalue()


@pytest.mark.django_db
def test_load_and_reload(write_csv):
    out, _ = run("load", str(JAKARTA))
    assert "318 created" in out
    assert "provinsi 1, kabkota 6, kecamatan 44, kelurahan 267" in out
    out, _ = run("load", str(JAKARTA))
    assert "no change, all 318 already loaded" in out
    out, _ = run("load", str(write_csv(BANTEN, "36.csv")), "--json")
    data = json.loads(out)
    assert (data["ok"], data["province_code"], data["created"]) == (True, "36", 9)
    assert data["counts"]["kelurahan"]["created"] == 4


@pytest.mark.django_db
def test_rejected_file_exits_1_with_every_error_and_its_line(write_csv):
    text = BANTEN + "36.01.01.2001,Kertajaya Lagi\n36.99.01,Tanpa Induk\n"
    exc, _, err = run_fails("load", str(write_csv(text, "36.csv")))
    assert exc.returncode == 1
    assert "36.csv: rejected, 2 errors; nothing was written" in str(exc)
    assert "line 11: code 36.01.01.2001 duplicates line 5 [DUPLICATE_CODE]" in err
    assert "line 12: code 36.99.01: parent 36.99 is not in the file [ORPHAN]" in err
    assert Region.objects.count() == 0


@pytest.mark.django_db
def test_rejected_file_as_json(write_csv):
    exc, out, _ = run_fails("load", str(write_csv("code,name\n", "x.csv")), "--json")
    assert exc.returncode == 1
    data = json.loads(out)
    assert data["ok"] is False
    assert data["errors"] == [
        {"line": 1, "code": "BAD_HEADER", "message": "header must be 'kode,nama', found "
         "'code,name'"}
    ]  # fmt: skip


def test_missing_file_exits_1(tmp_path):
    exc, _, _ = run_fails("load", str(tmp_path / "nope.csv"))
    assert exc.returncode == 1
    assert "no such file" in str(exc)


@pytest.mark.django_db
def test_show(jakarta):
    out, _ = run("show")
    assert out.splitlines()[:3] == [
        "31  Daerah Khusus Ibukota Jakarta  (provinsi)",
        "  31.01  Kabupaten Administrasi Kepulauan Seribu  (kabupaten, 2 kecamatan)",
        "  31.71  Kota Administrasi Jakarta Pusat  (kota, 8 kecamatan)",
    ]
    out, _ = run("show", "3171", "--depth", "2")
    assert "    31.71.01.1001  Gambir  (kelurahan)" in out.splitlines()
    assert "31.72" not in out


@pytest.mark.django_db
def test_show_a_kelurahan_lists_its_tps(jakarta):
    ensure_tps_codes(actor=None, codes=["3171011001001", "3171011001901"])
    out, _ = run("show", "31.71.01.1001")
    assert out.splitlines() == [
        "31.71.01.1001  Gambir  (kelurahan, 2 TPS)",
        "  TPS 001  3171011001001",
        "  TPS 901  3171011001901  (TPS khusus)",
    ]
    data = json.loads(run("show", "3171011001", "--json")[0])
    assert [t["number"] for t in data[0]["tps"]] == [1, 901]


@pytest.mark.django_db
def test_show_as_a_user(jakarta):
    User.objects.create_user(username="pps1", role=Role.PPS, region_code="3171011001")
    out, _ = run("show", "--depth", "3", "--user", "pps1")
    assert [line.split()[0] for line in out.splitlines()] == [
        "31", "31.71", "31.71.01", "31.71.01.1001",
    ]  # fmt: skip
    out, _ = run("show", "3172", "--user", "pps1")
    assert out.strip() == "no regions visible to pps1"


@pytest.mark.django_db
def test_show_errors(jakarta):
    exc, _, _ = run_fails("show", "3176")
    assert exc.returncode == 1
    exc, _, _ = run_fails("show", "31710")
    assert exc.returncode == 2
    exc, _, _ = run_fails("show", "--user", "nobody")
    assert exc.returncode == 1
    exc, _, _ = run_fails("show", "--depth", "-1")
    assert exc.returncode == 2


def pilkada(*args, tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},  # a throwaway SQLite
        "PILKADA_ALLOW_EPHEMERAL_KEY": "1",
        "PILKADA_DATA_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "pilkada.settings",
    }
    return subprocess.run(
        [sys.executable, "-m", "pilkada.cli", *args],
        capture_output=True, text=True, env=env, timeout=120, check=False,
    )  # fmt: skip


def test_command_line_exit_codes(tmp_path, write_csv):
    """The real command line: help, a rejected file (no database touched), bad usage."""
    proc = pilkada("--help", tmp_path=tmp_path)
    assert proc.returncode == 0
    assert "Region reference data: load a province file, show the tree." in proc.stdout
    bad = write_csv(BANTEN.replace("36.01.01,Sumur\n", ""), "36.csv")
    proc = pilkada("regions", "load", str(bad), tmp_path=tmp_path)
    assert proc.returncode == 1, proc.stderr
    assert "line 4: code 36.01.01.2001: parent 36.01.01 is not in the file [ORPHAN]" in proc.stderr
    assert "line 5: code 36.01.01.2002: parent 36.01.01 is not in the file [ORPHAN]" in proc.stderr
    proc = pilkada("regions", tmp_path=tmp_path)
    assert proc.returncode == 2

"""The `pilkada` command and `pilkada setup`."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from pilkada.regions.models import Region

PILKADA = Path(sys.executable).with_name("pilkada")


def test_help_lists_pilkada_commands():
    result = subprocess.run([str(PILKADA), "--help"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    for command in ("setup", "demo", "serve", "regions", "accounts", "audit", "schedule", "synth"):
        assert f"  {command} " in result.stdout, command
    assert "flush" not in result.stdout  # an override of a Django built-in, not ours


@pytest.mark.django_db
def test_setup_is_safe_to_run_again(settings, tmp_path, capsys):
    settings.DATA_DIR = tmp_path
    call_command("setup")
    key = (tmp_path / "secret_key").read_text()
    assert len(key) >= 40
    assert oct((tmp_path / "secret_key").stat().st_mode)[-3:] == "600"
    assert Region.objects.count() == 318
    call_command("setup")
    assert (tmp_path / "secret_key").read_text() == key  # never replaced
    assert Region.objects.count() == 318
    assert "no change" in capsys.readouterr().out

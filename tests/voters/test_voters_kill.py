"""A killed import leaves the database as it was: a real `pilkada voters import` process is
killed (SIGKILL) while it is loading, and nothing of it remains."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from django.db import connection

from pilkada.audit.models import AuditEntry
from pilkada.voters.models import ImportBatch, RegionVoterCount, Voter
from pilkada.voters.services import import_voter_file

from .conftest import HEADER, person

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

ROWS = 600_000  # three read chunks, so the process is killed with batches still to load


def database_url() -> str:
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def big_file(path: Path) -> Path:
    rows = [person(i) for i in range(1, 101)]
    frame = pl.DataFrame([[r[c] for c in HEADER] for r in rows], schema=HEADER, orient="row")
    pl.concat([frame] * (ROWS // frame.height)).write_csv(path)
    return path


def test_killed_import_leaves_the_database_as_it_was(election, dp4_file, tmp_path, settings):
    if connection.vendor == "sqlite" and ":memory:" in str(connection.settings_dict["NAME"]):
        pytest.skip("needs a file database shared with a child process")
    import_voter_file(election=election, path=dp4_file([person(1), person(2)]), kind="dp4")
    before = (
        sorted(Voter.objects.values_list("batch_id", "line")),
        list(ImportBatch.objects.values_list("id", "sha256")),
        sorted(RegionVoterCount.objects.values_list("region_code", "total")),
        AuditEntry.objects.count(),
    )
    env = dict(
        os.environ,
        DATABASE_URL=database_url(),
        PILKADA_DATA_DIR=str(settings.DATA_DIR),
        PILKADA_TODAY="2024-05-01",
        PILKADA_ALLOW_EPHEMERAL_KEY="1",
        DJANGO_SETTINGS_MODULE="pilkada.settings",
    )
    path = big_file(tmp_path / "big.csv")
    proc = subprocess.Popen(
        [sys.executable, "-m", "pilkada.cli", "voters", "import", str(path), "--kind", "dp4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        seen = b""
        deadline = time.monotonic() + 120
        while b"loading:" not in seen:
            assert proc.poll() is None, seen.decode(errors="replace")
            assert time.monotonic() < deadline, "the import never started loading"
            ready, _, _ = select.select([proc.stderr], [], [], 1.0)
            if ready:
                seen += os.read(proc.stderr.fileno(), 4096)
        proc.send_signal(signal.SIGKILL)  # mid-load: rows are in, the commit is not
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    after = (
        sorted(Voter.objects.values_list("batch_id", "line")),
        list(ImportBatch.objects.values_list("id", "sha256")),
        sorted(RegionVoterCount.objects.values_list("region_code", "total")),
        AuditEntry.objects.count(),
    )
    assert after == before
    # And the indexes the load dropped are back (the drop was rolled back with the rows).
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, Voter._meta.db_table)
    assert any(c["columns"] == ["nik"] and c["index"] for c in found.values())

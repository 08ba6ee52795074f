"""Publication of DPS, DPSHP and DPT: versioned immutable snapshots, hashes in the audit log,
verification, gates, scope and bad input (service and CLI)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from pathlib import Path

import polars as pl
import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F, Value
from django.db.models.functions import Concat

from pilkada.accounts.roles import Role
from pilkada.schedule.gate import StageClosed
from pilkada.voters.models import RecapRow, Snapshot, Voter
from pilkada.voters.selectors.publication import dpt_tps_counts
from pilkada.voters.services import import_voter_file
from pilkada.voters.services.publication import (
    PublishRefused,
    publish_list,
    snapshot_path,
    verify_snapshots,
)

from .conftest import person

pytestmark = pytest.mark.django_db

#: Inside the voter-list stage (DPS, DPSHP, DPT windows), after coklit.
LIST_DAY = "2024-08-01"
NAMES = ["SITI NURHALIZA", "BUDI SANTOSO", "DEWI LESTARI", "AGUS SALIM", "RINI WULANDARI"]


def make_register(election, dp4_file, election_today, *, n=30, tps=True, day=LIST_DAY):
    """Import ``n`` DP4 rows (kelurahan 3171011001 / 3171011002), mark a few TMS and one
    as the previous DPT, give every voter a TPS (``tps``), and move the clock to ``day``."""
    rows = [person(i, nama=NAMES[i % len(NAMES)] + f" {chr(65 + i % 26)}") for i in range(1, n + 1)]
    import_voter_file(election=election, path=dp4_file(rows), kind="dp4", actor="test")
    voters = Voter.objects.filter(election=election).order_by("pk")
    tms = list(voters.values_list("pk", flat=True)[:3])
    Voter.objects.filter(pk__in=tms).update(status="tms", tms_code=1, tms_note="akta kematian")
    Voter.objects.filter(pk__in=list(voters.values_list("pk", flat=True)[3:20])).update(status="ms")
    if tps:
        Voter.objects.filter(election=election).update(
            tps_code=Concat(F("kelurahan_code"), Value("001"))
        )
    election_today(day)
    return election


@pytest.fixture
def register(election, dp4_file, election_today):
    return make_register(election, dp4_file, election_today)


def user(username, role, region):
    return get_user_model().objects.create_user(
        username=username, password=None, role=role, region_code=region
    )


def listed(election):
    return Voter.objects.filter(election=election, source__in=["dp4", "coklit"]).exclude(
        status="tms"
    )


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("voters", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- snapshots ---------------------------------------------------------------------------


def test_publish_dps_writes_a_hashed_read_only_snapshot_and_its_audit(register, audit_log):
    snap = publish_list(election=register, kind="dps", actor="test")
    assert (snap.kind, snap.version, snap.region_code) == ("dps", 1, "31")
    assert snap.rows == listed(register).count() == 27  # 30 minus 3 TMS
    parquet, csv_path = snapshot_path(snap), snapshot_path(snap, "csv")
    assert parquet.parent.name == "v1" and parquet.parent.parent.name == "dps"
    assert sha(parquet) == snap.sha256 and sha(csv_path) == snap.csv_sha256
    assert not parquet.stat().st_mode & 0o222 and not csv_path.stat().st_mode & 0o222
    frame = pl.read_parquet(parquet)
    assert frame.height == snap.rows
    assert set(frame.get_column("voter_id")) == set(listed(register).values_list("pk", flat=True))
    assert "tms" not in set(frame.get_column("status"))
    entries = [e for e in audit_log() if e.action == "voters.publish"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.object_id == str(snap.pk)
    assert entry.new["sha256"] == sha(parquet) and entry.new["csv_sha256"] == sha(csv_path)
    assert (entry.new["rows"], entry.new["version"], entry.new["region"]) == (27, 1, "31")
    assert snap.summary["audit_seq"] == entry.seq
    # The recap rows were stored with it; the root reconciles with the row count.
    assert RecapRow.objects.get(snapshot=snap, region_code="31").total == snap.rows


def test_pending_rows_are_in_the_dps_previous_dpt_rows_are_not(register):
    Voter.objects.filter(pk=listed(register).filter(status="ms").first().pk).update(
        source="dpt-lama"
    )
    pending = listed(register).filter(status="pending").count()
    assert pending > 0
    snap = publish_list(election=register, kind="dps", actor="test")
    frame = pl.read_parquet(snapshot_path(snap))
    assert frame.filter(pl.col("status") == "pending").height == pending
    assert "dpt-lama" not in set(frame.get_column("source"))
    assert snap.rows == listed(register).count()
    assert RecapRow.objects.get(snapshot=snap, region_code="31").pending == (
        listed(register).filter(status="pending").count()
    )


def test_a_new_publication_is_version_2_and_version_1_is_untouched(register):
    v1 = publish_list(election=register, kind="dps", actor="test")
    v1_path = snapshot_path(v1)
    v1_bytes = v1_path.read_bytes()
    # A correction: one more voter TMS, then the list again.
    Voter.objects.filter(pk=listed(register).first().pk).update(
        status="tms", tms_code=4, tms_note="surat pindah"
    )
    v2 = publish_list(election=register, kind="dps", actor="test")
    assert (v1.version, v2.version) == (1, 2)
    assert v2.rows == v1.rows - 1
    assert snapshot_path(v2) != v1_path
    assert v1_path.read_bytes() == v1_bytes and sha(v1_path) == v1.sha256
    v1.refresh_from_db()
    assert v1.sha256 == sha(v1_path) and v1.rows == 27
    assert pl.read_parquet(v1_path).height == 27  # the old version stays readable
    assert all(c.ok for c in verify_snapshots(election=register))
    # Another kind counts its own versions.
    assert publish_list(election=register, kind="dpshp", actor="test").version == 1


def test_a_tampered_file_is_detected(register):
    snap = publish_list(election=register, kind="dps", actor="test")
    path = snapshot_path(snap, "csv")
    os.chmod(path, 0o644)
    with open(path, "a") as handle:
        handle.write("9999,1,3171011001,,,,,,,,,,,,,,ms,dp4,\n")
    checks = verify_snapshots()
    assert [c.ok for c in checks] == [False]
    assert "changed" in checks[0].problems[0]
    with pytest.raises(CommandError) as exc:
        run("verify-snapshots")
    assert exc.value.returncode == 1
    assert "do not match" in str(exc.value)


def test_a_changed_audit_hash_or_missing_file_is_detected(register):
    snap = publish_list(election=register, kind="dps", actor="test")
    Snapshot.objects.filter(pk=snap.pk).update(sha256="0" * 64)
    problems = verify_snapshots()[0].problems
    assert any("changed" in p for p in problems)
    assert any("audit entry" in p for p in problems)
    snap2 = publish_list(election=register, kind="dpshp", actor="test")
    os.chmod(snapshot_path(snap2).parent, 0o755)
    snapshot_path(snap2).unlink()
    assert any(
        "missing" in p for c in verify_snapshots() for p in c.problems if c.snapshot_id == snap2.pk
    )


def test_verify_cli_passes_on_untouched_files(register):
    publish_list(election=register, kind="dps", actor="test")
    out, _err = run("verify-snapshots", "--json")
    data = json.loads(out)
    assert (data["checked"], data["failed"]) == (1, 0)


# --- gates, scope, bad input --------------------------------------------------------------


def test_publication_outside_its_stage_is_refused_and_writes_nothing(
    election, dp4_file, election_today, settings
):
    make_register(election, dp4_file, election_today, day="2024-10-01")
    with pytest.raises(StageClosed):
        publish_list(election=election, kind="dps", actor="test")
    assert not Snapshot.objects.exists()
    assert not (Path(settings.DATA_DIR) / "published").exists()
    with pytest.raises(CommandError) as exc:
        run("publish", "dpt")
    assert exc.value.returncode == 3 and "refused" in str(exc.value)


def test_unknown_kind_and_bad_region_are_usage_errors(register):
    with pytest.raises(PublishRefused) as exc:
        publish_list(election=register, kind="dpx", actor="test")
    assert exc.value.code == "unknown_kind"
    with pytest.raises(PublishRefused):
        publish_list(election=register, kind="dps", actor="test", region_code="32")
    for args in (["publish", "dpx"], ["publish", "dps", "--region", "3171011001"]):
        with pytest.raises(CommandError) as cli:
            run(*args)
        assert cli.value.returncode == 2
    assert not Snapshot.objects.exists()


def test_nothing_to_publish(register):
    with pytest.raises(PublishRefused) as exc:
        publish_list(election=register, kind="dps", actor="test", region_code="3172")
    assert exc.value.code == "nothing_to_publish"
    with pytest.raises(CommandError) as cli:
        run("publish", "dps", "--region", "3172")
    assert cli.value.returncode == 1 and "nothing to publish" in str(cli.value)
    assert not Snapshot.objects.exists()


def test_a_dpt_needs_every_voter_on_a_tps(election, dp4_file, election_today, settings):
    make_register(election, dp4_file, election_today, tps=False)
    with pytest.raises(PublishRefused) as exc:
        publish_list(election=election, kind="dpt", actor="test")
    assert exc.value.code == "no_tps"
    assert not Snapshot.objects.exists()
    assert not list((Path(settings.DATA_DIR) / "published").glob("**/*.parquet"))
    # A DPS may still be published: the voters without TPS are a problem counter.
    dps = publish_list(election=election, kind="dps", actor="test")
    assert RecapRow.objects.get(snapshot=dps, region_code="31").no_tps == dps.rows


def test_the_dpt_freezes_the_voters_per_tps(register):
    dpt = publish_list(election=register, kind="dpt", actor="test")
    counts = dpt_tps_counts(election=register)
    expected = {}
    for code in listed(register).values_list("tps_code", flat=True):
        expected[code] = expected.get(code, 0) + 1
    assert counts == expected
    assert sum(counts.values()) == dpt.rows
    # Later changes to the register do not move the frozen counts.
    Voter.objects.filter(election=register).update(status="tms", tms_code=5, tms_note="x")
    assert dpt_tps_counts(election=register) == expected


def test_kpu_kabkota_publishes_its_city_only(register):
    kpu_3171 = user("kpu-3171", Role.KPU_KABKOTA, "3171")
    snap = publish_list(election=register, kind="dps", actor=kpu_3171)
    assert snap.region_code == "3171"  # its own city by default
    assert Path(snap.parquet_file).name == "dps-v1-3171.parquet"
    with pytest.raises(PermissionDenied):
        publish_list(election=register, kind="dps", actor=kpu_3171, region_code="31")
    with pytest.raises(PermissionDenied):
        publish_list(election=register, kind="dps", actor=kpu_3171, region_code="3172")
    pps = user("pps-x", Role.PPS, "3171011001")
    with pytest.raises(PermissionDenied):
        publish_list(election=register, kind="dps", actor=pps, region_code="3171")
    with pytest.raises(CommandError) as cli:
        run("publish", "dps", "--as", "pps-x", "--region", "3171")
    assert cli.value.returncode == 3
    kpu_prov = user("kpu-prov", Role.KPU_PROVINSI, "31")
    assert publish_list(election=register, kind="dps", actor=kpu_prov).region_code == "31"
    assert Snapshot.objects.count() == 2


def test_cli_publish_json(register):
    out, _err = run("publish", "dps", "--json")
    data = json.loads(out)
    snap = Snapshot.objects.get()
    assert data["snapshot"] == snap.pk and data["sha256"] == snap.sha256
    assert (data["version"], data["rows"], data["kind"]) == (1, 27, "dps")
    out, _err = run("publish", "DPS", "--quiet")
    assert "published DPS v2" in out


def test_the_publish_job_runs_the_service(register):
    from pilkada.jobs.models import Job
    from pilkada.jobs.services import run as run_job
    from pilkada.jobs.services import start_job

    kpu = user("kpu-prov", Role.KPU_PROVINSI, "31")
    job = start_job(
        kind="voters.publish",
        actor=kpu,
        params={"election": register.slug, "kind": "dps", "region_code": "31"},
        region_code="31",
    )
    job = run_job(job.pk)
    assert job.status == Job.Status.DONE, job.error
    snap = Snapshot.objects.get()
    assert job.result["snapshot"] == snap.pk and snap.published_by == "kpu-prov"


def test_the_publish_job_needs_the_permission(register):
    from pilkada.jobs.services import start_job

    with pytest.raises(PermissionDenied):
        start_job(
            kind="voters.publish",
            actor=user("pps-y", Role.PPS, "3171011001"),
            params={"election": register.slug, "kind": "dps"},
            region_code="3171011001",
        )


def test_published_on_is_the_election_clock(register):
    snap = publish_list(election=register, kind="dps", actor="test")
    assert snap.published_on == dt.date.fromisoformat(LIST_DAY)


def test_a_failed_publication_leaves_nothing(register, settings, audit_log):
    blocker = Path(settings.DATA_DIR) / "published" / register.slug / "dps"
    blocker.parent.mkdir(parents=True)
    blocker.write_text("not a directory")  # the version directory cannot be made
    with pytest.raises(OSError):
        publish_list(election=register, kind="dps", actor="test")
    assert not Snapshot.objects.exists() and not RecapRow.objects.exists()
    assert not [e for e in audit_log() if e.action == "voters.publish"]
    blocker.unlink()
    assert publish_list(election=register, kind="dps", actor="test").version == 1


def test_an_orphan_version_directory_is_set_aside_not_reused(register, settings):
    orphan = Path(settings.DATA_DIR) / "published" / register.slug / "dps" / "v1"
    orphan.mkdir(parents=True)
    (orphan / "dps-v1-31.parquet").write_text("left by a crash")
    snap = publish_list(election=register, kind="dps", actor="test")
    assert snap.version == 1 and sha(snapshot_path(snap)) == snap.sha256
    aside = [p.name for p in orphan.parent.iterdir() if p.name.startswith("v1.abandoned-")]
    assert len(aside) == 1
    assert (orphan.parent / aside[0] / "dps-v1-31.parquet").read_text() == "left by a crash"

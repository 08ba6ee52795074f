"""TPS formation from the service, the job and the CLI: count = sum of ceil(n/cap) per
kelurahan, every voter's tps_code set, Tps rows created, stable re-runs, scope and window."""

from __future__ import annotations

import datetime as dt
import io
import json
import math

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from pilkada.accounts.roles import Role
from pilkada.jobs.models import Job
from pilkada.jobs.services import run as run_job
from pilkada.regions.models import Tps
from pilkada.schedule.gate import StageClosed
from pilkada.voters.models import Voter
from pilkada.voters.services import import_voter_file
from pilkada.voters.services.tps import (
    TpsFormRefused,
    form_tps_for_election,
    start_tps_form_job,
    tps_max_voters,
)

from .conftest import make_nik_for, person

pytestmark = pytest.mark.django_db

COKLIT_DAY = "2024-07-01"  # inside voters.tps_form (31 May - 23 Sep) and voters.coklit
KEL_A, KEL_B, KEL_C = "3171011001", "3171011002", "3172011001"
CAP = 7  # small TPS, with room to keep the families (1..4 voters) whole


def dotted(code: str) -> str:
    return f"{code[:2]}.{code[2:4]}.{code[4:6]}.{code[6:]}"


def family_rows(*, kelurahan: str, families: int, start: int, rt_every: int = 3) -> list[dict]:
    """``families`` families of 1..4 adults each (sizes cycle), in RTs of ``rt_every``
    families; serials from ``start``."""
    rows, serial = [], start
    for f in range(families):
        nkk = f"{kelurahan[:6]}0101{(start + f) % 10000:06d}"
        for m in range(1 + f % 4):
            serial += 1
            sex = "L" if m % 2 == 0 else "P"
            born = dt.date(1950 + serial % 50, 1 + serial % 12, 1 + serial % 28)
            rows.append(
                person(
                    serial,
                    nkk=nkk,
                    nik=make_nik_for(serial, sex, born),
                    nama=f"WARGA {serial}",
                    jenis_kelamin=sex,
                    tanggal_lahir=born.isoformat(),
                    status_kawin="S",
                    alamat=f"JL. MAWAR NO. {f + 1}",
                    rt=f"{1 + f // rt_every:03d}",
                    rw="001",
                    kode_kelurahan=dotted(kelurahan),
                )
            )
    return rows


def build_register(election, dp4_file, election_today, *, a=12, b=7, c=3) -> dict:
    """Import a register of families in two kelurahan of 3171 and one of 3172, then move
    the clock into coklit. Returns voters per kelurahan."""
    rows = (
        family_rows(kelurahan=KEL_A, families=a, start=1)
        + family_rows(kelurahan=KEL_B, families=b, start=1000)
        + family_rows(kelurahan=KEL_C, families=c, start=2000)
    )
    import_voter_file(election=election, path=dp4_file(rows), kind="dp4")
    election_today(COKLIT_DAY)
    counts: dict[str, int] = {}
    for r in rows:
        code = r["kode_kelurahan"].replace(".", "")
        counts[code] = counts.get(code, 0) + 1
    return counts


def user(username, role, region):
    return get_user_model().objects.create_user(
        username=username, password=None, role=role, region_code=region
    )


@pytest.fixture
def register(election, dp4_file, election_today):
    return build_register(election, dp4_file, election_today)


def tps_codes(election):
    return dict(Voter.objects.filter(election=election).values_list("pk", "tps_code"))


def test_the_cap_is_a_setting(settings):
    assert tps_max_voters() == 600
    settings.PILKADA_TPS_MAX_VOTERS = 300
    assert tps_max_voters() == 300
    settings.PILKADA_TPS_MAX_VOTERS = 0
    with pytest.raises(TpsFormRefused):
        tps_max_voters()


def test_formation_assigns_every_voter_at_the_minimum_count(
    election, register, kpu_dki, audit_log
):
    cap = CAP
    result = form_tps_for_election(election=election, actor=kpu_dki, cap=cap)
    expected = sum(math.ceil(n / cap) for n in register.values())
    assert result.tps == result.tps_minimum == expected
    assert result.voters == sum(register.values())
    assert result.assignments_written == result.voters
    assert result.families_split == 0
    voters = list(Voter.objects.filter(election=election))
    assert all(v.tps_code and v.tps_code.startswith(v.kelurahan_code) for v in voters)
    per_tps: dict[str, list[Voter]] = {}
    for v in voters:
        per_tps.setdefault(v.tps_code, []).append(v)
    assert len(per_tps) == expected
    assert max(len(vs) for vs in per_tps.values()) <= cap
    families = {}
    for v in voters:
        families.setdefault(v.nkk, set()).add(v.tps_code)
    assert all(len(codes) == 1 for codes in families.values())  # no family split
    assert set(Tps.objects.filter(code__in=per_tps).values_list("code", flat=True)) == set(per_tps)
    assert result.tps_created == expected  # none existed before
    entry = [e for e in audit_log() if e.action == "voters.tps_form"][-1]
    assert entry.new["tps"] == expected
    assert entry.new["tps_per_kelurahan"] == {
        k: math.ceil(n / cap) for k, n in sorted(register.items())
    }
    assert entry.new["moved_voters"] == 0


def test_a_rerun_is_stable_and_places_a_new_voter_without_moving_others(election, register):
    first = form_tps_for_election(election=election, actor=None, cap=CAP)
    before = tps_codes(election)
    again = form_tps_for_election(election=election, actor=None, cap=CAP)
    assert again.rerun and again.moved_voters == 0 and again.assignments_written == 0
    assert tps_codes(election) == before
    assert again.tps == first.tps
    # a TMS voter is not formed again and keeps the TPS where coklit found them
    tms = Voter.objects.filter(election=election, kelurahan_code=KEL_A).first()
    Voter.objects.filter(pk=tms.pk).update(status="tms", tms_code=1, tms_note="surat kematian")
    third = form_tps_for_election(election=election, actor=None, cap=CAP)
    assert third.tms_skipped == 1
    assert Voter.objects.get(pk=tms.pk).tps_code == before[tms.pk]
    others = {k: v for k, v in tps_codes(election).items() if k != tms.pk}
    moved = sum(1 for k, v in others.items() if v != before[k])
    assert moved == third.moved_voters


def test_a_kpu_kabkota_forms_its_city_only(election, register):
    kpu_jakpus = user("kpu-3171", Role.KPU_KABKOTA, "3171")
    result = form_tps_for_election(election=election, actor=kpu_jakpus, cap=CAP)
    assert result.region_code == "3171"
    assert result.voters == register[KEL_A] + register[KEL_B]
    assert not Voter.objects.filter(kelurahan_code=KEL_C, tps_code__isnull=False).exists()
    assert not Voter.objects.filter(kelurahan_code=KEL_A, tps_code__isnull=True).exists()
    with pytest.raises(PermissionDenied):
        form_tps_for_election(election=election, actor=kpu_jakpus, region_code="3172")


@pytest.mark.parametrize(
    ("role", "region"), [(Role.PPS, KEL_A), (Role.PANTARLIH, KEL_A + "001"), (Role.BAWASLU, "31")]
)
def test_other_roles_may_not_form_tps(election, register, role, region):
    with pytest.raises((PermissionDenied, TpsFormRefused)):
        form_tps_for_election(election=election, actor=user("x", role, region), cap=CAP)
    assert not Voter.objects.filter(tps_code__isnull=False).exists()


def test_refused_outside_the_window_and_for_a_bad_cap(election, register, election_today):
    with pytest.raises(TpsFormRefused):
        form_tps_for_election(election=election, actor=None, cap=0)
    election_today("2024-10-01")
    with pytest.raises(StageClosed):
        form_tps_for_election(election=election, actor=None, cap=CAP)
    assert not Voter.objects.filter(tps_code__isnull=False).exists()
    assert not Tps.objects.filter(code__startswith=KEL_B).exists()


def test_a_voter_with_an_unknown_kelurahan_is_not_placed(election, dp4_file, election_today):
    rows = family_rows(kelurahan=KEL_A, families=3, start=1)
    rows.append(person(500, kode_kelurahan="31.71.01.1999", nkk="3171010101009999"))
    import_voter_file(election=election, path=dp4_file(rows), kind="dp4")
    election_today(COKLIT_DAY)
    result = form_tps_for_election(election=election, actor=None)
    assert result.unplaced == 1
    assert result.voters == len(rows) - 1
    assert Voter.objects.filter(tps_code__isnull=True).count() == 1


def test_the_job_runs_the_formation_as_the_officer(election, register, kpu_dki, audit_log):
    job = start_tps_form_job(election=election, actor=kpu_dki, cap=CAP)
    assert job.kind == "voters.tps_form" and job.region_code == "31"
    job = run_job(job.pk)
    assert job.status == Job.Status.DONE, job.error
    assert job.result["tps"] == job.result["tps_minimum"]
    assert [e.actor for e in audit_log() if e.action == "voters.tps_form"] == ["kpu-dki"]
    pps = user("pps", Role.PPS, KEL_A)
    with pytest.raises(PermissionDenied):
        start_tps_form_job(election=election, actor=pps)


def run_cli(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("voters", *args, stdout=out, stderr=err)
    return out.getvalue()


def test_cli_prints_the_count_against_the_minimum(election, register, kpu_dki):
    out = run_cli("tps-form", "--cap", str(CAP), "--as", "kpu-dki")
    expected = sum(math.ceil(n / CAP) for n in register.values())
    assert f"{expected} TPS" in out and f"= {expected}" in out
    assert "moved voters" in out and "split families" in out and "split RTs" in out
    data = json.loads(run_cli("tps-form", "--cap", str(CAP), "--json"))
    assert data["tps"] == data["tps_minimum"] == expected
    assert data["moved_voters"] == 0 and data["rerun"] is True
    assert set(data["per_kelurahan"]) == set(register)


def test_cli_exit_codes(election, register, election_today):
    with pytest.raises(CommandError) as bad:
        run_cli("tps-form", "--cap", "0")
    assert bad.value.returncode == 2
    with pytest.raises(CommandError) as bad:
        run_cli("tps-form", "--region", "3273")
    assert bad.value.returncode == 2
    election_today("2024-10-01")
    with pytest.raises(CommandError) as closed:
        run_cli("tps-form")
    assert closed.value.returncode == 3
    assert "Nothing changed" in str(closed.value)


def test_a_demo_seed_may_skip_the_window_but_not_the_permission(election, register, election_today):
    election_today("2024-10-01")
    result = form_tps_for_election(election=election, actor="demo", cap=CAP, check_window=False)
    assert result.voters == sum(register.values())
    pps = user("pps", Role.PPS, KEL_A)
    with pytest.raises(PermissionDenied):
        form_tps_for_election(election=election, actor=pps, check_window=False)


def test_a_large_update_rebuilds_the_indexes_it_dropped(election, register, monkeypatch):
    """The PostgreSQL path for a large share of the table (drop secondary indexes, UPDATE,
    recreate them), forced on this small register; a no-op on SQLite."""
    from django.db import connection

    from pilkada.voters.services import tps as tps_service

    def index_names():
        with connection.cursor() as cursor:
            return {
                i
                for i, c in connection.introspection.get_constraints(
                    cursor, Voter._meta.db_table
                ).items()
                if c["index"] and not c["primary_key"]
            }

    before = index_names()
    monkeypatch.setattr(tps_service, "REBUILD_INDEXES_MIN_ROWS", 1)
    result = form_tps_for_election(election=election, actor=None, cap=CAP)
    assert result.assignments_written == sum(register.values())
    assert index_names() == before and {"voters_elec_kel", "voters_nik"} <= before

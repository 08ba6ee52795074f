"""DPK (daftar pemilih khusus): recorded by KPPS at its TPS on voting day."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied

from pilkada.engine.nik import make_nik
from pilkada.schedule.gate import StageClosed
from pilkada.voters.models import DpkVoter
from pilkada.voters.selectors.moves import dpk_rows, voter_counts_per_tps
from pilkada.voters.services.moves import DpkInput, MoveRefused, record_dpk, register_move

from .moves_support import *  # noqa: F403
from .moves_support import CIDENG, GAMBIR, make_voter

TPS = f"{GAMBIR}001"
VOTING_DAY = "2024-11-27"
BORN = dt.date(1990, 6, 15)


def person(serial=1, **changes) -> DpkInput:
    values = {
        "nik": make_nik(kecamatan_code="317101", birth_date=BORN, sex="P", serial=serial),
        "nama": "dewi  lestari",
        "jenis_kelamin": "P",
        "tanggal_lahir": BORN.isoformat(),
        "alamat": "Jl. Melati 3",
        "alamat_kelurahan": "31.71.01.1001",
        "rt": "004",
        "rw": "001",
    }
    values.update(changes)
    return DpkInput(**values)


@pytest.fixture
def voting_day(moves_election, election_today):
    election_today(VOTING_DAY)
    return moves_election


def test_kpps_records_a_dpk_voter_with_audit(voting_day, users, audit_log):
    row = record_dpk(
        actor=users["kpps_gambir1"], election=voting_day, tps_code=TPS, person=person()
    )
    assert (row.tps_code, row.nama, row.alamat_kelurahan_code) == (TPS, "DEWI LESTARI", GAMBIR)
    assert row.recorded_by == "kpps-gambir1" and row.recorded_on == dt.date(2024, 11, 27)
    (entry,) = [e for e in audit_log() if e.action == "voters.dpk.record"]
    assert entry.object_id == str(row.pk) and entry.new["tps_code"] == TPS
    assert row.nik not in str(entry.new)


def test_outside_voting_day_is_refused(moves_election, users, election_today):
    for day in ("2024-11-26", "2024-11-28"):
        election_today(day)
        with pytest.raises(StageClosed):
            record_dpk(
                actor=users["kpps_gambir1"], election=moves_election, tps_code=TPS,
                person=person(),
            )  # fmt: skip
    assert not DpkVoter.objects.exists()


def test_kpps_of_another_tps_and_other_roles_are_refused(voting_day, users):
    for actor in (users["kpps_cideng1"], users["pps_gambir"], users["pantarlih"]):
        with pytest.raises(PermissionDenied):
            record_dpk(actor=actor, election=voting_day, tps_code=TPS, person=person())
    assert not DpkVoter.objects.exists()


def test_on_the_dpt_goes_to_their_tps(voting_day):
    voter = make_voter(voting_day, tps_code=f"{GAMBIR}002", tanggal_lahir=BORN,
                       jenis_kelamin="P")  # fmt: skip
    with pytest.raises(MoveRefused) as info:
        record_dpk(actor=None, election=voting_day, tps_code=TPS, person=person(nik=voter.nik))
    assert info.value.code == "on_dpt" and f"{GAMBIR}002" in info.value.message


def test_on_the_dptb_goes_to_the_destination(moves_election, election_today):
    voter = make_voter(moves_election, tps_code=f"{CIDENG}001", tanggal_lahir=BORN,
                       jenis_kelamin="P")  # fmt: skip
    register_move(
        actor=None, election=moves_election, nik=voter.nik, reason="tugas",
        destination_kelurahan=GAMBIR, destination_tps=f"{GAMBIR}002", form_a_number="A-1",
    )  # fmt: skip
    election_today(VOTING_DAY)
    with pytest.raises(MoveRefused) as info:
        record_dpk(actor=None, election=moves_election, tps_code=TPS, person=person(nik=voter.nik))
    assert info.value.code == "on_dptb" and f"{GAMBIR}002" in info.value.message


def test_tms_voter_may_be_recorded(voting_day):
    """Someone marked TMS (e.g. pindah domisili) is not on the DPT: the DPK is for them."""
    voter = make_voter(voting_day, tps_code=f"{CIDENG}001", tanggal_lahir=BORN,
                       jenis_kelamin="P", status="tms", tms_code=4)  # fmt: skip
    assert record_dpk(actor=None, election=voting_day, tps_code=TPS, person=person(nik=voter.nik))


def test_twice_anywhere_is_refused(voting_day, users):
    record_dpk(actor=None, election=voting_day, tps_code=TPS, person=person())
    with pytest.raises(MoveRefused) as info:
        record_dpk(actor=None, election=voting_day, tps_code=f"{GAMBIR}002", person=person(
            alamat_kelurahan=GAMBIR))  # fmt: skip
    assert info.value.code == "dpk_twice" and TPS in info.value.message
    assert DpkVoter.objects.count() == 1


def test_under_age_is_refused_unless_married(voting_day):
    young = dt.date(2007, 11, 28)  # 16 on 27 Nov 2024, 17 the next day
    nik = make_nik(kecamatan_code="317101", birth_date=young, sex="P", serial=5)
    with pytest.raises(MoveRefused) as info:
        record_dpk(actor=None, election=voting_day, tps_code=TPS,
                   person=person(nik=nik, tanggal_lahir=young.isoformat()))  # fmt: skip
    assert info.value.code == "under_age" and "27 November 2024" in info.value.message
    row = record_dpk(
        actor=None,
        election=voting_day,
        tps_code=TPS,
        person=person(nik=nik, tanggal_lahir=young.isoformat(), status_kawin="S"),
    )
    assert row.status_kawin == "S"
    just17 = dt.date(2007, 11, 27)
    nik17 = make_nik(kecamatan_code="317101", birth_date=just17, sex="P", serial=6)
    assert record_dpk(
        actor=None,
        election=voting_day,
        tps_code=TPS,
        person=person(nik=nik17, tanggal_lahir=just17.isoformat()),
    )


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"alamat_kelurahan": CIDENG}, "wrong_kelurahan"),
        ({"alamat_kelurahan": ""}, "wrong_kelurahan"),
        ({"nik": "317101550690000"}, "invalid_nik"),
        ({"nik": "3171015506900000"}, "invalid_nik"),
        ({"nik": "9971015506900001"}, "invalid_nik"),
        ({"nik": "31710155069O0001"}, "invalid_nik"),
        ({"jenis_kelamin": "L"}, "nik_sex_mismatch"),
        ({"jenis_kelamin": "X"}, "invalid_sex"),
        ({"tanggal_lahir": "1990-06-16"}, "nik_date_mismatch"),
        ({"tanggal_lahir": "15-06-1990x"}, "invalid_birth_date"),
        ({"nama": "   "}, "invalid_name"),
        ({"alamat": ""}, "invalid_address"),
        ({"status_kawin": "Z"}, "invalid_status_kawin"),
    ],
)
def test_bad_input_is_refused(voting_day, audit_log, changes, code):
    with pytest.raises(MoveRefused) as info:
        record_dpk(actor=None, election=voting_day, tps_code=TPS, person=person(**changes))
    assert info.value.code == code and info.value.message
    assert not DpkVoter.objects.exists() and audit_log() == []


@pytest.mark.parametrize(("tps", "code"), [("31710110010", "invalid_tps"),
                                           (f"{GAMBIR}077", "unknown_tps")])  # fmt: skip
def test_bad_tps(voting_day, tps, code):
    with pytest.raises(MoveRefused) as info:
        record_dpk(actor=None, election=voting_day, tps_code=tps, person=person())
    assert info.value.code == code


def test_dpk_list_masked_and_counts(voting_day, users):
    make_voter(voting_day, tps_code=TPS)
    record_dpk(actor=users["kpps_gambir1"], election=voting_day, tps_code=TPS, person=person(1))
    record_dpk(actor=users["kpps_gambir1"], election=voting_day, tps_code=TPS, person=person(2))
    rows = dpk_rows(actor=users["kpps_gambir1"], election=voting_day, tps_code=TPS)
    assert [r["nama"] for r in rows] == ["D**I L*****I"] * 2
    assert rows[0]["nik"].startswith("317101") and "*" in rows[0]["nik"]
    with pytest.raises(PermissionDenied):
        dpk_rows(actor=users["kpps_cideng1"], election=voting_day, tps_code=TPS)
    (count,) = voter_counts_per_tps(election=voting_day, region_code=TPS)
    assert (count.dpt, count.dpk, count.voters_here) == (1, 2, 3)

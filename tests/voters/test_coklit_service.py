"""Coklit marks through the services: each rule and each bad input, the scope of the
Pantarlih and the PPS, the window, history, flags and the progress counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from pilkada.accounts.roles import Role
from pilkada.engine.nik import make_nik
from pilkada.regions.models import Tps
from pilkada.schedule.gate import StageClosed
from pilkada.voters.models import CoklitRecord, RegionVoterCount, Voter
from pilkada.voters.selectors.coklit import coklit_progress, progress_counts, tps_area
from pilkada.voters.services import coklit
from pilkada.voters.services.coklit import CoklitRefused
from pilkada.voters.services.tps import form_tps_for_election

from .test_tps_service import CAP, KEL_A, KEL_B, build_register

pytestmark = pytest.mark.django_db


def make_user(username, role, region):
    return get_user_model().objects.create_user(
        username=username, password=None, role=role, region_code=region
    )


@pytest.fixture
def formed(election, dp4_file, election_today):
    build_register(election, dp4_file, election_today)
    form_tps_for_election(election=election, actor=None, cap=CAP)
    return election


@pytest.fixture
def tps_a(formed):
    return Voter.objects.filter(kelurahan_code=KEL_A).order_by("tps_code").first().tps_code


@pytest.fixture
def pantarlih(tps_a):
    return make_user("pantarlih-a", Role.PANTARLIH, tps_a)


@pytest.fixture
def voter(tps_a):
    return Voter.objects.filter(tps_code=tps_a).order_by("pk").first()


def other_tps_voter(tps_code):
    return Voter.objects.filter(kelurahan_code=KEL_A).exclude(tps_code=tps_code).first()


def new_nik(serial=9001, born=dt.date(1990, 5, 17), sex="L"):
    return make_nik(kecamatan_code="317101", birth_date=born, sex=sex, serial=serial)


def snapshot(voter):
    v = Voter.objects.get(pk=voter.pk)
    return (v.status, v.tms_code, v.tms_note, v.alamat, v.nik, v.tps_code)


# --- MS / TMS -------------------------------------------------------------------------------


def test_ms_is_recorded_with_its_audit_entry(voter, pantarlih, audit_log):
    coklit.mark_ms(voter=voter, actor=pantarlih)
    v = Voter.objects.get(pk=voter.pk)
    assert v.status == "ms" and v.tms_code is None
    record = CoklitRecord.objects.get(voter=v)
    assert record.kind == "ms" and record.tps_code == v.tps_code and record.actor == "pantarlih-a"
    assert record.old["status"] == "pending" and record.new["status"] == "ms"
    entry = audit_log()[-1]
    assert entry.action == "voters.coklit.ms" and entry.object_id == str(v.pk)
    assert entry.old["status"] == "pending" and entry.new["status"] == "ms"


def test_tms_meninggal_with_a_note(voter, pantarlih, audit_log):
    coklit.mark_tms(voter=voter, actor=pantarlih, tms_code="1", note="surat kematian dari RT")
    v = Voter.objects.get(pk=voter.pk)
    assert (v.status, v.tms_code, v.tms_note) == ("tms", 1, "surat kematian dari RT")
    assert audit_log()[-1].new["tms_code"] == 1


@pytest.mark.parametrize("note", ["", "   ", "ok"])
def test_tms_without_a_note_is_refused(voter, pantarlih, audit_log, note):
    before = snapshot(voter)
    with pytest.raises(CoklitRefused) as refused:
        coklit.mark_tms(voter=voter, actor=pantarlih, tms_code=1, note=note)
    assert refused.value.code == "note_required"
    assert snapshot(voter) == before
    assert not CoklitRecord.objects.exists() and audit_log() == []


@pytest.mark.parametrize("code", ["0", "9", "x", "", None])
def test_unknown_tms_code_is_refused(voter, pantarlih, code):
    with pytest.raises(CoklitRefused) as refused:
        coklit.mark_tms(voter=voter, actor=pantarlih, tms_code=code, note="bukti ada")
    assert refused.value.code == "unknown_tms_code"
    assert Voter.objects.get(pk=voter.pk).status == "pending"


def test_every_tms_code_has_its_evidence_hint():
    for code in Voter.TmsCode.values:
        assert coklit.tms_evidence(code)
    assert "kematian" in coklit.tms_evidence(1)


def test_marks_outside_the_coklit_window_are_refused(voter, pantarlih, election_today):
    election_today("2024-07-25")  # coklit closed on 24 July
    before = snapshot(voter)
    with pytest.raises(StageClosed):
        coklit.mark_ms(voter=voter, actor=pantarlih)
    with pytest.raises(StageClosed):
        coklit.change_data(voter=voter, actor=pantarlih, changes={"alamat": "JL. BARU 1"})
    assert snapshot(voter) == before and not CoklitRecord.objects.exists()


def test_a_pantarlih_may_not_mark_another_tps(tps_a, pantarlih):
    other = other_tps_voter(tps_a)
    with pytest.raises(PermissionDenied):
        coklit.mark_ms(voter=other, actor=pantarlih)
    with pytest.raises(PermissionDenied):
        tps_area(user=pantarlih, election=other.election, tps_code=other.tps_code)
    assert Voter.objects.get(pk=other.pk).status == "pending"


def test_a_pps_acts_for_any_tps_of_its_kelurahan_only(formed, tps_a):
    pps_a = make_user("pps-a", Role.PPS, KEL_A)
    pps_b = make_user("pps-b", Role.PPS, KEL_B)
    other = other_tps_voter(tps_a)
    coklit.mark_ms(voter=other, actor=pps_a)
    assert Voter.objects.get(pk=other.pk).status == "ms"
    with pytest.raises(PermissionDenied):
        coklit.mark_ms(voter=other, actor=pps_b)
    for role in (Role.KPU_KABKOTA, Role.BAWASLU, Role.KPPS):
        region = "3171" if role != Role.KPPS else other.tps_code
        with pytest.raises(PermissionDenied):
            coklit.mark_ms(voter=other, actor=make_user(f"u-{role}", role, region))


def test_remarking_keeps_history_and_the_latest_wins(voter, pantarlih):
    coklit.mark_ms(voter=voter, actor=pantarlih)
    coklit.mark_tms(voter=voter, actor=pantarlih, tms_code=5, note="tidak dikenal RT 001")
    coklit.mark_ms(voter=voter, actor=pantarlih)
    v = Voter.objects.get(pk=voter.pk)
    assert (v.status, v.tms_code, v.tms_note) == ("ms", None, "")
    records = CoklitRecord.objects.filter(voter=v).order_by("pk")
    kinds = list(records.values_list("kind", "tms_code"))
    assert kinds == [("ms", None), ("tms", 5), ("ms", None)]


def test_ms_needs_age_and_tms_3_needs_under_age(voter, pantarlih):
    with pytest.raises(CoklitRefused) as refused:
        coklit.mark_tms(voter=voter, actor=pantarlih, tms_code=3, note="masih sekolah")
    assert refused.value.code == "not_under_age"
    Voter.objects.filter(pk=voter.pk).update(tanggal_lahir=dt.date(2010, 1, 1), status_kawin="B")
    with pytest.raises(CoklitRefused) as refused:
        coklit.mark_ms(voter=voter, actor=pantarlih)
    assert refused.value.code == "under_age"
    coklit.mark_tms(voter=voter, actor=pantarlih, tms_code=3, note="akta kelahiran 2010")
    assert Voter.objects.get(pk=voter.pk).tms_code == 3


# --- changed data ---------------------------------------------------------------------------


def test_changed_address_keeps_old_and_new(voter, pantarlih, audit_log):
    old = voter.alamat
    changes = {"alamat": "jl. melati no. 9", "rt": "4"}
    coklit.change_data(voter=voter, actor=pantarlih, changes=changes)
    v = Voter.objects.get(pk=voter.pk)
    assert (v.alamat, v.rt) == ("JL. MELATI NO. 9", "004")
    record = CoklitRecord.objects.get(voter=v, kind="change")
    assert record.old["alamat"] == old and record.new["alamat"] == "JL. MELATI NO. 9"
    assert audit_log()[-1].action == "voters.coklit.change"
    assert v.status == "pending"  # a correction is not a mark


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({}, "no_change"),
        ({"nik": "3171"}, "invalid_nik"),
        ({"nik": "3171019999990000"}, "invalid_nik"),
        ({"nkk": "abc"}, "invalid_nkk"),
        ({"tanggal_lahir": "2030-01-01"}, "invalid_date"),
        ({"tanggal_lahir": "31-02-1990"}, "invalid_date"),
        ({"jenis_kelamin": "X"}, "invalid_sex"),
        ({"status_kawin": "K"}, "invalid_marital"),
        ({"rt": "12a"}, "invalid_rt_rw"),
        ({"disabilitas": "9"}, "invalid_disab"),
        ({"ktp_el": "mungkin"}, "invalid_ktp_el"),
        ({"nama": "  "}, "invalid_nama"),
        ({"kelurahan_code": KEL_B}, "unknown_field"),
    ],
)
def test_bad_changes_are_refused(voter, pantarlih, changes, code):
    before = snapshot(voter)
    with pytest.raises(CoklitRefused) as refused:
        coklit.change_data(voter=voter, actor=pantarlih, changes=changes)
    assert refused.value.code == code
    assert snapshot(voter) == before and not CoklitRecord.objects.exists()


def test_same_values_are_no_change(voter, pantarlih):
    with pytest.raises(CoklitRefused) as refused:
        coklit.change_data(voter=voter, actor=pantarlih, changes={"nama": voter.nama.lower()})
    assert refused.value.code == "no_change"


def test_a_nik_already_in_the_register_is_refused(voter, pantarlih):
    other = Voter.objects.exclude(pk=voter.pk).first()
    with pytest.raises(CoklitRefused) as refused:
        coklit.change_data(voter=voter, actor=pantarlih, changes={"nik": other.nik})
    assert refused.value.code == "duplicate_nik"


def test_correcting_a_flagged_nik_clears_its_flag(voter, pantarlih):
    flag = "nik_scientific_notation"
    Voter.objects.filter(pk=voter.pk).update(nik="3.17101E+15", quality_flags=flag)
    area = tps_area(user=pantarlih, election=voter.election, tps_code=voter.tps_code)
    first = area.families[0]
    assert first.flagged and first.voters[0].pk == voter.pk  # flagged rows come first
    assert first.voters[0].flag_hints[0][0] == "nik_scientific_notation"
    nik = make_nik(kecamatan_code="317101", birth_date=voter.tanggal_lahir,
                   sex=voter.jenis_kelamin, serial=7777)  # fmt: skip
    coklit.change_data(voter=voter, actor=pantarlih, changes={"nik": nik})
    v = Voter.objects.get(pk=voter.pk)
    assert v.nik == nik and v.quality_flags == ""


def test_a_birth_date_that_disagrees_with_the_nik_is_flagged(voter, pantarlih):
    coklit.change_data(voter=voter, actor=pantarlih, changes={"tanggal_lahir": "1961-03-03"})
    assert "nik_birth_mismatch" in Voter.objects.get(pk=voter.pk).flags


def test_an_ms_voter_made_under_age_goes_back_to_pending(voter, pantarlih):
    coklit.mark_ms(voter=voter, actor=pantarlih)
    coklit.change_data(
        voter=voter, actor=pantarlih, changes={"tanggal_lahir": "2010-01-01", "status_kawin": "B"}
    )
    assert Voter.objects.get(pk=voter.pk).status == "pending"


def test_salah_penempatan_tps_moves_the_voter(voter, pantarlih, formed):
    target = Voter.objects.filter(kelurahan_code=KEL_B).first().tps_code
    before_a = RegionVoterCount.objects.get(election=formed, region_code=KEL_A).total
    coklit.move_voter(voter=voter, actor=pantarlih, tps_code=target, note="tinggal di RW 3")
    v = Voter.objects.get(pk=voter.pk)
    assert (v.kelurahan_code, v.tps_code) == (KEL_B, target)
    record = CoklitRecord.objects.get(voter=v, kind="move")
    assert record.tps_code == voter.tps_code and record.tms_code == 8
    assert RegionVoterCount.objects.get(election=formed, region_code=KEL_A).total == before_a - 1
    # now outside this Pantarlih's area
    with pytest.raises(PermissionDenied):
        coklit.mark_ms(voter=v, actor=pantarlih)


@pytest.mark.parametrize("target", ["123", "3172011001999", "3273011001001"])
def test_a_move_to_an_unknown_tps_is_refused(voter, pantarlih, target):
    with pytest.raises(CoklitRefused):
        coklit.move_voter(voter=voter, actor=pantarlih, tps_code=target)
    assert Voter.objects.get(pk=voter.pk).tps_code == voter.tps_code


def test_correct_is_all_or_nothing(voter, pantarlih):
    with pytest.raises(CoklitRefused):
        coklit.correct(
            voter=voter, actor=pantarlih, changes={"alamat": "JL. BARU"}, tps_code="3172011001999"
        )
    assert Voter.objects.get(pk=voter.pk).alamat == voter.alamat
    assert not CoklitRecord.objects.exists()


# --- new voters -----------------------------------------------------------------------------


def add(voter, actor, **kw):
    data = {
        "election": voter.election, "actor": actor, "tps_code": voter.tps_code,
        "nkk": voter.nkk, "nik": new_nik(), "nama": "anak baru", "status_kawin": "B",
    }  # fmt: skip
    data.update(kw)
    return coklit.add_new_voter(**data)


def test_a_new_voter_joins_a_listed_family(voter, pantarlih, audit_log, formed):
    before = RegionVoterCount.objects.get(election=formed, region_code=KEL_A).total
    new = add(voter, pantarlih)
    assert new.source == "coklit" and new.status == "ms" and new.tps_code == voter.tps_code
    assert (new.nkk, new.alamat, new.rt, new.rw) == (voter.nkk, voter.alamat, voter.rt, voter.rw)
    assert new.tanggal_lahir == dt.date(1990, 5, 17) and new.jenis_kelamin == "L"  # from the NIK
    assert new.nama == "ANAK BARU"
    assert CoklitRecord.objects.get(voter=new).kind == "new"
    assert audit_log()[-1].action == "voters.coklit.new"
    assert RegionVoterCount.objects.get(election=formed, region_code=KEL_A).total == before + 1


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"nik": new_nik(born=dt.date(2008, 1, 1))}, "under_age"),
        ({"nik": "31710112345"}, "invalid_nik"),
        ({"nik": "9971011705900001"}, "invalid_nik"),
        ({"nkk": "3171010101999999"}, "unknown_family"),
        ({"tanggal_lahir": "1990-05-18"}, "nik_birth_mismatch"),
        ({"jenis_kelamin": "P"}, "nik_sex_mismatch"),
        ({"nama": ""}, "invalid_nama"),
    ],
)
def test_bad_new_voters_are_refused(voter, pantarlih, changes, code):
    count = Voter.objects.count()
    with pytest.raises(CoklitRefused) as refused:
        add(voter, pantarlih, **changes)
    assert refused.value.code == code
    assert Voter.objects.count() == count and not CoklitRecord.objects.exists()


def test_an_under_age_new_voter_who_is_married_is_accepted(voter, pantarlih):
    new = add(voter, pantarlih, nik=new_nik(born=dt.date(2008, 1, 1)), status_kawin="S")
    assert new.status == "ms"


def test_a_new_voter_whose_nik_is_already_listed_is_refused(voter, pantarlih):
    with pytest.raises(CoklitRefused) as refused:
        add(voter, pantarlih, nik=voter.nik)
    assert refused.value.code == "duplicate_nik"
    add(voter, pantarlih)
    with pytest.raises(CoklitRefused) as again:
        add(voter, pantarlih)
    assert again.value.code == "duplicate_nik"


def test_a_new_voter_at_another_tps_is_refused(voter, pantarlih):
    other = other_tps_voter(voter.tps_code)
    with pytest.raises(PermissionDenied):
        add(other, pantarlih)


# --- progress -------------------------------------------------------------------------------


def test_progress_counts_per_tps_in_one_query(voter, pantarlih, django_assert_num_queries):
    tps = voter.tps_code
    members = list(Voter.objects.filter(tps_code=tps).order_by("pk"))
    coklit.mark_ms(voter=members[0], actor=pantarlih)
    coklit.mark_tms(voter=members[1], actor=pantarlih, tms_code=1, note="surat kematian")
    coklit.change_data(voter=members[2], actor=pantarlih, changes={"alamat": "JL. BARU 2"})
    add(voter, pantarlih)
    with django_assert_num_queries(1):
        (row,) = progress_counts(election=voter.election, region_code=tps)
    assert (row.total, row.ms, row.tms, row.changed, row.new) == (len(members) + 1, 2, 1, 1, 1)
    assert row.pending == len(members) - 2 and row.tms_by_code == {1: 1}
    kel = {r.code: r for r in progress_counts(election=voter.election, region_code=KEL_A)}
    assert kel[tps].ms == 2 and sum(r.total for r in kel.values()) == Voter.objects.filter(
        kelurahan_code=KEL_A
    ).count()
    prov = progress_counts(election=voter.election, region_code="31")
    assert {r.code for r in prov} == {"3171", "3172"}
    assert sum(r.ms for r in prov) == 2


def test_progress_is_scoped(formed, pantarlih, tps_a):
    pps = make_user("pps-a", Role.PPS, KEL_A)
    page = coklit_progress(user=pps, election=formed)
    assert page.region_code == KEL_A and all(r.code.startswith(KEL_A) for r in page.rows)
    with pytest.raises(PermissionDenied):
        coklit_progress(user=pps, election=formed, region_code=KEL_B)
    own = coklit_progress(user=pantarlih, election=formed)
    assert [r.code for r in own.rows] == [tps_a]
    with pytest.raises(PermissionDenied):
        coklit_progress(user=pantarlih, election=formed, region_code=KEL_A)
    kpu = make_user("kpu-3171", Role.KPU_KABKOTA, "3171")
    assert {r.code for r in coklit_progress(user=kpu, election=formed).rows} == {"317101"}
    lo = make_user("lo", Role.LO, "31")
    with pytest.raises(PermissionDenied):
        coklit_progress(user=lo, election=formed)
    assert Tps.objects.filter(code=tps_a).exists()

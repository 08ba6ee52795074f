"""The eligibility checks through the service, on the real database: every reason code at its
edges, what counts as a listed supporter, the outcome written back with its audit entry, who
may run the checks where (tests try to cross the scope) and the stage window."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from pilkada.adhoc.models import Application, Member
from pilkada.adhoc.services.eligibility import run_checks
from pilkada.schedule.gate import StageClosed

from .applications_support import listed_supporter, party_list, register_row, seat
from .conftest import KECAMATAN, KELURAHAN, applicant_nik

TPS = KELURAHAN + "001"
OTHER_KEL = "3171011002"


def applied_on(application, day: dt.date):
    """Set the day of application (the form stamps the real clock)."""
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(10, 0)))
    Application.objects.filter(pk=application.pk).update(submitted_at=at)


def test_the_age_counts_on_the_election_clock_day_of_application(
    election, make_application, kpu_dki
):
    """The form records the day on the election's clock (``submitted_on``, a simulation's
    PILKADA_TODAY included); only a row without it falls back to the time stamp's day."""
    born = dt.date(2007, 5, 16)  # 17 on 16 May 2024, long before today's real date
    on_clock = make_application("kpps", TPS, tanggal_lahir=born, submitted_on=dt.date(2024, 5, 15))
    by_stamp = make_application("kpps", TPS, tanggal_lahir=born)
    applied_on(by_stamp, dt.date(2024, 5, 16))
    run_checks(election=election, actor=kpu_dki)
    assert outcome(on_clock)[:2] == ("ineligible", ["under_age"])
    assert outcome(by_stamp)[:2] == ("eligible", [])


def outcome(application):
    application.refresh_from_db()
    return application.eligibility, application.reasons, application.warnings


@pytest.mark.django_db
def test_every_reason_and_the_valid_case(election, make_application, kpu_dki, audit_log):
    day = dt.date(2024, 5, 15)
    born_17 = dt.date(2007, 5, 15)  # 17 on the day of application
    born_16 = dt.date(2007, 5, 16)  # 17 the day after
    a = {
        "valid": make_application("pps"),
        "age_17": make_application("kpps", TPS, tanggal_lahir=born_17),
        "under_age": make_application("kpps", TPS, tanggal_lahir=born_16),
        "age_55": make_application("kpps", TPS, tanggal_lahir=dt.date(1968, 5, 16)),
        "over_age": make_application("kpps", TPS, tanggal_lahir=dt.date(1968, 5, 15)),
        "ppk_age_70": make_application("ppk", KECAMATAN, tanggal_lahir=dt.date(1954, 1, 1)),
        "domicile": make_application("pps", domicile_code=OTHER_KEL),
        "ppk_domicile_ok": make_application("ppk", KECAMATAN, domicile_code=OTHER_KEL),
        "tps_domicile": make_application("pantarlih", TPS, domicile_code=OTHER_KEL),
        "education": make_application("pps", education="smp"),
        "education_d3": make_application("pps", education="d3"),
        "party": make_application("pps"),
        "supporter": make_application("pps"),
        "health": make_application("pps", health_statement=False),
        "statement": make_application("pps", party_statement=False),
        "nik_invalid": make_application("pps", nik="3171010000000000"),
    }
    for app in a.values():
        applied_on(app, day)
    for app in a.values():
        if app is not a["nik_invalid"]:
            register_row(election, app)
    party_list(election, [a["party"].nik])
    listed_supporter(election, a["supporter"].nik, vermin_status="tms")

    result = run_checks(election=election, actor=kpu_dki)

    want = {
        "valid": [], "age_17": [], "under_age": ["under_age"], "age_55": [],
        "over_age": ["over_age"], "ppk_age_70": [], "domicile": ["domicile_outside_area"],
        "ppk_domicile_ok": [], "tps_domicile": ["domicile_outside_area"],
        "education": ["education_below_minimum"], "education_d3": [],
        "party": ["party_member"], "supporter": ["supporter_listed"],
        "health": ["health_statement_missing"], "statement": ["party_statement_missing"],
        "nik_invalid": ["nik_invalid"],
    }  # fmt: skip
    for name, app in a.items():
        eligibility, reasons, _ = outcome(app)
        assert reasons == want[name], name
        assert eligibility == ("ineligible" if want[name] else "eligible"), name
        assert app.eligibility_checked_at is not None
    # The register row is recorded; a NIK nobody holds is a warning.
    assert a["valid"].register_voter_id is not None
    assert outcome(a["nik_invalid"])[2] == ["not_in_register"]
    # Domicile differs from the register's kelurahan: a warning beside the reason.
    assert outcome(a["domicile"])[2] == []  # register_row copies the form's kelurahan
    assert result.applications == len(a)
    assert result.by_eligibility == {"eligible": 6, "ineligible": 10}
    entry = [e for e in audit_log() if e.action == "adhoc.check"][-1]
    assert entry.new["by_reason"]["over_age"] == 1
    assert entry.new["by_eligibility"] == {"eligible": 6, "ineligible": 10}


@pytest.mark.django_db
def test_the_day_of_application_is_the_local_day(election, make_application, kpu_dki):
    """01:00 WIB on 15 May is 18:00 UTC on 14 May: the local day counts."""
    app = make_application("kpps", TPS, tanggal_lahir=dt.date(2007, 5, 15))
    at = timezone.make_aware(dt.datetime(2024, 5, 15, 1, 0))
    Application.objects.filter(pk=app.pk).update(submitted_at=at)
    day_before = make_application("kpps", TPS, tanggal_lahir=dt.date(2007, 5, 15))
    at = timezone.make_aware(dt.datetime(2024, 5, 14, 23, 59))
    Application.objects.filter(pk=day_before.pk).update(submitted_at=at)
    run_checks(election=election, actor=kpu_dki)
    assert outcome(app)[1] == []
    assert outcome(day_before)[1] == ["under_age"]


@pytest.mark.django_db
def test_what_counts_as_a_listed_supporter(election, make_application, kpu_dki):
    kinds = ("listed", "objected", "denied", "batch_withdrawn", "pair_withdrawn", "held")
    apps = {k: make_application("pps") for k in kinds}
    listed_supporter(election, apps["listed"].nik)
    listed_supporter(election, apps["objected"].nik, objected=True, vermin_status="ms")
    listed_supporter(election, apps["denied"].nik, denied=True)
    listed_supporter(election, apps["batch_withdrawn"].nik, batch_withdrawn=True)
    listed_supporter(election, apps["pair_withdrawn"].nik, pair_withdrawn=True)
    listed_supporter(election, apps["held"].nik, vermin_status="held")
    run_checks(election=election, actor=kpu_dki)
    got = {k: outcome(v)[1] for k, v in apps.items()}
    assert got == {
        "listed": ["supporter_listed"], "objected": [], "denied": [], "batch_withdrawn": [],
        "pair_withdrawn": [], "held": ["supporter_listed"],
    }  # fmt: skip


@pytest.mark.django_db
def test_party_list_of_another_category_does_not_count(election, make_application, kpu_dki):
    from pilkada.candidacy.models import NikList

    app = make_application("pps")
    party_list(election, [app.nik], category=NikList.Category.ASN)
    run_checks(election=election, actor=kpu_dki)
    assert outcome(app)[1] == []


@pytest.mark.django_db
def test_seated_elsewhere_and_marriage_tie(election, make_application, kpu_dki):
    nkk = "3171010101017777"
    pps_member = seat(make_application("pps", nkk=nkk, status_kawin="S", jenis_kelamin="L"))
    again = make_application("kpps", TPS, nik=pps_member.application.nik)
    spouse_seated = seat(make_application("kpps", TPS, nkk=nkk, status_kawin="S"))
    spouse = make_application("kpps", TPS, nkk=nkk, status_kawin="S", nik=applicant_nik(sex="L"))
    other_tps = make_application("kpps", KELURAHAN + "002", nkk=nkk, status_kawin="S")
    # An ended member ties nobody and sits nowhere.
    ended = seat(make_application("pantarlih", TPS, nkk=nkk, status_kawin="S"),
                 state=Member.State.ENDED)  # fmt: skip
    again_after_end = make_application("kpps", KELURAHAN + "003", nik=ended.application.nik)
    pantarlih = make_application("pantarlih", TPS, nkk=nkk, status_kawin="S")
    run_checks(election=election, actor=kpu_dki)
    assert outcome(again)[1] == ["seated_elsewhere"]
    # pps_member and the KPPS spouse are married with the same NKK but sit in other bodies.
    assert outcome(spouse)[1] == ["marriage_tie"]
    assert outcome(other_tps)[1] == []
    assert outcome(again_after_end)[1] == []
    assert outcome(pantarlih)[1] == []
    # Seated applications are not ineligible by their own seat.
    assert outcome(spouse_seated.application)[1] == []
    assert outcome(pps_member.application)[1] == []


@pytest.mark.django_db
def test_the_register_warnings(election, make_application, kpu_dki):
    same = make_application("pps")
    register_row(election, same)
    differs = make_application("pps")
    register_row(election, differs, tanggal_lahir=dt.date(1991, 1, 1))
    moved = make_application("pps")
    register_row(election, moved, status="tms", tms_code=4)
    run_checks(election=election, actor=kpu_dki)
    assert outcome(same) == ("eligible", [], [])
    assert outcome(differs) == ("eligible", [], ["register_data_differs"])
    assert outcome(moved) == ("eligible", [], ["not_in_register"])


@pytest.mark.django_db
def test_a_pps_checks_only_its_kelurahan_kpps_and_pantarlih(
    election, make_application, pps_gambir, audit_log
):
    kpps = make_application("kpps", TPS, education="sd")
    pantarlih = make_application("pantarlih", TPS)
    pps = make_application("pps", education="sd")
    elsewhere = make_application("kpps", OTHER_KEL + "001", domicile_code=OTHER_KEL,
                                 education="sd")  # fmt: skip
    result = run_checks(election=election, actor=pps_gambir)
    assert result.bodies == ["kpps", "pantarlih"]
    assert result.region_prefix == KELURAHAN
    assert outcome(kpps)[0] == "ineligible"
    assert outcome(pantarlih)[0] == "eligible"
    assert outcome(pps)[0] == "pending"
    assert outcome(elsewhere)[0] == "pending"
    assert audit_log()[-1].new["applications"] == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("who", "kwargs"),
    [
        ("pps_gambir", {"body": "pps"}),  # KPU checks the PPS
        ("pps_gambir", {"region_prefix": "3171011002"}),  # another kelurahan
        ("pps_gambir", {"region_prefix": KECAMATAN}),  # above its own
        ("kpu_jaksel", {"region_prefix": "3171"}),  # another city
        ("ppk_gambir", {}),  # a PPK reads, does not check
        ("bawaslu_dki", {}),  # Bawaslu reads only
    ],
)
def test_crossing_the_scope_is_refused(election, make_application, who, kwargs, request):
    app = make_application("kpps", TPS)
    actor = request.getfixturevalue(who)
    with pytest.raises(PermissionDenied):
        run_checks(election=election, actor=actor, **kwargs)
    assert outcome(app)[0] == "pending"


@pytest.mark.django_db
def test_outside_the_stage_window(election, make_application, kpu_dki, election_today):
    app = make_application("pps")
    election_today("2024-11-20")
    with pytest.raises(StageClosed):
        run_checks(election=election, actor=kpu_dki)
    assert outcome(app)[0] == "pending"


@pytest.mark.django_db
def test_checks_again_replace_the_outcome(election, make_application, kpu_dki):
    app = make_application("pps", education="smp")
    run_checks(election=election, actor=kpu_dki)
    assert outcome(app)[0] == "ineligible"
    Application.objects.filter(pk=app.pk).update(education="sma")
    run_checks(election=election, actor=kpu_dki, body="pps")
    assert outcome(app) == ("eligible", [], ["not_in_register"])
    withdrawn = make_application("pps", state=Application.State.WITHDRAWN, education="sd")
    run_checks(election=election, actor=kpu_dki)
    assert outcome(withdrawn)[0] == "pending"

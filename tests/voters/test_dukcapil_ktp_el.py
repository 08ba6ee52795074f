"""Dukcapil's KTP-el work: voters without KTP-el per region, the list, export, marking."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied

from pilkada.accounts.roles import Role
from pilkada.voters.models import KtpElIssuance, Voter
from pilkada.voters.selectors import dukcapil as selectors
from pilkada.voters.services import dukcapil as services

from .conftest import make_nik_for

GAMBIR = "3171011001"
CIDENG = "3171011002"
PENJARINGAN = "3172011001"
BORN = dt.date(2007, 3, 1)


def user(username, role, region):
    return get_user_model().objects.create_user(
        username=username, password="x", role=role, region_code=region
    )


@pytest.fixture
def users(db):
    return {
        "prov": user("dukcapil-prov", Role.DUKCAPIL, "31"),
        "pusat": user("dukcapil-3171", Role.DUKCAPIL, "3171"),
        "utara": user("dukcapil-3172", Role.DUKCAPIL, "3172"),
        "kpu": user("kpu-prov", Role.KPU_PROVINSI, "31"),
        "pps": user("pps-gambir", Role.PPS, GAMBIR),
    }


def voter(election, serial, kel=GAMBIR, **fields):
    data = {
        "election": election,
        "nik": make_nik_for(serial, "L", BORN),
        "nkk": "3171012805180001",
        "nama": f"BUDI SANTOSO {serial}",
        "tanggal_lahir": BORN,
        "jenis_kelamin": "L",
        "alamat": "JL. MELATI NO. 3",
        "rt": "001",
        "rw": "002",
        "kelurahan_code": kel,
        "ktp_el": False,
    }
    data.update(fields)
    return Voter.objects.create(**data)


@pytest.fixture
def people(election):
    return {
        "g1": voter(election, 1),
        "g2": voter(election, 2),
        "g_unknown": voter(election, 3, ktp_el=None),
        "g_has": voter(election, 4, ktp_el=True),
        "g_tms": voter(election, 5, status=Voter.Status.TMS, tms_code=3),
        "g_old": voter(election, 6, source=Voter.Source.DPT_LAMA),
        "c1": voter(election, 7, kel=CIDENG),
        "u1": voter(election, 8, kel=PENJARINGAN),
    }


# --- counts --------------------------------------------------------------------------------


def test_counts_per_region_drill_down(people, election, users, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        prov = selectors.ktp_el_counts(user=users["prov"], election=election)
    assert prov.root.code == "31"
    assert (prov.root.without, prov.root.unknown, prov.root.issued) == (4, 1, 0)
    by_code = {r.code: r for r in prov.rows}
    assert (by_code["3171"].without, by_code["3171"].unknown) == (3, 1)
    assert by_code["3172"].without == 1
    assert by_code["3101"].without == 0  # regions without any still listed
    kec = selectors.ktp_el_counts(user=users["prov"], election=election, region_code="317101")
    assert {r.code: (r.without, r.unknown) for r in kec.rows}[GAMBIR] == (2, 1)
    kel = selectors.ktp_el_counts(user=users["prov"], election=election, region_code=GAMBIR)
    assert kel.rows == [] and (kel.root.without, kel.root.unknown) == (2, 1)


def test_a_kabkota_dukcapil_starts_at_its_city_and_cannot_cross(people, election, users):
    own = selectors.ktp_el_counts(user=users["pusat"], election=election)
    assert own.root.code == "3171"
    for code in ("3172", PENJARINGAN, "31"):
        with pytest.raises(PermissionDenied):
            selectors.ktp_el_counts(user=users["pusat"], election=election, region_code=code)
    with pytest.raises(PermissionDenied):
        selectors.ktp_el_voters(user=users["pusat"], election=election, kelurahan_code=PENJARINGAN)


def test_roles_without_ktp_el_view_are_refused(people, election, users):
    with pytest.raises(PermissionDenied):
        selectors.ktp_el_counts(user=users["pps"], election=election, region_code=GAMBIR)


# --- the list ------------------------------------------------------------------------------


def test_dukcapil_sees_the_list_unmasked_and_it_is_logged(people, election, users, audit_log):
    rows, total, unmasked = selectors.ktp_el_voters(
        user=users["pusat"], election=election, kelurahan_code=GAMBIR
    )
    assert unmasked and total == 3
    assert {r.nik for r in rows} == {people[k].nik for k in ("g1", "g2", "g_unknown")}
    assert {r.nama for r in rows} >= {"BUDI SANTOSO 1"}
    entries = [e for e in audit_log() if e.action == "personal_data.unmasked"]
    assert len(entries) == 1
    assert entries[0].object_id == "voters.ktp_el_list"
    assert entries[0].new["count"] == 3


def test_kpu_sees_the_list_masked_and_nothing_is_logged(people, election, users, audit_log):
    rows, _, unmasked = selectors.ktp_el_voters(
        user=users["kpu"], election=election, kelurahan_code=GAMBIR
    )
    assert not unmasked
    assert all("*" in r.nik and "*" in r.nama for r in rows)
    assert not any(people["g1"].nik == r.nik for r in rows)
    assert not [e for e in audit_log() if e.action == "personal_data.unmasked"]


# --- export --------------------------------------------------------------------------------


def test_export_is_audited_and_unmasked_for_dukcapil(people, election, users, audit_log):
    out = io.StringIO()
    result = selectors.export_ktp_el_csv(
        user=users["pusat"], election=election, region_code="3171", out=out
    )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert result.rows == len(rows) == 4 and result.unmasked
    assert {r["nik"] for r in rows} == {people[k].nik for k in ("g1", "g2", "g_unknown", "c1")}
    assert [r["ktp_el"] for r in rows].count("") == 1
    entry = [e for e in audit_log() if e.action == "personal_data.unmasked"][-1]
    assert entry.object_id == "voters.ktp_el_export" and entry.new["count"] == 4


def test_export_for_kpu_is_masked_and_audited(people, election, users, audit_log):
    out = io.StringIO()
    selectors.export_ktp_el_csv(user=users["kpu"], election=election, region_code="31", out=out)
    text = out.getvalue()
    assert people["g1"].nik not in text and "BUDI SANTOSO" not in text
    entry = audit_log()[-1]
    assert entry.action == "voters.ktp_el.export" and entry.new == {
        "rows": 5, "masked": True, "election": election.slug,
    }  # fmt: skip


def test_export_neutralises_spreadsheet_formulas(election, users):
    voter(election, 20, nama="=HYPERLINK(1)")
    out = io.StringIO()
    selectors.export_ktp_el_csv(user=users["prov"], election=election, region_code="31", out=out)
    assert "'=HYPERLINK(1)" in out.getvalue()


# --- marking -------------------------------------------------------------------------------


def test_marking_updates_the_voter_the_record_the_audit_and_the_counts(
    people, election, users, audit_log
):
    ids = [people["g1"].pk, people["g_unknown"].pk]
    result = services.mark_ktp_el_issued(actor=users["pusat"], election=election, voter_ids=ids)
    assert result.marked == 2 and not result.rejects
    assert set(Voter.objects.filter(pk__in=ids).values_list("ktp_el", flat=True)) == {True}
    records = KtpElIssuance.objects.order_by("voter_id")
    assert [(r.voter_id, r.previous, r.issued_by_name) for r in records] == [
        (people["g1"].pk, False, "dukcapil-3171"),
        (people["g_unknown"].pk, None, "dukcapil-3171"),
    ]
    entry = audit_log()[-1]
    assert entry.action == "voters.ktp_el.issue"
    assert entry.new["count"] == 2 and sorted(entry.new["voter_ids"]) == sorted(ids)
    assert entry.old == {"ktp_el_false": 1, "ktp_el_unknown": 1}
    counts = selectors.ktp_el_counts(user=users["pusat"], election=election, region_code=GAMBIR)
    assert (counts.root.without, counts.root.unknown, counts.root.issued) == (1, 0, 2)


def test_marking_twice_marks_once(people, election, users):
    ids = [people["g1"].pk]
    services.mark_ktp_el_issued(actor=users["pusat"], election=election, voter_ids=ids)
    again = services.mark_ktp_el_issued(actor=users["pusat"], election=election, voter_ids=ids)
    assert again.marked == 0 and [r.code for r in again.rejects] == ["already_has_ktp_el"]
    assert KtpElIssuance.objects.count() == 1


def test_marking_outside_the_scope_is_refused_whole(people, election, users, audit_log):
    before = len(audit_log())
    with pytest.raises(PermissionDenied):
        services.mark_ktp_el_issued(
            actor=users["pusat"], election=election, voter_ids=[people["g1"].pk, people["u1"].pk]
        )
    assert Voter.objects.get(pk=people["g1"].pk).ktp_el is False
    assert not KtpElIssuance.objects.exists() and len(audit_log()) == before


@pytest.mark.parametrize("who", ["kpu", "pps"])
def test_only_dukcapil_marks(people, election, users, who):
    with pytest.raises(PermissionDenied):
        services.mark_ktp_el_issued(
            actor=users[who], election=election, voter_ids=[people["g1"].pk]
        )


def test_tms_and_previous_dpt_rows_are_not_marked(people, election, users):
    result = services.mark_ktp_el_issued(
        actor=users["prov"], election=election, voter_ids=[people["g_tms"].pk, people["g_old"].pk]
    )
    assert result.marked == 0 and [r.code for r in result.rejects] == ["not_in_list"] * 2


def test_nothing_chosen_is_refused(election, users):
    with pytest.raises(services.MarkRefused):
        services.mark_ktp_el_issued(actor=users["prov"], election=election, voter_ids=[])


def test_mark_from_a_csv_reports_every_nik_it_cannot_mark(people, election, users):
    data = "\n".join(
        [
            "no;nik;nama",
            f"1;{people['g1'].nik};X",  # marked
            f"2;{people['g1'].nik};X",  # repeated
            f"3;{make_nik_for(99, 'L', BORN)};X",  # not on the list
            "4;12345;X",  # malformed
            f"5;{people['g_has'].nik};X",  # already has one
            f"6;{people['u1'].nik};X",  # outside 3171
            f"7;{people['g_tms'].nik};X",  # TMS: not on the list
            "",
            f"9;{people['c1'].nik};X",  # marked
        ]
    ).encode()
    result = services.mark_ktp_el_issued_from_file(
        actor=users["pusat"], election=election, data=data
    )
    assert result.read == 8 and result.marked == 2
    assert [(r.line, r.code) for r in result.rejects] == [
        (3, "duplicate_in_file"),
        (4, "not_in_list"),
        (5, "invalid_nik"),
        (6, "already_has_ktp_el"),
        (7, "out_of_scope"),
        (8, "not_in_list"),
    ]
    assert all(people["u1"].nik not in r.nik for r in result.rejects)  # masked in the report
    assert set(Voter.objects.filter(ktp_el=True).values_list("pk", flat=True)) == {
        people["g1"].pk, people["c1"].pk, people["g_has"].pk,
    }  # fmt: skip


def test_a_plain_list_of_niks_without_a_header_works(people, election, users):
    data = f"{people['g1'].nik}\r\n{people['g2'].nik}\r\n".encode()
    result = services.mark_ktp_el_issued_from_file(
        actor=users["prov"], election=election, data=data
    )
    assert result.marked == 2 and not result.rejects


@pytest.mark.parametrize("data", [b"", b"\n\n", b"nik\n", b"\x00\x01\x02binary"])
def test_an_empty_or_binary_file_is_refused(election, users, data):
    with pytest.raises(services.MarkRefused):
        services.mark_ktp_el_issued_from_file(actor=users["prov"], election=election, data=data)
    assert not KtpElIssuance.objects.exists()

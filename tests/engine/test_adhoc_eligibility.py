"""The engine's eligibility checks of ad hoc applications: each vectorised rule agrees with
its rule function of pilkada.adhoc.rules on the edges (the functions applied row by row), and
the set-based reasons (party list, supporters, seated members, marriage tie) and warnings
(which register row decides) on small frames."""

from __future__ import annotations

import datetime as dt
import itertools

import polars as pl
import pytest

from pilkada.adhoc import rules
from pilkada.adhoc.models.applications import REASONS as MODEL_REASONS
from pilkada.adhoc.models.applications import WARNINGS as MODEL_WARNINGS
from pilkada.adhoc.services.eligibility import rule_params
from pilkada.engine.adhoc_eligibility import (
    APPLICATION_SCHEMA,
    REASONS,
    WARNINGS,
    check_applications,
    count_codes,
)
from pilkada.engine.nik import make_nik

DAY = dt.date(2024, 5, 15)
KEL = "3171011001"
TPS = KEL + "001"
BODIES = ("ppk", "pps", "kpps", "pantarlih")
_serial = itertools.count(1)


def nik(born=dt.date(1990, 4, 1), sex="P") -> str:
    return make_nik(kecamatan_code="317101", birth_date=born, sex=sex, serial=next(_serial))


def app(i: int, **fields) -> dict:
    row = {
        "id": i, "body": "pps", "region_code": KEL, "nik": nik(), "nkk": "3171010101010001",
        "tanggal_lahir": dt.date(1990, 4, 1), "jenis_kelamin": "P", "status_kawin": "B",
        "domicile_code": KEL, "education": "sma", "health_statement": True,
        "party_statement": True, "previous_terms": 0, "applied_on": DAY,
    }  # fmt: skip
    row.update(fields)
    return row


def check(rows, *, register=(), party=(), supporters=(), members=(), params=None):
    frame = pl.DataFrame(list(rows), schema=APPLICATION_SCHEMA, orient="row")
    return check_applications(
        frame,
        register=pl.DataFrame(list(register)) if register else [],
        party_niks=list(party),
        supporter_niks=list(supporters),
        members=pl.DataFrame(list(members)) if members else [],
        params=params or rule_params(),
        reference_date=DAY,
    )


def reasons_of(result) -> dict[int, list[str]]:
    return {i: [c for c in r.split(",") if c] for i, r in result.select("id", "reasons").rows()}


def test_codes_are_the_models_codes():
    assert tuple(MODEL_REASONS) == REASONS
    assert tuple(MODEL_WARNINGS) == WARNINGS


def _birthdays() -> list[dt.date]:
    """Birth dates around the 17th and the 55th/56th birthday on DAY and on 1 March of a
    non-leap year, and 29 February births."""
    out = []
    for years in (16, 17, 18, 55, 56, 57):
        for delta in (-1, 0, 1):
            out.append(DAY.replace(year=DAY.year - years) + dt.timedelta(days=delta))
    out += [dt.date(2004, 2, 29), dt.date(2008, 2, 29), dt.date(1968, 2, 29), dt.date(1969, 3, 1)]
    return out


@pytest.mark.parametrize(
    "on", [DAY, dt.date(2025, 3, 1), dt.date(2025, 2, 28), dt.date(2024, 2, 29)]
)
def test_age_agrees_with_the_rule_on_its_edges(on, settings):
    rows, expected = [], {}
    for i, (born, body) in enumerate(itertools.product(_birthdays(), BODIES)):
        rows.append(app(i, body=body, tanggal_lahir=born, applied_on=on))
        expected[i] = rules.memenuhi_syarat_usia(body, born, on)
    got = reasons_of(check(rows))
    for i, want in expected.items():
        age = [c for c in got[i] if c in ("under_age", "over_age")]
        assert age == ([want] if want else []), (rows[i]["tanggal_lahir"], rows[i]["body"], on)
    # Both reasons occur: the edges were reached.
    assert {r for r in expected.values()} == {None, "under_age", "over_age"}


def test_age_with_other_settings_agrees(settings):
    settings.PILKADA_ADHOC_MIN_AGE = 21
    settings.PILKADA_ADHOC_MAX_AGE = {"kpps": 50, "pantarlih": 60}
    rows, expected = [], {}
    for i, (years, delta, body) in enumerate(
        itertools.product((20, 21, 50, 51, 60, 61), (-1, 0, 1), BODIES)
    ):
        born = DAY.replace(year=DAY.year - years) + dt.timedelta(days=delta)
        rows.append(app(i, body=body, tanggal_lahir=born))
        expected[i] = rules.memenuhi_syarat_usia(body, born, DAY)
    got = reasons_of(check(rows, params=rule_params()))
    for i, want in expected.items():
        assert [c for c in got[i] if c.endswith("_age")] == ([want] if want else [])


@pytest.mark.parametrize(
    "minimum",
    [
        {"ppk": "sma", "pps": "sma", "kpps": "sma", "pantarlih": "sma"},
        {"ppk": "s1", "pps": "d3", "kpps": "smp", "pantarlih": None},
        {},
    ],
)
def test_education_agrees_with_the_rule(minimum, settings):
    settings.PILKADA_ADHOC_MIN_EDUCATION = minimum
    levels = (*rules.EDUCATION_ORDER, "", "xx")
    rows, expected = [], {}
    for i, (education, body) in enumerate(itertools.product(levels, BODIES)):
        rows.append(app(i, body=body, region_code=TPS if body in ("kpps", "pantarlih")
                        else (KEL[:6] if body == "ppk" else KEL), education=education))  # fmt: skip
        expected[i] = rules.memenuhi_pendidikan_minimal(body, education)
    got = reasons_of(check(rows, params=rule_params()))
    for i, ok in expected.items():
        assert ("education_below_minimum" not in got[i]) == ok, rows[i]


def test_domicile_agrees_with_the_rule():
    areas = ("", "31", "317101", "317102", KEL, "3171011002", TPS, "3171011002001", "317101100")
    domiciles = ("", KEL, "3171011002", "3171021001", "317101")
    rows, expected = [], {}
    for i, (body, area, dom) in enumerate(itertools.product(BODIES, areas, domiciles)):
        rows.append(app(i, body=body, region_code=area, domicile_code=dom))
        expected[i] = rules.berdomisili_di_wilayah_kerja(body, area, dom)
    got = reasons_of(check(rows))
    for i, ok in expected.items():
        assert ("domicile_outside_area" not in got[i]) == ok, rows[i]
    assert set(expected.values()) == {True, False}


@pytest.mark.parametrize("limit", [None, 1, 2])
def test_term_limit_agrees_with_the_rule(limit, settings):
    settings.PILKADA_ADHOC_TERM_LIMIT = limit
    rows = [app(i, previous_terms=i) for i in range(4)]
    got = reasons_of(check(rows, params=rule_params()))
    for i in range(4):
        assert ("term_limit" not in got[i]) == rules.batas_masa_jabatan(i)


def test_a_valid_application_is_eligible_and_statements_count():
    result = check([
        app(1),
        app(2, health_statement=False),
        app(3, party_statement=False),
        app(4, nik="3171010000000000"),
    ])  # fmt: skip
    got = reasons_of(result)
    assert got == {
        1: [],
        2: ["health_statement_missing"],
        3: ["party_statement_missing"],
        4: ["nik_invalid"],
    }
    assert result.filter(pl.col("id") == 1)["eligibility"].item() == "eligible"
    assert result.filter(pl.col("id") == 2)["eligibility"].item() == "ineligible"


def test_party_member_and_supporter_lists():
    a, b, c = app(1), app(2), app(3)
    got = reasons_of(check([a, b, c], party=[a["nik"], " " + c["nik"]], supporters=[b["nik"]]))
    assert got == {1: ["party_member"], 2: ["supporter_listed"], 3: ["party_member"]}


def member(application_id, body, region, nik_, nkk="", kawin=""):
    return {"application_id": application_id, "body": body, "region_code": region,
            "nik": nik_, "nkk": nkk, "status_kawin": kawin}  # fmt: skip


def test_seated_elsewhere_but_not_by_the_own_seat():
    a = app(1, body="kpps", region_code=TPS)
    b = app(2, body="kpps", region_code=TPS)
    c = app(3, body="pps")
    members = [
        member(99, "pps", KEL, a["nik"]),  # a is a PPS member and applies for KPPS
        member(2, "kpps", TPS, b["nik"]),  # b's own application seated b
        member(98, "kpps", KEL + "002", c["nik"]),  # c sits in another KPPS
    ]
    got = reasons_of(check([a, b, c], members=members))
    assert got == {1: ["seated_elsewhere"], 2: [], 3: ["seated_elsewhere"]}


def test_marriage_tie_same_nkk_both_married_same_body_and_area():
    nkk = "3171010101019999"
    spouse = nik(sex="L")
    rows = [
        app(1, body="kpps", region_code=TPS, nkk=nkk, status_kawin="S"),  # tie
        app(2, body="kpps", region_code=TPS, nkk=nkk, status_kawin="B"),  # the child: no tie
        app(3, body="kpps", region_code=KEL + "002", nkk=nkk, status_kawin="S"),  # other TPS
        app(4, body="pantarlih", region_code=TPS, nkk=nkk, status_kawin="S"),  # other body
        app(5, body="kpps", region_code=TPS, nkk="", status_kawin="S"),  # NKK from the register
        app(6, body="kpps", region_code=TPS, nkk="3171010101018888", status_kawin="S"),
    ]
    register = [
        {"voter_id": 50, "nik": rows[4]["nik"], "nkk": nkk, "tanggal_lahir": dt.date(1990, 4, 1),
         "jenis_kelamin": "P", "status_kawin": "S", "kelurahan_code": KEL, "status": "ms",
         "tms_code": None, "source": "dp4"},
        # The member's NKK and status kawin come from the register when the form has none.
        {"voter_id": 51, "nik": spouse, "nkk": nkk, "tanggal_lahir": dt.date(1988, 1, 1),
         "jenis_kelamin": "L", "status_kawin": "S", "kelurahan_code": KEL, "status": "ms",
         "tms_code": None, "source": "dp4"},
    ]  # fmt: skip
    members = [member(90, "kpps", TPS, spouse)]
    got = reasons_of(check(rows, register=register, members=members))
    assert got == {1: ["marriage_tie"], 2: [], 3: [], 4: [], 5: ["marriage_tie"], 6: []}
    # An unmarried member (status from the form) ties nobody.
    members = [member(90, "kpps", TPS, spouse, nkk=nkk, kawin="B")]
    got = reasons_of(check(rows, register=register, members=members))
    assert all(v == [] for v in got.values())


def reg(voter_id, nik_, **fields):
    row = {"voter_id": voter_id, "nik": nik_, "nkk": "3171010101010001",
           "tanggal_lahir": dt.date(1990, 4, 1), "jenis_kelamin": "P", "status_kawin": "B",
           "kelurahan_code": KEL, "status": "ms", "tms_code": None, "source": "dp4"}  # fmt: skip
    row.update(fields)
    return row


def test_which_register_row_decides_and_the_warnings():
    rows = [app(i) for i in range(1, 8)]
    n = [r["nik"] for r in rows]
    register = [
        reg(10, n[0]),  # 1: found, same data
        # 2: a struck old-DPT row and a live DP4 row: the live one decides
        reg(20, n[1], source="dpt-lama", status="tms", tms_code=1),
        reg(21, n[1], status="pending"),
        # 3: only a moved-away row: not in the register
        reg(30, n[2], status="tms", tms_code=4),
        # 4: another birth date
        reg(40, n[3], tanggal_lahir=dt.date(1991, 4, 1)),
        # 5: another kelurahan
        reg(50, n[4], kelurahan_code="3171011002"),
        # 6: coklit before dp4
        reg(61, n[5], nkk="3171010101010009"),
        reg(60, n[5], source="coklit"),
        # 7: nothing
    ]
    result = check(rows, register=register).sort("id")
    assert result["register_voter_id"].to_list() == [10, 21, 30, 40, 50, 60, None]
    assert result["warnings"].to_list() == [
        "", "", "not_in_register", "register_data_differs", "register_data_differs", "",
        "not_in_register",
    ]  # fmt: skip
    # Warnings never make an application ineligible.
    assert set(result["eligibility"]) == {"eligible"}


def test_results_keep_the_input_order_and_count_codes():
    rows = [app(i, health_statement=i % 2 == 0) for i in (5, 3, 4, 1)]
    result = check(rows)
    assert result["id"].to_list() == [5, 3, 4, 1]
    counts = count_codes(result["reasons"], REASONS)
    assert counts["health_statement_missing"] == 3
    assert sum(counts.values()) == 3


def test_the_list_rules_agree_with_their_functions_row_by_row():
    """Party list, supporters, seated elsewhere and marriage tie: every combination of
    NKK, status kawin, body and area of applicants against a set of members, the engine
    against the functions of pilkada.adhoc.rules_applications."""
    from pilkada.adhoc.rules_applications import (
        SeatedMember,
        bukan_anggota_partai,
        bukan_pendukung_perseorangan,
        tanpa_ikatan_perkawinan,
        tidak_menjabat_di_badan_lain,
    )

    nkks = ("3171010101010001", "3171010101010002", "")
    areas = {"kpps": (TPS, KEL + "002"), "pps": (KEL, "3171011002")}
    people = [nik() for _ in range(6)]
    members = [
        SeatedMember(900 + i, body, areas[body][i % 2], people[i], nkks[i % 3], kawin)
        for i, (body, kawin) in enumerate(itertools.product(("kpps", "pps"), ("S", "B", "S")))
    ]
    rows = []
    combos = itertools.product([*people, nik()], nkks, ("S", "B", "P"), ("kpps", "pps"), (0, 1))
    for i, (n, nkk, kawin, body, a) in enumerate(combos, start=1):
        rows.append(app(i, nik=n, nkk=nkk, status_kawin=kawin, body=body,
                        region_code=areas[body][a], domicile_code=KEL))  # fmt: skip
    # One of them is a seated member's own application.
    rows[0]["id"] = members[0].application_id
    party, supporters = {people[1], people[4]}, {people[2]}
    result = check(rows, party=party, supporters=supporters,
                   members=[m.__dict__ for m in members])  # fmt: skip
    got = reasons_of(result)
    seen = set()
    for row in rows:
        want = {
            "party_member": not bukan_anggota_partai(row["nik"], party),
            "supporter_listed": not bukan_pendukung_perseorangan(row["nik"], supporters),
            "seated_elsewhere": not tidak_menjabat_di_badan_lain(
                application_id=row["id"], nik=row["nik"], members=members
            ),
            "marriage_tie": not tanpa_ikatan_perkawinan(
                application_id=row["id"], nik=row["nik"], nkk=row["nkk"],
                status_kawin=row["status_kawin"], body=row["body"],
                region_code=row["region_code"], members=members,
            ),
        }  # fmt: skip
        for code, expected in want.items():
            assert (code in got[row["id"]]) == expected, (code, row)
            seen.add((code, expected))
    # Every rule was met and failed somewhere.
    assert len(seen) == 8

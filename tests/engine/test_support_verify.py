"""Verifikasi administrasi of supporters: every reason code, their precedence, which register
row decides, the first listing that stays, held rows of two pairs, regions and counts. Small
Parquet files built here; the supporter file goes through the real import first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pilkada.engine.nik import make_nik
from pilkada.engine.support_import import SUPPORT_COLUMNS, read_supporters
from pilkada.engine.support_rules import (
    BarredCategory,
    normalize_pekerjaan,
    pekerjaan_terlarang,
    pekerjaan_terlarang_expr,
)
from pilkada.engine.support_verify import (
    PRECEDENCE,
    RESULT_SCHEMA,
    SupportReason,
    SupportStatus,
    VerifyOutcome,
    normalize_barred_category,
    verify_support,
)

REFERENCE = dt.date(2024, 11, 27)
KEL_A = "3171011001"  # kab/kota 3171, kecamatan 317101
KEL_B = "3172021002"  # kab/kota 3172, kecamatan 317202


def nik(serial: int, born=dt.date(1980, 5, 17), sex="L", kecamatan="317101") -> str:
    return make_nik(kecamatan_code=kecamatan, birth_date=born, sex=sex, serial=serial)


def supporter(nik_value: str, **changes) -> dict[str, str]:
    row = {
        "nik": nik_value,
        "nama": "PENDUKUNG",
        "tempat_lahir": "JAKARTA",
        "tanggal_lahir": "",
        "jenis_kelamin": "",
        "alamat": "JL. MAWAR 1",
        "rt": "001",
        "rw": "002",
        "kode_kelurahan": KEL_A,
        "pekerjaan": "WIRASWASTA",
    }
    row.update(changes)
    return row


def voter(nik_value: str, **changes) -> dict:
    row = {
        "nik": nik_value,
        "status": "pending",
        "tms_code": None,
        "tanggal_lahir": dt.date(1980, 5, 17),
        "status_kawin": "B",
        "kelurahan_code": KEL_A,
        "source": "dp4",
    }
    row.update(changes)
    return row


def _write(path: Path, rows: list[dict], schema: dict) -> Path:
    pl.DataFrame(rows, schema=schema, orient="row").write_parquet(path)
    return path


REGISTER_TYPES = {
    "nik": pl.String,
    "status": pl.String,
    "tms_code": pl.Int64,
    "tanggal_lahir": pl.Date,
    "status_kawin": pl.String,
    "kelurahan_code": pl.String,
    "source": pl.String,
}


class Run:
    """One verification: the outcome and the result rows by line (line 2 = first row)."""

    def __init__(self, outcome: VerifyOutcome):
        self.outcome = outcome
        self.frame = pl.read_parquet(outcome.out_path)
        self.rows = {r["line"]: r for r in self.frame.iter_rows(named=True)}

    def reason(self, line: int) -> str | None:
        return self.rows[line]["reason"]

    def status(self, line: int) -> str:
        return self.rows[line]["status"]


def verify(
    tmp_path: Path,
    supporters: list[dict],
    register: list[dict] | list[list[dict]],
    *,
    prior: list[dict] | None = None,
    barred: list[dict] | None = None,
    pair_id: int = 1,
    **kwargs,
) -> Run:
    text = ",".join(SUPPORT_COLUMNS) + "\n"
    for row in supporters:
        text += ",".join(row[c] for c in SUPPORT_COLUMNS) + "\n"
    (tmp_path / "dukungan.csv").write_text(text)
    read_supporters(
        tmp_path / "dukungan.csv",
        reference_date=REFERENCE,
        rejects_path=tmp_path / "rejects.csv",
        staging_path=tmp_path / "staged.parquet",
    )
    files = register if register and isinstance(register[0], list) else [register]
    register_paths = [
        _write(tmp_path / f"register_{i}.parquet", rows, REGISTER_TYPES)
        for i, rows in enumerate(files)
    ]
    prior_path = barred_path = None
    if prior is not None:
        prior_path = _write(
            tmp_path / "prior.parquet",
            prior,
            {"nik": pl.String, "pair_id": pl.Int64, "supporter_id": pl.Int64, "status": pl.String},
        )
    if barred is not None:
        barred_path = _write(
            tmp_path / "barred.parquet", barred, {"nik": pl.String, "category": pl.String}
        )
    outcome = verify_support(
        tmp_path / "staged.parquet",
        pair_id=pair_id,
        register=register_paths if len(register_paths) > 1 else register_paths[0],
        prior=prior_path,
        barred=barred_path,
        reference_date=REFERENCE,
        out_path=tmp_path / "result.parquet",
        **kwargs,
    )
    assert outcome.reconciles
    assert outcome.rows == len(supporters)
    return Run(outcome)


# --- every reason code --------------------------------------------------------------------


def test_every_reason_code_and_ms(tmp_path):
    n = [nik(s) for s in range(1, 12)]
    young = nik(20, born=dt.date(2008, 1, 1))
    supporters = [
        supporter(n[0]),  # 2: ms
        supporter("31710117058000"),  # 3: nik_invalid (14 digits)
        supporter(n[1]),  # 4: not_in_register
        supporter(n[2]),  # 5: deceased (register TMS 1)
        supporter(young),  # 6: under_age (by the birth date)
        supporter(n[3], pekerjaan="PNS"),  # 7: barred_occupation (pekerjaan)
        supporter(n[4]),  # 8: barred_occupation (list)
        supporter(n[5]),  # 9: barred_occupation (register TMS 7)
        supporter(n[0]),  # 10: double_same_pair (line 2 listed it first)
        supporter(n[6]),  # 11: double_other_pair (pair 2 lists it)
    ]
    register = [
        voter(n[0]),
        voter(n[2], status="tms", tms_code=1),
        voter(young, tanggal_lahir=dt.date(2008, 1, 1)),
        voter(n[3]),
        voter(n[4]),
        voter(n[5], status="tms", tms_code=7),
        voter(n[6]),
    ]
    run = verify(
        tmp_path,
        supporters,
        register,
        prior=[{"nik": n[6], "pair_id": 2, "supporter_id": 501, "status": "ms"}],
        barred=[{"nik": n[4], "category": "PNS"}],
    )
    R = SupportReason
    expected = {
        2: None,
        3: R.NIK_INVALID,
        4: R.NOT_IN_REGISTER,
        5: R.DECEASED,
        6: R.UNDER_AGE,
        7: R.BARRED_OCCUPATION,
        8: R.BARRED_OCCUPATION,
        9: R.BARRED_OCCUPATION,
        10: R.DOUBLE_SAME_PAIR,
        11: R.DOUBLE_OTHER_PAIR,
    }
    assert {line: run.reason(line) for line in expected} == {
        line: (r.value if r else None) for line, r in expected.items()
    }
    assert {line: run.status(line) for line in (2, 3, 11)} == {2: "ms", 3: "tms", 11: "held"}
    assert run.outcome.by_status == {"ms": 1, "tms": 8, "held": 1}
    assert run.outcome.by_reason == {
        "nik_invalid": 1,
        "not_in_register": 1,
        "deceased": 1,
        "under_age": 1,
        "barred_occupation": 3,
        "double_same_pair": 1,
        "double_other_pair": 1,
    }
    barred = {line: (run.rows[line]["barred_source"], run.rows[line]["barred_category"])
              for line in (7, 8, 9)}  # fmt: skip
    assert barred == {7: ("pekerjaan", "asn"), 8: ("list", "asn"), 9: ("register", "polri")}
    assert run.outcome.barred_sources == {"pekerjaan": 1, "list": 1, "register": 1}
    assert run.rows[10]["first_line"] == 2
    assert run.rows[11]["other_pair_ids"] == "2"
    assert run.outcome.hold_supporter_ids == [501]
    assert run.rows[3]["detail"] == "NIK: wrong_length"
    assert run.frame.schema == pl.Schema(RESULT_SCHEMA)
    assert run.frame["line"].to_list() == sorted(expected)


def test_reason_codes_are_the_exact_values_in_precedence_order():
    assert [r.value for r in PRECEDENCE] == [
        "nik_invalid",
        "not_in_register",
        "deceased",
        "under_age",
        "barred_occupation",
        "double_same_pair",
        "double_other_pair",
    ]
    assert {s.value for s in SupportStatus} == {"ms", "tms", "held"}
    assert all(r.message for r in SupportReason)


# --- precedence: one reason per row ------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("invalid_nik_and_barred_pekerjaan", "nik_invalid"),
        ("unknown_and_on_barred_list", "not_in_register"),
        ("deceased_and_barred_pekerjaan", "deceased"),
        ("under_age_and_barred_pekerjaan", "under_age"),
        ("barred_and_listed_by_other_pair", "barred_occupation"),
        ("deceased_and_listed_by_other_pair", "deceased"),
    ],
)
def test_precedence_when_a_row_has_several_defects(tmp_path, case, expected):
    n1 = nik(1)
    row = supporter(n1)
    register = [voter(n1)]
    barred = None
    prior = None
    if case == "invalid_nik_and_barred_pekerjaan":
        row = supporter(n1[:12] + "0000", pekerjaan="TNI")
    elif case == "unknown_and_on_barred_list":
        register = [voter(nik(2))]
        barred = [{"nik": n1, "category": "tni"}]
    elif case == "deceased_and_barred_pekerjaan":
        row = supporter(n1, pekerjaan="KEPALA DESA")
        register = [voter(n1, status="tms", tms_code=1)]
    elif case == "under_age_and_barred_pekerjaan":
        row = supporter(n1, pekerjaan="POLRI")
        register = [voter(n1, tanggal_lahir=dt.date(2010, 1, 1))]
    elif case == "barred_and_listed_by_other_pair":
        row = supporter(n1, pekerjaan="ANGGOTA KPPS")
        prior = [{"nik": n1, "pair_id": 2, "supporter_id": 7, "status": "ms"}]
    elif case == "deceased_and_listed_by_other_pair":
        register = [voter(n1, status="tms", tms_code=1)]
        prior = [{"nik": n1, "pair_id": 2, "supporter_id": 7, "status": "ms"}]
    run = verify(tmp_path, [row], register, prior=prior, barred=barred)
    assert run.reason(2) == expected
    assert run.status(2) == "tms"
    assert run.outcome.hold.height == 0  # only a row that would otherwise be MS is held


def test_a_person_listed_twice_is_tms_for_the_person_on_both_listings(tmp_path):
    n1 = nik(1)
    run = verify(tmp_path, [supporter(n1), supporter(n1)], [voter(n1, status="tms", tms_code=1)])
    assert [run.reason(2), run.reason(3)] == ["deceased", "deceased"]


# --- double support -----------------------------------------------------------------------


def test_the_first_listing_stays(tmp_path):
    n1, n2 = nik(1), nik(2)
    supporters = [supporter(n2), supporter(n1), supporter(n2), supporter(n1), supporter(n1)]
    run = verify(tmp_path, supporters, [voter(n1), voter(n2)])
    assert [run.status(line) for line in range(2, 7)] == ["ms", "ms", "tms", "tms", "tms"]
    assert [run.rows[line]["first_line"] for line in range(2, 7)] == [None, None, 2, 3, 3]
    assert run.rows[4]["detail"] == "first listed on line 2"


def test_a_nik_the_pair_listed_in_an_earlier_upload(tmp_path):
    n1, n2 = nik(1), nik(2)
    prior = [
        {"nik": n1, "pair_id": 1, "supporter_id": 40, "status": "ms"},
        {"nik": n1, "pair_id": 1, "supporter_id": 12, "status": "tms"},
    ]
    run = verify(tmp_path, [supporter(n1), supporter(n2)], [voter(n1), voter(n2)], prior=prior)
    assert run.reason(2) == "double_same_pair" and run.status(3) == "ms"
    assert run.rows[2]["first_supporter_id"] == 12 and run.rows[2]["first_line"] is None


def test_another_pairs_listing_holds_both_rows(tmp_path):
    n1, n2, n3 = nik(1), nik(2), nik(3)
    prior = [
        {"nik": n1, "pair_id": 2, "supporter_id": 100, "status": "ms"},
        {"nik": n1, "pair_id": 3, "supporter_id": 300, "status": "held"},
        {"nik": n2, "pair_id": 2, "supporter_id": 101, "status": "tms"},  # denied there
        {"nik": n3, "pair_id": 2, "supporter_id": 102, "status": "pending"},
    ]
    supporters = [supporter(n1), supporter(n2), supporter(n3), supporter(n3)]
    run = verify(tmp_path, supporters, [voter(n1), voter(n2), voter(n3)], prior=prior)
    assert [run.status(line) for line in range(2, 6)] == ["held", "ms", "held", "tms"]
    assert run.reason(5) == "double_same_pair"  # the later listing within the pair
    assert run.rows[2]["other_pair_ids"] == "2,3"
    assert run.outcome.hold_supporter_ids == [100, 102, 300]
    hold = run.outcome.hold.sort("supporter_id")
    assert hold.select("supporter_id", "pair_id", "line").rows() == [
        (100, 2, 2),
        (102, 2, 4),
        (300, 3, 2),
    ]


def test_a_pair_is_never_its_own_other_pair(tmp_path):
    n1 = nik(1)
    prior = [{"nik": n1, "pair_id": 2, "supporter_id": 100, "status": "ms"}]
    run = verify(tmp_path, [supporter(n1)], [voter(n1)], prior=prior, pair_id=2)
    assert run.reason(2) == "double_same_pair" and run.outcome.hold.height == 0


# --- which register row decides ----------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "reason", "source"),
    [
        # a live row beats a struck one, whichever file it is in
        ([{"status": "tms", "tms_code": 1, "source": "dpt-lama"}, {"source": "dp4"}], None, "dp4"),
        ([{"source": "dp4", "status": "tms", "tms_code": 6}, {"source": "coklit"}], None, "coklit"),
        # struck as a duplicate or wrong TPS: a voter listed elsewhere
        ([{"status": "tms", "tms_code": 2}], None, "dp4"),
        ([{"status": "tms", "tms_code": 8}], None, "dp4"),
        # struck as moved away or unknown: not on the region's list
        ([{"status": "tms", "tms_code": 4}], "not_in_register", "dp4"),
        ([{"status": "tms", "tms_code": 5}, {"status": "tms", "tms_code": 4, "source": "coklit"}],
         "not_in_register", "coklit"),
        # person reasons beat moved away; then the source; then the lowest code
        ([{"status": "tms", "tms_code": 4}, {"status": "tms", "tms_code": 6, "source": "dpt-lama"}],
         "barred_occupation", "dpt-lama"),
        ([{"status": "tms", "tms_code": 6}, {"status": "tms", "tms_code": 1, "source": "dpt-lama"}],
         "barred_occupation", "dp4"),
        ([{"status": "tms", "tms_code": 6}, {"status": "tms", "tms_code": 1}], "deceased", "dp4"),
        ([{"status": "tms", "tms_code": 3}], "under_age", "dp4"),
        # coklit before dp4 before dpt-lama among live rows; ms before pending
        ([{"source": "dpt-lama", "kelurahan_code": KEL_B}, {"source": "dp4"}], None, "dp4"),
        ([{"status": "pending", "source": "coklit", "kelurahan_code": KEL_B},
          {"status": "ms", "source": "coklit"}], None, "coklit"),
    ],
)  # fmt: skip
def test_which_register_row_decides(tmp_path, rows, reason, source):
    n1 = nik(1)
    register = [voter(n1, **row) for row in rows]
    run = verify(tmp_path, [supporter(n1, kode_kelurahan=KEL_B)], register)
    assert run.reason(2) == reason
    assert run.rows[2]["register_source"] == source
    assert run.rows[2]["register_rows"] == len(rows)
    assert run.rows[2]["register_found"] is True


def test_register_rows_in_several_files_keep_file_order_on_ties(tmp_path):
    n1 = nik(1)
    register = [[voter(n1, kelurahan_code=KEL_A)], [voter(n1, kelurahan_code=KEL_B)]]
    run = verify(tmp_path, [supporter(n1)], register)
    assert run.rows[2]["register_kelurahan_code"] == KEL_A
    assert run.rows[2]["register_rows"] == 2


def test_a_register_with_niks_stored_as_numbers(tmp_path):
    n1 = nik(1)
    run = verify(tmp_path, [supporter(n1), supporter(nik(2))], [voter(n1)])
    register = pl.read_parquet(tmp_path / "register_0.parquet")
    register.with_columns(pl.col("nik").cast(pl.Int64)).write_parquet(tmp_path / "numbers.parquet")
    outcome = verify_support(
        tmp_path / "staged.parquet",
        pair_id=1,
        register=tmp_path / "numbers.parquet",
        reference_date=REFERENCE,
        out_path=tmp_path / "again.parquet",
    )
    assert outcome.by_status == run.outcome.by_status == {"ms": 1, "tms": 1, "held": 0}


def test_a_damaged_nik_never_matches_a_damaged_register_row(tmp_path):
    run = verify(tmp_path, [supporter("3.17101E+15")], [voter("3.17101E+15")])
    assert run.reason(2) == "nik_invalid"
    assert run.rows[2]["register_found"] is False


# --- the age rule (eligibility.cukup_umur_expr) --------------------------------------------


@pytest.mark.parametrize(
    ("born", "kawin", "reason"),
    [
        (dt.date(2007, 11, 27), "B", None),  # 17 on the reference day
        (dt.date(2007, 11, 28), "B", "under_age"),  # one day short
        (dt.date(2009, 1, 1), "S", None),  # married
        (dt.date(2009, 1, 1), "P", None),  # has been married
        (dt.date(2009, 1, 1), "", "under_age"),
    ],
)
def test_age_on_the_reference_date(tmp_path, born, kawin, reason):
    n1 = nik(1, born=born)
    run = verify(tmp_path, [supporter(n1)], [voter(n1, tanggal_lahir=born, status_kawin=kawin)])
    assert run.reason(2) == reason


def test_age_falls_back_to_the_file_then_the_nik_when_the_register_has_no_date(tmp_path):
    young = nik(1, born=dt.date(2009, 3, 3))
    old = nik(2, born=dt.date(1970, 3, 3))
    supporters = [
        supporter(young),  # no date anywhere but the NIK: 2009 -> under age
        supporter(old, tanggal_lahir="03-03-2009"),  # the file's date is used: under age
    ]
    register = [voter(young, tanggal_lahir=None), voter(old, tanggal_lahir=None)]
    run = verify(tmp_path, supporters, register)
    assert run.reason(2) == "under_age" and run.rows[2]["tanggal_lahir"] == dt.date(2009, 3, 3)
    assert run.reason(3) == "under_age"


def test_the_register_birth_date_beats_the_file(tmp_path):
    n1 = nik(1)
    run = verify(
        tmp_path, [supporter(n1, tanggal_lahir="01/01/2010")], [voter(n1)]
    )  # the file claims a child; the register knows an adult
    assert run.reason(2) is None


# --- barred occupations -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("PEGAWAI NEGERI SIPIL (PNS)", "asn"),
        ("pns", "asn"),
        ("Guru PPPK", "asn"),
        ("ASN", "asn"),
        ("LURAH", "asn"),
        ("PNS POLRI", "asn"),
        ("TENTARA NASIONAL INDONESIA (TNI)", "tni"),
        ("TNI-AD", "tni"),
        ("PRAJURIT", "tni"),
        ("KEPOLISIAN RI (POLRI)", "polri"),
        ("Anggota Polri", "polri"),
        ("POLISI", "polri"),
        ("KEPALA DESA", "perangkat_desa"),
        ("Perangkat Desa", "perangkat_desa"),
        ("SEKDES", "perangkat_desa"),
        ("ANGGOTA PPS", "penyelenggara"),
        ("KPPS", "penyelenggara"),
        ("PANTARLIH", "penyelenggara"),
        ("STAF SEKRETARIAT KPU", "penyelenggara"),
        ("Pengawas TPS", "penyelenggara"),
        ("KARYAWAN SWASTA", None),
        ("WIRASWASTA", None),
        ("PENSIUNAN PNS", None),
        ("PURNAWIRAWAN TNI", None),
        ("PURN. POLRI", None),
        ("MANTAN KEPALA DESA", None),
        ("ISTRI TNI", None),
        ("GURU HONORER", None),
        ("CPNS", None),
        ("NON PNS", None),
        ("SATPOL PP", None),
        ("POLISI PAMONG PRAJA", None),
        ("KARYAWAN BUMN", None),
        ("STAF KELURAHAN", None),  # "LURAH" is matched as a whole word only
        ("PENGAWAS SEKOLAH", None),
        ("", None),
        (None, None),
    ],
)
def test_pekerjaan_terlarang(text, category):
    found = pekerjaan_terlarang(text)
    assert (found.value if found else None) == category


def test_the_vectorised_occupation_rule_agrees_with_the_scalar_one():
    texts = ["PNS", "purnawirawan tni", None, "KEPALA DESA", "pns", "WIRASWASTA", "PNS"]
    frame = pl.DataFrame({"pekerjaan": texts}).with_columns(
        pekerjaan_terlarang_expr().alias("category")
    )
    expected = [(c.value if (c := pekerjaan_terlarang(t)) else None) for t in texts]
    assert frame["category"].to_list() == expected
    assert normalize_pekerjaan(" Pegawai--Negeri (PNS) ") == "PEGAWAI NEGERI PNS"
    assert BarredCategory("perangkat_desa") is BarredCategory.PERANGKAT_DESA


def test_barred_list_categories_and_ignoring_the_occupation_text(tmp_path):
    n1, n2 = nik(1), nik(2)
    supporters = [supporter(n1, pekerjaan="PNS"), supporter(n2)]
    barred = [{"nik": n2, "category": "Kepala Desa"}, {"nik": n2, "category": "ASN"}]
    run = verify(tmp_path, supporters, [voter(n1), voter(n2)], barred=barred, check_pekerjaan=False)
    assert run.reason(2) is None  # the text alone is not used
    assert run.reason(3) == "barred_occupation"
    assert run.rows[3]["barred_category"] == "asn"  # the smallest of the list categories
    assert normalize_barred_category("Badan_Adhoc") == "penyelenggara"
    assert normalize_barred_category("Partai Politik") == "partai politik"


# --- regions and counts -------------------------------------------------------------------


def test_regions_from_the_register_else_the_file(tmp_path):
    n = [nik(s) for s in range(1, 6)]
    supporters = [
        supporter(n[0], kode_kelurahan=KEL_B),  # the register says KEL_A
        supporter(n[1], kode_kelurahan=KEL_B),  # the register row has no usable code
        supporter(n[2], kode_kelurahan="31.72.02.1002"),  # not in the register: TMS, file
        supporter(n[3], kode_kelurahan="x"),  # no usable code anywhere
        supporter(n[4]),
    ]
    register = [
        voter(n[0]),
        voter(n[1], kelurahan_code="317202"),
        voter(n[3], kelurahan_code=""),
        voter(n[4]),
    ]
    run = verify(tmp_path, supporters, register)
    regions = [(run.rows[i]["kelurahan_code"], run.rows[i]["region_source"]) for i in range(2, 7)]
    assert regions == [
        (KEL_A, "register"),
        (KEL_B, "file"),
        (KEL_B, "file"),
        (None, None),
        (KEL_A, "register"),
    ]
    assert run.rows[2]["kecamatan_code"] == "317101" and run.rows[2]["kabkota_code"] == "3171"
    outcome = run.outcome
    assert outcome.ms_by("kabkota") == {"3171": 2, "3172": 1, None: 1}
    assert outcome.ms_by("kecamatan") == {"317101": 2, "317202": 1, None: 1}
    assert outcome.ms_by("kelurahan") == {KEL_A: 2, KEL_B: 1, None: 1}
    kab = outcome.regions.filter(pl.col("level") == "kabkota").sort("region_code", nulls_last=True)
    assert kab.select("region_code", "rows", "ms", "tms", "held").rows() == [
        ("3171", 2, 2, 0, 0),
        ("3172", 2, 1, 1, 0),
        (None, 1, 1, 0, 0),
    ]
    with pytest.raises(ValueError, match="level"):
        outcome.ms_by("provinsi")
    summary = outcome.as_dict()
    assert summary["reconciles"] is True and summary["rows"] == 5


def test_inputs_are_checked(tmp_path):
    n1 = nik(1)
    text = ",".join(SUPPORT_COLUMNS) + "\n" + ",".join(supporter(n1).values()) + "\n"
    (tmp_path / "d.csv").write_text(text)
    read_supporters(
        tmp_path / "d.csv",
        reference_date=REFERENCE,
        rejects_path=tmp_path / "r.csv",
        staging_path=tmp_path / "s.parquet",
    )
    pl.DataFrame({"nik": [n1], "status": ["pending"]}).write_parquet(tmp_path / "reg.parquet")
    with pytest.raises(ValueError, match=r"register .* lacks column"):
        verify_support(
            tmp_path / "s.parquet",
            pair_id=1,
            register=tmp_path / "reg.parquet",
            reference_date=REFERENCE,
            out_path=tmp_path / "out.parquet",
        )
    with pytest.raises(FileNotFoundError):
        verify_support(
            tmp_path / "s.parquet",
            pair_id=1,
            register=tmp_path / "missing.parquet",
            reference_date=REFERENCE,
            out_path=tmp_path / "out.parquet",
        )
    assert not (tmp_path / "out.parquet").exists()


def test_staged_rows_as_a_frame_and_no_result_file(tmp_path):
    """The service hands the staged rows over in memory and keeps the result in memory: the
    same rows and counts as through the files."""
    supporters = [supporter(nik(1)), supporter(nik(2)), supporter(nik(1)), supporter("123")]
    register = [voter(nik(1)), voter(nik(2), status="tms", tms_code=1)]
    by_file = verify(tmp_path, supporters, register)
    staged = pl.read_parquet(tmp_path / "staged.parquet")
    in_memory = verify_support(
        staged,
        pair_id=1,
        register=tmp_path / "register_0.parquet",
        reference_date=REFERENCE,
        out_path=None,
    )
    assert in_memory.out_path is None and not (tmp_path / "result_2.parquet").exists()
    assert in_memory.result is not None
    assert in_memory.result.equals(by_file.frame)
    assert by_file.outcome.result is not None and by_file.outcome.result.equals(by_file.frame)
    assert in_memory.by_reason == by_file.outcome.by_reason
    assert in_memory.as_dict()["result_file"] is None
    assert by_file.frame["reason"].to_list() == [
        None,
        "deceased",
        "double_same_pair",
        "nik_invalid",
    ]

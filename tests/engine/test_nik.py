"""NIK / NKK parsing: hand-written cases, the century rule, and scalar == vectorised."""

import datetime as dt
import subprocess
import sys

import numpy as np
import polars as pl
import pytest

from pilkada.engine.nik import (
    PROVINCE_CODES,
    NikError,
    NikInvalid,
    ParsedNik,
    clean_identity_number,
    make_nik,
    nik_date_agrees,
    nkk_issue_date,
    parse_nik,
    parse_nkk,
    validate_nik,
    validate_nik_frame,
    validate_nkk,
    validate_nkk_frame,
)

REF = dt.date(2024, 7, 1)
NIK = "3171014101900001"  # Jakarta Pusat / Gambir, woman born 1 January 1990, serial 0001
E = NikError


def errors_of(raw, **kwargs):
    return validate_nik(raw, reference_date=REF, **kwargs)[1]


# --------------------------------------------------------------------------------------------
# Cleaning
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "3171014101900001",
        "  3171014101900001\n",
        "3171 0141 0190 0001",
        "3171\u00a00141\u202f0190\u200b0001",
        "\ufeff3171014101900001",
        "'3171014101900001",
        "\u20193171014101900001",
        " '3171014101900001",
        "31.71.01.410190.0001",
        "3171-0141-0190-0001",
        "3171\u20130141\u20140190\u22120001",
        "3,171,014,101,900,001",
        "3171014101900001.0",
        "3171014101900001,00",
        3171014101900001,
        3171014101900001.0,
    ],
)
def test_clean_repairs_typical_damage(raw):
    assert clean_identity_number(raw) == NIK
    assert parse_nik(raw, reference_date=REF).nik == NIK


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (None, E.EMPTY),
        ("", E.EMPTY),
        ("   ", E.EMPTY),
        ("'", E.EMPTY),
        ("-", E.EMPTY),
        ("...", E.EMPTY),
        (float("nan"), E.EMPTY),
        ("3.17101E+15", E.SCIENTIFIC_NOTATION),
        ("3,17101E+15", E.SCIENTIFIC_NOTATION),
        ("3.17101e+15", E.SCIENTIFIC_NOTATION),
        ("3.171014101900001e15", E.SCIENTIFIC_NOTATION),
        ("3171014101900001E0", E.SCIENTIFIC_NOTATION),
        ("'3.17101E+15", E.SCIENTIFIC_NOTATION),
        (" 3.17101 E+15 ", E.SCIENTIFIC_NOTATION),
        # Above 2**53 a float cannot hold every integer: 9171014101900001 is not a float64.
        (9171014101900001.0, E.PRECISION_LOST),
        ("9171014101900002.0", E.PRECISION_LOST),
        (float(2**53), E.PRECISION_LOST),
        ("31710141019O0001", E.NON_DIGIT),
        ("NIK3171014101900001", E.NON_DIGIT),
        ("+3171014101900001", E.NON_DIGIT),
        ("3171014101900001.5", E.WRONG_LENGTH),
        ("\u0663\u0661\u0667\u0661014101900001", E.NON_DIGIT),  # Arabic-Indic digits
        (-3171014101900001, E.NON_DIGIT),
        (-3171014101900001.0, E.NON_DIGIT),
        (float("inf"), E.NON_DIGIT),
        (1.5, E.NON_DIGIT),
        (True, E.NON_DIGIT),
        (b"3171014101900001", E.NON_DIGIT),
        ("317101410190001", E.WRONG_LENGTH),
        ("31710141019000011", E.WRONG_LENGTH),
        # A 15-digit float-formatted value keeps 15 digits: the ".0" never becomes a digit.
        ("317101410190001.0", E.WRONG_LENGTH),
    ],
)
def test_damage_that_cannot_be_repaired_is_rejected(raw, error):
    assert errors_of(raw) == [error]
    with pytest.raises(NikInvalid) as info:
        parse_nik(raw, reference_date=REF)
    assert info.value.error is error
    assert error.value in str(info.value)


def test_clean_does_not_check_length_but_parse_does():
    assert clean_identity_number("12.34") == "1234"
    with pytest.raises(NikInvalid) as info:
        parse_nik("12.34", reference_date=REF)
    assert info.value.error is E.WRONG_LENGTH


def test_float_just_below_two_to_the_53_is_exact_and_accepted():
    # 2**53 - 1 = 9007199254740991: a Papua Barat Daya-range number that a float holds exactly.
    assert clean_identity_number(float(2**53 - 1)) == "9007199254740991"
    assert clean_identity_number("9007199254740991.0") == "9007199254740991"


def test_every_error_has_a_message_and_a_hint():
    for error in NikError:
        assert error.message.endswith(".") and error.hint.endswith(".")
        assert NikError(error.value) is error
        assert error == error.value  # a str enum: serialises as its code


# --------------------------------------------------------------------------------------------
# Structure
# --------------------------------------------------------------------------------------------


def test_parse_splits_the_parts():
    assert parse_nik(NIK, reference_date=REF) == ParsedNik(
        nik=NIK,
        province="31",
        kabkota="3171",
        kecamatan="317101",
        birth_date=dt.date(1990, 1, 1),
        sex="P",
        serial="0001",
    )
    man = parse_nik("3273152512850123", reference_date=REF)
    assert (man.sex, man.birth_date, man.kabkota, man.serial) == (
        "L",
        dt.date(1985, 12, 25),
        "3273",
        "0123",
    )


@pytest.mark.parametrize(
    ("ddmmyy", "expected"),
    [
        ("010100", dt.date(2000, 1, 1)),
        ("290200", dt.date(2000, 2, 29)),  # 2000 is a leap year (divisible by 400)
        ("290296", dt.date(1996, 2, 29)),
        ("290224", dt.date(2024, 2, 29)),
        ("300624", dt.date(2024, 6, 30)),
        ("010724", dt.date(2024, 7, 1)),  # the reference date itself
        ("020724", dt.date(1924, 7, 2)),  # one day later would be in the future
        ("311224", dt.date(1924, 12, 31)),
        ("010125", dt.date(1925, 1, 1)),
        ("311299", dt.date(1999, 12, 31)),
        ("711299", dt.date(1999, 12, 31)),  # woman: day 31 + 40
        ("410190", dt.date(1990, 1, 1)),
    ],
)
def test_century_rule(ddmmyy, expected):
    parsed = parse_nik(f"317101{ddmmyy}0001", reference_date=REF)
    assert parsed.birth_date == expected


@pytest.mark.parametrize(
    "ddmmyy",
    [
        "000190",  # day 00
        "320190",  # day 32
        "400190",  # day 40: neither a man's (01-31) nor a woman's (41-71) day
        "720190",  # day 72
        "990190",
        "010090",  # month 00
        "011390",  # month 13
        "310490",  # 31 April
        "300290",  # 30 February
        "290223",  # 29 February 2023: not a leap year
        "690223",  # same, woman
    ],
)
def test_impossible_dates_are_rejected(ddmmyy):
    assert errors_of(f"317101{ddmmyy}0001") == [E.BAD_DATE]


def test_29_february_1900_is_not_a_date():
    # With the reference on 1 January 2000, "290200" resolves to 1900 (2000-02-29 is still in
    # the future), and 1900 is not a leap year.
    assert validate_nik("3171012902000001", reference_date=dt.date(2000, 1, 1))[1] == [E.BAD_DATE]
    parsed = parse_nik("3171012902000001", reference_date=dt.date(2000, 3, 1))
    assert parsed.birth_date == dt.date(2000, 2, 29)


def test_default_reference_is_today():
    born_today = make_nik(kecamatan_code="317101", birth_date=dt.date.today(), sex="L", serial=1)
    assert parse_nik(born_today).birth_date == dt.date.today()


@pytest.mark.parametrize(
    ("nik", "errors"),
    [
        ("0071014101900001", [E.BAD_PROVINCE]),
        ("1071014101900001", [E.BAD_PROVINCE]),
        ("2071014101900001", [E.BAD_PROVINCE]),
        ("5471014101900001", [E.BAD_PROVINCE]),  # Timor Timur, before the NIK existed
        ("9771014101900001", [E.BAD_PROVINCE]),
        ("9671014101900001", []),  # Papua Barat Daya (2022)
        ("3100014101900001", [E.BAD_KABKOTA]),
        ("3171004101900001", [E.BAD_KECAMATAN]),
        ("3171014101900000", [E.ZERO_SERIAL]),
        # Every structural error is reported, in a fixed order.
        (
            "9900003302900000",
            [E.BAD_PROVINCE, E.BAD_KABKOTA, E.BAD_KECAMATAN, E.BAD_DATE, E.ZERO_SERIAL],
        ),
    ],
)
def test_structure_errors(nik, errors):
    assert errors_of(nik) == errors


def test_province_list_is_the_38_provinces_of_2022():
    assert len(PROVINCE_CODES) == 38
    assert {"91", "92", "93", "94", "95", "96"} <= PROVINCE_CODES.keys()


def test_province_codes_narrow_the_region():
    jabar = "3273152512850123"
    assert errors_of(jabar, province_codes=["31"]) == [E.REGION_MISMATCH]
    assert errors_of(jabar, province_codes=["31", "32"]) == []
    assert errors_of("5471014101900001", province_codes=["31"]) == [E.BAD_PROVINCE]
    with pytest.raises(ValueError, match="unknown province"):
        validate_nik(jabar, province_codes=["54"])


def test_validate_never_raises_on_data():
    for raw in [None, "", "x", 3.5, object(), [], "9" * 40, "3.1E+15"]:
        parsed, errors = validate_nik(raw, reference_date=REF)
        assert parsed is None and len(errors) == 1


def test_nik_date_agrees_ignores_the_century():
    parsed = parse_nik("3171010101200001", reference_date=REF)  # read as 2020
    assert parsed.birth_date == dt.date(2020, 1, 1)
    assert nik_date_agrees(parsed, dt.date(1920, 1, 1))  # a centenarian in DP4
    assert not nik_date_agrees(parsed, dt.date(1920, 1, 2))


# --------------------------------------------------------------------------------------------
# make_nik
# --------------------------------------------------------------------------------------------


def test_make_nik_round_trips():
    rng = np.random.default_rng(7)
    kecamatan = ["317101", "31.74.05", "320101", "110101", "960101", "940201"]
    for _ in range(300):
        birth = REF - dt.timedelta(days=int(rng.integers(0, 36_500)))
        sex = "P" if rng.integers(0, 2) else "L"
        serial = int(rng.integers(1, 10_000))
        code = str(rng.choice(kecamatan))
        nik = make_nik(kecamatan_code=code, birth_date=birth, sex=sex, serial=serial)
        parsed = parse_nik(nik, reference_date=REF)
        assert (parsed.kecamatan, parsed.birth_date, parsed.sex, int(parsed.serial)) == (
            code.replace(".", ""),
            birth,
            sex,
            serial,
        )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"kecamatan_code": "31710"},
        {"kecamatan_code": "547101"},
        {"kecamatan_code": "310001"},
        {"kecamatan_code": "317100"},
        {"sex": "F"},
        {"serial": 0},
        {"serial": 10_000},
    ],
)
def test_make_nik_refuses_what_parse_would_reject(kwargs):
    args = {"kecamatan_code": "317101", "birth_date": dt.date(1990, 1, 1), "sex": "L", "serial": 1}
    with pytest.raises(ValueError):
        make_nik(**(args | kwargs))


# --------------------------------------------------------------------------------------------
# NKK
# --------------------------------------------------------------------------------------------


def test_parse_nkk():
    nkk = parse_nkk("'3171 0123 0519 0007")
    assert (nkk.nkk, nkk.kecamatan, nkk.issue_code, nkk.serial) == (
        "3171012305190007",
        "317101",
        "230519",
        "0007",
    )
    assert nkk_issue_date(nkk, reference_date=REF) == dt.date(2019, 5, 23)
    # The date part is not validated: a day above 31 is fine for an NKK, just not a date.
    odd = parse_nkk("3171014505190007")
    assert nkk_issue_date(odd, reference_date=REF) is None
    assert nkk_issue_date(parse_nkk("3171013002190007"), reference_date=REF) is None


@pytest.mark.parametrize(
    ("raw", "errors"),
    [
        ("3.17101E+15", [E.SCIENTIFIC_NOTATION]),
        ("317101230519000", [E.WRONG_LENGTH]),
        ("3171012305190000", [E.ZERO_SERIAL]),
        ("5471012305190001", [E.BAD_PROVINCE]),
        ("3100002305190001", [E.BAD_KABKOTA, E.BAD_KECAMATAN]),
        ("", [E.EMPTY]),
    ],
)
def test_nkk_errors(raw, errors):
    assert validate_nkk(raw)[1] == errors
    with pytest.raises(NikInvalid):
        parse_nkk(raw)


# --------------------------------------------------------------------------------------------
# Vectorised == scalar
# --------------------------------------------------------------------------------------------

HAND_WRITTEN = [
    NIK, " '3171 0141 0190 0001 ", "3.17101E+15", "3,17101E+15", "3171014101900001.0",
    "9171014101900001.0", "0009171014101900001.0", "317101410190001.0", "31.71.01.410190.0001",
    "3171014101900000", "3171013102900001", "3171016902240001", "3171012902230001", "", None,
    "-", " ", "'", "31710141019O0001", "3271014101990001", "5471014101900001",
    "3100014101900001", "3171004101900001", "3171010000000000", "\u00a0", "3.1E15", "1e5",
    "3171014101900001\n3171014101900002", "\u0663\u0661\u0667\u0661014101900001",
    "3171014101900001 '",
    "''3171014101900001", "3171014101900001.5", "3,171,014,101,900,001", "3171-0141-0190-0001",
    "0000000000000000", "9999999999999999", "3171017102240001", "3171010207240001",
    "3171010107240001", "3171012902000001", "+3171014101900001", "--", "3171014101900001,000",
]  # fmt: skip


def _damaged(rng: np.random.Generator, nik: str) -> object:
    """One random kind of damage (or none) applied to a valid NIK."""
    digits = list(nik)
    kind = int(rng.integers(0, 20))
    pick = int(rng.integers(0, 16))
    match kind:
        case 0:
            return nik
        case 1:
            return " ".join([nik[:4], nik[4:8], nik[8:12], nik[12:]])
        case 2:
            return "'" + nik
        case 3:
            return ".".join([nik[:2], nik[2:4], nik[4:6], nik[6:12], nik[12:]])
        case 4:
            return f"{int(nik):.5E}"
        case 5:
            return f"{int(nik):.15e}".replace(".", ",")
        case 6:
            return nik + ".0"
        case 7:
            digits[pick] = str(rng.integers(0, 10))
        case 8:
            digits[6:8] = f"{rng.integers(0, 100):02d}"
        case 9:
            digits[8:10] = f"{rng.integers(0, 20):02d}"
        case 10:
            digits[12:16] = "0000"
        case 11:
            digits[0:2] = f"{rng.integers(0, 100):02d}"
        case 12:
            digits[2:6] = str(rng.choice(["0001", "0100", "0000"]))
        case 13:
            return nik[:pick] + nik[pick + 1 :]
        case 14:
            return nik[:pick] + str(rng.integers(0, 10)) + nik[pick:]
        case 15:
            digits[pick] = str(rng.choice(["O", "l", "x", "#"]))
        case 16:
            return str(rng.choice(["", " ", "-", "'", "\u00a0", "—", "N/A"]))
        case 17:  # 29 February (man or woman) in a random year
            digits[6:10] = str(rng.choice(["2902", "6902", "3102", "3004", "7104"]))
        case 18:  # birthdays around the reference date
            digits[6:12] = str(rng.choice(["300624", "010724", "020724", "410724", "420724"]))
        case _:
            return f"\u00a0{nik[:6]}\u200b{nik[6:]} "
    return "".join(digits)


def _random_niks(rng: np.random.Generator, n: int) -> list[str]:
    kecamatan = ["317101", "317405", "320101", "110101", "960101", "940201", "921001", "530101"]
    out = []
    for _ in range(n):
        birth = dt.date(1925, 1, 1) + dt.timedelta(days=int(rng.integers(0, 36_500)))
        out.append(
            make_nik(
                kecamatan_code=str(rng.choice(kecamatan)),
                birth_date=birth,
                sex="P" if rng.integers(0, 2) else "L",
                serial=int(rng.integers(1, 10_000)),
            )
        )
    return out


def _expected_row(raw, *, reference_date, province_codes, kind="nik"):
    if kind == "nik":
        parsed, errors = validate_nik(
            raw, reference_date=reference_date, province_codes=province_codes
        )
    else:
        parsed, errors = validate_nkk(raw, province_codes=province_codes)
    try:
        clean = clean_identity_number(raw)
    except NikInvalid:
        clean = None
    row = {
        "clean": clean if clean is not None and len(clean) == 16 else None,
        "error": errors[0].value if errors else None,
    }
    if kind == "nik":
        row["birth_date"] = parsed.birth_date if parsed else None
        row["sex"] = parsed.sex if parsed else None
    return row


def _assert_frame_agrees(values, dtype, *, reference_date, province_codes=None, kind="nik"):
    frame = pl.DataFrame({"nik": values}, schema={"nik": dtype}, strict=False)
    if kind == "nik":
        out = validate_nik_frame(
            frame, "nik", reference_date=reference_date, province_codes=province_codes
        )
    else:
        out = validate_nkk_frame(frame, "nik", province_codes=province_codes)
    got = out.drop("nik").rename(lambda c: c.removeprefix("nik_")).to_dicts()
    for raw, row in zip(frame["nik"].to_list(), got, strict=True):
        expected = _expected_row(
            raw, reference_date=reference_date, province_codes=province_codes, kind=kind
        )
        assert row == expected, f"input {raw!r}"
    return out


@pytest.mark.parametrize("reference_date", [REF, dt.date(2000, 1, 1), dt.date(2000, 2, 29)])
@pytest.mark.parametrize("province_codes", [None, ("31", "32", "96")])
def test_vectorised_agrees_with_scalar_on_text(reference_date, province_codes):
    rng = np.random.default_rng(20241127)
    values = HAND_WRITTEN + [_damaged(rng, nik) for nik in _random_niks(rng, 600)]
    out = _assert_frame_agrees(
        values, pl.String, reference_date=reference_date, province_codes=province_codes
    )
    # The generator must keep exercising every rule, or this test proves little.
    seen = set(out["nik_error"].drop_nulls().cast(pl.String))
    expected = {e.value for e in NikError} - ({"region_mismatch"} if not province_codes else set())
    assert seen == expected
    assert out["nik_error"].null_count() > 100


def test_vectorised_agrees_with_scalar_on_numbers():
    rng = np.random.default_rng(5)
    ints = [int(n) for n in _random_niks(rng, 200)] + [None, -1, 0, 9171014101900001, 2**53]
    _assert_frame_agrees(ints, pl.Int64, reference_date=REF)
    _assert_frame_agrees([i for i in ints if i is None or i >= 0], pl.UInt64, reference_date=REF)
    floats = [float(i) for i in ints if i is not None] + [
        None, float("nan"), float("inf"), -float("inf"), 1.5, -0.0, 3171014101900001.5,
        float(2**53 - 1), 1e16,
    ]  # fmt: skip
    out = _assert_frame_agrees(floats, pl.Float64, reference_date=REF)
    assert "precision_lost" in set(out["nik_error"].drop_nulls().cast(pl.String))
    _assert_frame_agrees([None, None], pl.Null, reference_date=REF)


def test_vectorised_nkk_agrees_with_scalar():
    rng = np.random.default_rng(11)
    values = HAND_WRITTEN + [_damaged(rng, nik) for nik in _random_niks(rng, 300)]
    _assert_frame_agrees(values, pl.String, reference_date=REF, kind="nkk")
    _assert_frame_agrees(values, pl.String, reference_date=REF, province_codes=["31"], kind="nkk")


def test_frame_columns_prefix_and_lazy():
    frame = pl.DataFrame({"no": [1, 2], "nik_pemilih": [NIK, "3.17101E+15"]})
    out = validate_nik_frame(frame, "nik_pemilih", reference_date=REF, prefix="nik")
    assert out.columns == [
        "no",
        "nik_pemilih",
        "nik_clean",
        "nik_error",
        "nik_birth_date",
        "nik_sex",
    ]
    assert out["nik_pemilih"].to_list() == frame["nik_pemilih"].to_list()
    assert out.schema["nik_error"] == pl.Enum([e.value for e in NikError])
    lazy = validate_nik_frame(frame.lazy(), "nik_pemilih", reference_date=REF)
    assert isinstance(lazy, pl.LazyFrame)
    assert lazy.collect()["nik_pemilih_error"].to_list() == [None, "scientific_notation"]


def test_frame_refuses_reserved_names_and_odd_types():
    with pytest.raises(ValueError, match="reserved"):
        validate_nik_frame(
            pl.DataFrame({"nik": [NIK], "__pilkada_identity_text": [1]}), "nik", reference_date=REF
        )
    with pytest.raises(TypeError):
        validate_nik_frame(pl.DataFrame({"nik": [True]}), "nik", reference_date=REF)


def test_engine_does_not_import_django():
    code = (
        "import sys, pilkada.engine.nik, pilkada.engine.names; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0

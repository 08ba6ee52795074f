"""Parsing and validating province files, without a database: every broken file is rejected
with typed errors that name the line."""

import pytest

from pilkada.regions.loader import (
    MAX_ERRORS,
    LoadErrorCode,
    RegionFileError,
    parse_region_bytes,
    parse_region_file,
)
from pilkada.regions.services import SHIPPED_DATA_DIR

E = LoadErrorCode
GOOD = """kode,nama
31,Daerah Khusus Ibukota Jakarta
31.71,Kota Administrasi Jakarta Pusat
31.71.01,Gambir
31.71.01.1001,Gambir
31.71.01.1002,Cideng
"""


def errors_of(text: str | bytes) -> list[tuple[int | None, LoadErrorCode]]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(RegionFileError) as excinfo:
        parse_region_bytes(data, source="test.csv")
    return [(e.line, e.code) for e in excinfo.value.errors]


def test_good_file_parses():
    parsed = parse_region_bytes(GOOD.encode(), source="good.csv")
    assert parsed.province_code == "31"
    assert parsed.province_name == "Daerah Khusus Ibukota Jakarta"
    assert [(r.line, r.code, r.level, r.parent) for r in parsed.rows] == [
        (2, "31", "provinsi", None),
        (3, "3171", "kabkota", "31"),
        (4, "317101", "kecamatan", "3171"),
        (5, "3171011001", "kelurahan", "317101"),
        (6, "3171011002", "kelurahan", "317101"),
    ]
    assert parsed.rows[1].kind == "kota"
    assert parsed.rows[3].kind == "kelurahan"
    assert len(parsed.sha256) == 64


def test_shipped_jakarta_file_is_valid():
    parsed = parse_region_file(SHIPPED_DATA_DIR / "31.csv")
    levels = [r.level for r in parsed.rows]
    assert [levels.count(lv) for lv in ("provinsi", "kabkota", "kecamatan", "kelurahan")] == [
        1, 6, 44, 267,
    ]  # fmt: skip


def test_bom_crlf_blank_lines_whitespace_and_any_row_order_are_fine():
    text = "\ufeffkode,nama\r\n31.71.01,Gambir\r\n\r\n 31 , Daerah  Khusus Ibukota Jakarta \r\n"
    text += "31.71,Kota Administrasi Jakarta Pusat\r\n"
    parsed = parse_region_bytes(text.encode(), source="bom.csv")
    assert {r.code: r.name for r in parsed.rows} == {
        "317101": "Gambir",
        "31": "Daerah Khusus Ibukota Jakarta",
        "3171": "Kota Administrasi Jakarta Pusat",
    }
    assert [r.line for r in parsed.rows] == [2, 4, 5]


def test_header_is_case_insensitive():
    parse_region_bytes(GOOD.replace("kode,nama", "KODE, Nama").encode(), source="x.csv")


def test_quoted_names_with_commas():
    text = GOOD + '31.71.01.1003,"Petojo Utara, Bagian Barat"\n'
    parsed = parse_region_bytes(text.encode(), source="q.csv")
    assert parsed.rows[-1].name == "Petojo Utara, Bagian Barat"


@pytest.mark.parametrize(
    "header", ["code,name", "kode", "kode,nama,jenis", "nama,kode", "31,Daerah Khusus"]
)
def test_bad_header(header):
    assert errors_of(GOOD.replace("kode,nama", header)) == [(1, E.BAD_HEADER)]


def test_empty_files():
    assert errors_of("") == [(None, E.EMPTY_FILE)]
    assert errors_of("\n\n") == [(None, E.EMPTY_FILE)]
    assert errors_of("kode,nama\n") == [(None, E.NO_PROVINCE)]


def test_orphan_names_the_line():
    # 31.72 is not in the file, so its kecamatan is an orphan
    assert errors_of(GOOD + "31.72.01,Penjaringan\n") == [(7, E.ORPHAN)]
    # a kelurahan whose kecamatan is missing
    assert errors_of(GOOD + "31.71.02.1001,Pasar Baru\n") == [(7, E.ORPHAN)]


def test_duplicate_names_the_line_and_the_first():
    text = GOOD + "31.71.01.1002,Cideng Lagi\n"
    with pytest.raises(RegionFileError) as excinfo:
        parse_region_bytes(text.encode(), source="dup.csv")
    (error,) = excinfo.value.errors
    assert (error.line, error.code) == (7, E.DUPLICATE_CODE)
    assert "line 6" in error.message


def test_dotted_and_undotted_forms_of_one_code_are_duplicates():
    assert errors_of(GOOD + "3171011002,Cideng\n") == [(7, E.DUPLICATE_CODE)]


@pytest.mark.parametrize(
    "bad",
    ["31.7", "31.711", "3171.01", "31.71.01.100", "31.71.O1", "31.71.01.1001.001", "317", "x"],
)
def test_malformed_code(bad):
    assert errors_of(GOOD + f"{bad},Somewhere\n") == [(7, E.MALFORMED_CODE)]


def test_two_provinces():
    text = GOOD + "36,Banten\n36.71,Kota Tangerang\n"
    assert errors_of(text) == [(7, E.MULTIPLE_PROVINCES), (8, E.OUTSIDE_PROVINCE)]


def test_no_province_row():
    text = "kode,nama\n31.71,Kota Administrasi Jakarta Pusat\n"
    assert errors_of(text) == [(None, E.NO_PROVINCE), (2, E.ORPHAN)]


def test_empty_name():
    assert errors_of(GOOD + "31.71.01.1003,\n") == [(7, E.EMPTY_NAME)]
    assert errors_of(GOOD + "31.71.01.1003,   \n") == [(7, E.EMPTY_NAME)]


def test_bad_names():
    assert errors_of(GOOD + "31.71.01.1003,Nama\x07Aneh\n") == [(7, E.BAD_NAME)]
    assert errors_of(GOOD + f"31.71.01.1003,{'A' * 101}\n") == [(7, E.BAD_NAME)]


def test_an_empty_named_parent_does_not_make_orphans():
    text = GOOD.replace("31.71.01,Gambir", "31.71.01,")
    assert errors_of(text) == [(4, E.EMPTY_NAME)]


def test_wrong_column_count():
    assert errors_of(GOOD + "31.71.01.1003\n") == [(7, E.WRONG_COLUMN_COUNT)]
    assert errors_of(GOOD + "31.71.01.1003,Petojo,extra\n") == [(7, E.WRONG_COLUMN_COUNT)]


def test_not_utf8_names_the_line():
    data = GOOD.encode() + "31.71.01.1003,Petojo Utara\n".encode("utf-16-le")
    assert errors_of(data) == [(7, E.NOT_UTF8)]
    data = GOOD.encode() + "31.71.01.1003,Cik\xe9\n".encode("latin-1")
    assert errors_of(data) == [(7, E.NOT_UTF8)]


def test_broken_csv_quoting():
    assert errors_of(GOOD + '31.71.01.1003,"Petojo" Utara\n') == [(7, E.BAD_CSV)]


def test_all_errors_are_reported_not_only_the_first():
    text = GOOD + "31.7,A\n31.71.01.1001,B\n31.72.01,C\n31.71.01.1009,\n"
    assert errors_of(text) == [
        (7, E.MALFORMED_CODE),
        (8, E.DUPLICATE_CODE),
        (10, E.EMPTY_NAME),
        (9, E.ORPHAN),  # whole-file checks come after the line checks
    ]


def test_errors_are_capped_but_counted():
    text = GOOD + "".join(f"31.{i:03d},Bad {i}\n" for i in range(MAX_ERRORS + 10))
    with pytest.raises(RegionFileError) as excinfo:
        parse_region_bytes(text.encode(), source="many.csv")
    exc = excinfo.value
    assert len(exc.errors) == MAX_ERRORS
    assert exc.total == MAX_ERRORS + 10
    assert exc.lines()[-1] == "  ... and 10 more"
    assert "60 errors" in exc.summary()
    assert exc.as_dict()["total_errors"] == MAX_ERRORS + 10


def test_error_text_names_line_and_code():
    with pytest.raises(RegionFileError) as excinfo:
        parse_region_bytes((GOOD + "31.72.01,Penjaringan\n").encode(), source="o.csv")
    assert str(excinfo.value.errors[0]) == (
        "line 7: code 31.72.01: parent 31.72 is not in the file [ORPHAN]"
    )
    assert str(excinfo.value) == "o.csv: rejected, 1 error; nothing was written"

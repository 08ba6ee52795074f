"""Reading supporter lists (B.1.1-KWK): every kind of damage real uploads carry, each in a small
file written here; every test checks that the counts reconcile and that nothing is lost."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest

from pilkada.engine import cell_cleaning, dp4_import
from pilkada.engine.nik import make_nik
from pilkada.engine.support_import import (
    LOAD_SCHEMA,
    REJECTS_HEADER,
    SUPPORT_COLUMNS,
    FileProblem,
    FileRejected,
    Progress,
    Reason,
    Severity,
    SupportImportOutcome,
    read_supporters,
)

REFERENCE = dt.date(2024, 11, 27)
HEADER = list(SUPPORT_COLUMNS)
NIK_P = make_nik(kecamatan_code="317101", birth_date=dt.date(1990, 4, 1), sex="P", serial=2)
NIK_L = make_nik(kecamatan_code="317101", birth_date=dt.date(1985, 12, 25), sex="L", serial=1)


def person(**changes) -> dict[str, str]:
    row = {
        "nik": NIK_P,
        "nama": "SITI NURHAYATI",
        "tempat_lahir": "JAKARTA",
        "tanggal_lahir": "1990-04-01",
        "jenis_kelamin": "P",
        "alamat": "JL. KENANGA III NO. 12A",
        "rt": "003",
        "rw": "011",
        "kode_kelurahan": "3171011001",
        "pekerjaan": "KARYAWAN SWASTA",
    }
    row.update(changes)
    return row


def man(**changes) -> dict[str, str]:
    base = {"nik": NIK_L, "nama": "BUDI SANTOSO", "tanggal_lahir": "1985-12-25"}
    return person(**{"jenis_kelamin": "L", **base, **changes})


def csv_line(values, delimiter=",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(values)
    return out.getvalue()[:-1]


def rows_text(rows, delimiter=",", header=None) -> str:
    header = header or HEADER
    lines = [csv_line(header, delimiter)]
    for r in rows:
        lines.append(r if isinstance(r, str) else csv_line([r[c] for c in header], delimiter))
    return "\n".join(lines) + "\n"


def write(tmp_path: Path, text: str, name="dukungan.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path: Path, tmp_path: Path, **kwargs) -> SupportImportOutcome:
    options = {
        "reference_date": REFERENCE,
        "rejects_path": tmp_path / "rejects.csv",
        "staging_path": tmp_path / "staged.parquet",
        "region_code": "31",
    }
    options.update(kwargs)
    outcome = read_supporters(path, **options)
    check(outcome)
    return outcome


def check(outcome: SupportImportOutcome) -> None:
    """Counts reconcile: the outcome, the rejects file, the staged rows, the file's lines."""
    assert outcome.reconciles
    assert outcome.read == outcome.accepted + outcome.flagged + outcome.rejected
    assert sum(outcome.reject_counts.values()) == outcome.rejected
    rejects = rejects_of(outcome)
    assert rejects.height == outcome.rejected
    staged = outcome.frame()
    assert staged.schema == pl.Schema(LOAD_SCHEMA)
    assert staged.height == outcome.persons
    assert (staged["quality_flags"] != "").sum() == outcome.flagged
    assert staged["line"].is_sorted()
    lines = staged["line"].to_list() + rejects["line"].to_list()
    assert len(lines) == len(set(lines)), "a line ended up in two places"
    if outcome.file_format == "csv":
        data = outcome.path.read_bytes()
        physical = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        assert outcome.lines == physical


def rejects_of(outcome: SupportImportOutcome) -> pl.DataFrame:
    frame = pl.read_csv(outcome.rejects_path, infer_schema=False)
    assert tuple(frame.columns) == REJECTS_HEADER
    return frame.with_columns(pl.col("line").cast(pl.Int64))


def by_line(outcome: SupportImportOutcome) -> dict[int, dict]:
    return {r["line"]: r for r in outcome.frame().iter_rows(named=True)}


def flags(row: dict) -> set[str]:
    return {f for f in row["quality_flags"].split(",") if f}


# --- clean files --------------------------------------------------------------------------


def test_clean_csv_is_staged_with_typed_columns(tmp_path):
    path = write(tmp_path, rows_text([person(kode_kelurahan="31.71.01.1001"), man(rt="7")]))
    outcome = run(path, tmp_path)
    assert (outcome.read, outcome.accepted, outcome.flagged, outcome.rejected) == (2, 2, 0, 0)
    rows = by_line(outcome)
    assert set(rows) == {2, 3}
    siti = rows[2]
    assert siti["nik"] == NIK_P and siti["nik_error"] is None
    assert siti["tanggal_lahir"] == dt.date(1990, 4, 1)
    assert siti["kode_kelurahan"] == "3171011001"  # dots removed
    assert siti["pekerjaan"] == "KARYAWAN SWASTA"
    assert rows[3]["rt"] == "007"
    assert outcome.staging_path == tmp_path / "staged.parquet"
    assert not (tmp_path / "staged.parquet.part").exists()
    # The file holds the rows the outcome keeps in memory.
    assert pl.read_parquet(outcome.staging_path).equals(outcome.frame())


def test_rows_kept_in_memory_only_without_a_staging_path(tmp_path):
    text = rows_text([person(), man(rt="7"), "x"])
    staged = run(write(tmp_path, text), tmp_path)
    (tmp_path / "memory").mkdir()
    memory = run(write(tmp_path / "memory", text), tmp_path / "memory", staging_path=None)
    assert memory.staging_path is None
    assert memory.frame().schema == pl.Schema(LOAD_SCHEMA)
    assert memory.frame().equals(pl.read_parquet(staged.staging_path))
    assert sorted(p.name for p in (tmp_path / "memory").iterdir()) == [
        "dukungan.csv",
        "rejects.csv",
    ]


def test_reasons_are_typed_with_severity_column_and_message():
    assert Reason("wrong_column_count").severity is Severity.REJECT
    assert Reason("no_identity").severity is Severity.REJECT
    # A damaged NIK is a flag, never a reject: verification makes it TMS nik_invalid.
    assert all(r.severity is Severity.FLAG for r in Reason if r.value.startswith("nik_"))
    assert Reason.KELURAHAN_OUTSIDE_REGION.column == "kode_kelurahan"
    assert all(r.message for r in Reason)


def test_cleaning_rules_are_those_of_the_dp4_import():
    assert cell_cleaning.DATE_FORMATS == dp4_import.DATE_FORMATS
    assert cell_cleaning.SEX_CODES == dp4_import.SEX_CODES
    assert cell_cleaning.TIME_SUFFIX == dp4_import._TIME_SUFFIX
    assert cell_cleaning.STRIP_CHARS == dp4_import._STRIP


# --- encodings and delimiters ---------------------------------------------------------------


def test_utf8_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + rows_text([person(nama="JOSÉ")]).encode())
    outcome = run(path, tmp_path)
    assert outcome.encoding == "utf-8-sig"
    assert outcome.frame()["nama"].to_list() == ["JOSÉ"]
    assert outcome.frame()["nik"].to_list() == [NIK_P]


def test_semicolon_delimiter(tmp_path):
    path = write(tmp_path, rows_text([person(nama="SITI, S.H."), man()], delimiter=";"))
    outcome = run(path, tmp_path)
    assert outcome.delimiter == ";" and outcome.accepted == 2
    assert outcome.frame()["nama"].to_list() == ["SITI, S.H.", "BUDI SANTOSO"]


def test_windows_1252_lines_in_a_utf8_file(tmp_path):
    utf8 = rows_text([person(nama="ANDRÉ")]).encode("utf-8")
    cp = (csv_line(list(man(alamat="GG. SÉROJA \u2013 BLOK Ä").values())) + "\n").encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(utf8 + cp)
    outcome = run(path, tmp_path)
    assert outcome.cp1252_lines == 1 and "windows-1252" in outcome.encoding
    assert outcome.frame()["alamat"].to_list()[1] == "GG. SÉROJA \u2013 BLOK Ä"


def test_crlf_and_title_lines_above_the_header(tmp_path):
    text = "DAFTAR NAMA PENDUKUNG (B.1.1-KWK)\nPASANGAN CALON 1\n" + rows_text([person(), man()])
    path = write(tmp_path, text.replace("\n", "\r\n"))
    outcome = run(path, tmp_path)
    assert (outcome.preamble, outcome.header_line, outcome.accepted) == (2, 3, 2)
    assert sorted(by_line(outcome)) == [4, 5]


# --- NIKs as spreadsheets damage them -----------------------------------------------------


def test_excel_number_niks(tmp_path):
    rows = [
        person(nik=f"{NIK_P}.0"),  # a float formatter's whole number below 2**53: exact
        man(nik="3.17101E+15"),  # scientific notation: the digits are gone
        person(nik=f"'{NIK_P}"),  # Excel's text marker
        man(nik="3171 0125 1285 0001"),  # spaces between groups
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    rows = by_line(outcome)
    assert rows[2]["nik"] == NIK_P and flags(rows[2]) == set()
    assert rows[3]["nik"] == "3.17101E+15" and rows[3]["nik_error"] == "scientific_notation"
    assert flags(rows[3]) == {"nik_scientific_notation"}
    assert rows[4]["nik"] == NIK_P and rows[4]["nik_error"] is None
    assert rows[5]["nik"] == NIK_L and rows[5]["nik_error"] is None
    assert (outcome.accepted, outcome.flagged, outcome.rejected) == (3, 1, 0)


@pytest.mark.parametrize(
    ("nik", "error"),
    [
        ("317101410490000", "wrong_length"),
        ("31710141049OOO02", "non_digit"),
        ("3171019904900002", "bad_date"),
        ("3171014104900000", "zero_serial"),
        ("9971014104900002", "bad_province"),
        ("", "empty"),
    ],
)
def test_a_damaged_nik_is_kept_and_flagged_never_rejected(tmp_path, nik, error):
    outcome = run(write(tmp_path, rows_text([person(nik=nik)])), tmp_path)
    assert (outcome.flagged, outcome.rejected) == (1, 0)
    row = by_line(outcome)[2]
    assert row["nik_error"] == error
    assert f"nik_{error}" in flags(row)


def test_a_nik_from_another_province_is_valid(tmp_path):
    other = make_nik(kecamatan_code="320101", birth_date=dt.date(1990, 4, 1), sex="P", serial=3)
    outcome = run(write(tmp_path, rows_text([person(nik=other)])), tmp_path)
    assert by_line(outcome)[2]["nik_error"] is None


# --- dates, codes --------------------------------------------------------------------------


def test_both_day_first_date_formats_and_impossible_dates(tmp_path):
    rows = [
        person(tanggal_lahir="1990-04-01"),
        person(tanggal_lahir="01-04-1990"),
        person(tanggal_lahir="01/04/1990"),
        person(tanggal_lahir="1/4/1990"),
        person(tanggal_lahir="1990-04-01 00:00:00"),
        person(tanggal_lahir="31-02-1990"),
        person(tanggal_lahir="kemarin"),
        person(tanggal_lahir=""),
        person(tanggal_lahir="2030-04-01"),
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    rows = by_line(outcome)
    for line in range(2, 7):
        assert rows[line]["tanggal_lahir"] == dt.date(1990, 4, 1), line
        assert flags(rows[line]) == set(), line
    assert flags(rows[7]) == {"tanggal_lahir_invalid"}
    assert flags(rows[8]) == {"tanggal_lahir_invalid"}
    assert flags(rows[9]) == {"tanggal_lahir_empty"}
    assert "tanggal_lahir_out_of_range" in flags(rows[10])


def test_nik_disagreeing_with_birth_date_and_sex(tmp_path):
    rows = [person(tanggal_lahir="04-01-1990"), person(jenis_kelamin="L")]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    rows = by_line(outcome)
    assert flags(rows[2]) == {"nik_birth_mismatch"}
    assert flags(rows[3]) == {"nik_sex_mismatch"}


def test_region_codes_rt_rw_occupation_and_long_values(tmp_path):
    rows = [
        person(kode_kelurahan="3271011001"),  # another province
        person(kode_kelurahan="3171019999"),  # in the region, not in the reference list
        person(kode_kelurahan="31710110"),  # not 10 digits
        person(rt="1234", rw="x"),
        person(pekerjaan="  "),
        person(nama="A" * 250),
        person(jenis_kelamin="perempuan", pekerjaan=" Pegawai   Negeri  Sipil "),
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path, kelurahan_codes={"31.71.01.1001"})
    rows = by_line(outcome)
    assert flags(rows[2]) == {"kelurahan_outside_region"}
    assert flags(rows[3]) == {"kelurahan_unknown"}
    assert flags(rows[4]) == {"kelurahan_invalid"}
    assert flags(rows[5]) == {"rt_invalid", "rw_invalid"}
    assert flags(rows[6]) == {"pekerjaan_empty"}
    assert flags(rows[7]) == {"value_too_long"} and len(rows[7]["nama"]) == 200
    assert flags(rows[8]) == set()
    assert rows[8]["jenis_kelamin"] == "P"
    assert rows[8]["pekerjaan"] == "Pegawai Negeri Sipil"
    assert outcome.flag_counts["kelurahan_outside_region"] == 1


def test_header_aliases(tmp_path):
    header = ["No NIK", "Nama Lengkap", "Tgl Lahir", "JK", "Kode Kel", "Jenis Pekerjaan"]
    text = csv_line(header) + "\n" + csv_line([NIK_P, "SITI", "01/04/1990", "P", "3171011001",
                                               "WIRASWASTA"]) + "\n"  # fmt: skip
    outcome = run(write(tmp_path, text), tmp_path)
    assert outcome.accepted == 1
    assert set(outcome.missing_columns) == {"tempat_lahir", "alamat", "rt", "rw"}
    assert by_line(outcome)[2]["pekerjaan"] == "WIRASWASTA"


# --- blank lines, repeated headers, rejects ------------------------------------------------


def test_blank_lines_and_repeated_headers_are_counted_apart(tmp_path):
    lines = [
        csv_line(list(person().values())),
        "",
        ",,,,,,,,,",
        csv_line([h.upper() for h in HEADER]),
        csv_line(list(man().values())),
    ]
    outcome = run(write(tmp_path, rows_text(lines)), tmp_path)
    assert (outcome.read, outcome.blank, outcome.repeated_headers) == (2, 2, 1)
    assert sorted(by_line(outcome)) == [2, 6]


def test_rows_that_cannot_be_read_as_a_person_are_rejected_with_their_line(tmp_path):
    rows = [
        person(),
        csv_line(list(man().values())[:-1]),  # 9 cells where the header has 10
        person(nik="", nama=""),  # neither NIK nor name
        '3171,"SITI,JAKARTA,1990-04-01,P,JL,1,2,3171011001,X',  # a quote that never closes
        person(nama=""),  # a NIK without a name: a person (flagged)
        man(),
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    rejects = rejects_of(outcome)
    assert dict(zip(rejects["line"], rejects["reason_code"], strict=True)) == {
        3: "wrong_column_count",
        4: "no_identity",
        5: "unbalanced_quote",
    }
    assert (
        rejects.filter(pl.col("line") == 3)["reason"]
        .item()
        .endswith("(9 fields where the header has 10)")
    )
    assert outcome.reject_counts == {
        "wrong_column_count": 1,
        "no_identity": 1,
        "unbalanced_quote": 1,
    }
    assert sorted(by_line(outcome)) == [2, 6, 7]
    assert flags(by_line(outcome)[6]) == {"nama_empty"}


# --- whole files refused -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", FileProblem.EMPTY),
        ((",".join(HEADER) + "\n").encode(), FileProblem.EMPTY),
        (b"nik,nama,tanggal_lahir,jenis_kelamin,kode_kelurahan\n1,2,3,4,5\n",
         FileProblem.MISSING_COLUMNS),
        (b"a,b,c\n1,2,3\n", FileProblem.NO_HEADER),
        ((",".join(HEADER) + "\n" + ",".join(["1"] * 3) + "\n").encode(),
         FileProblem.NOTHING_READABLE),
    ],
)  # fmt: skip
def test_files_refused_as_a_whole_leave_nothing_staged(tmp_path, content, problem):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as exc:
        run(path, tmp_path)
    assert exc.value.problem is problem
    assert not (tmp_path / "staged.parquet").exists()
    assert not (tmp_path / "staged.parquet.part").exists()


def test_missing_occupation_column_is_named(tmp_path):
    header = [h for h in HEADER if h != "pekerjaan"]
    path = write(tmp_path, rows_text([person()], header=header))
    with pytest.raises(FileRejected, match="pekerjaan"):
        run(path, tmp_path)


def test_bad_region_code_argument(tmp_path):
    path = write(tmp_path, rows_text([person()]))
    with pytest.raises(ValueError, match="region_code"):
        run(path, tmp_path, region_code="3")


# --- XLSX and Parquet ---------------------------------------------------------------------


def _xlsx(path: Path, rows: list[list]) -> Path:
    xlsxwriter = pytest.importorskip("xlsxwriter")
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    sheet = workbook.add_worksheet("B.1.1-KWK")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
            elif isinstance(value, int | float):
                sheet.write_number(r, c, value)
            else:
                sheet.write_string(r, c, value)
    workbook.close()
    return path


def test_xlsx_with_excel_number_niks_dates_blank_and_repeated_header(tmp_path):
    def cells(row: dict) -> list:
        return [row[c] for c in HEADER]

    rows = [
        ["DAFTAR PENDUKUNG"],  # 1: a title
        HEADER,  # 2
        cells(person(nik=int(NIK_P), tanggal_lahir=dt.date(1990, 4, 1), rt=3)),  # 3
        [],  # 4: blank
        [h.upper() for h in HEADER],  # 5: repeated header
        cells(man(nik=float(NIK_L))),  # 6: a float cell, below 2**53: exact
        cells(person(nik=9612345678901234.0)),  # 7: a float beyond 2**53
    ]
    outcome = run(_xlsx(tmp_path / "dukungan.xlsx", rows), tmp_path)
    assert outcome.file_format == "xlsx"
    assert (outcome.read, outcome.blank, outcome.repeated_headers) == (3, 1, 1)
    rows = by_line(outcome)
    assert rows[3]["nik"] == NIK_P and rows[3]["tanggal_lahir"] == dt.date(1990, 4, 1)
    assert rows[3]["rt"] == "003"
    assert rows[6]["nik"] == NIK_L and rows[6]["nik_error"] is None
    assert rows[7]["nik_error"] == "precision_lost"


def test_parquet_input(tmp_path):
    frame = pl.DataFrame([person(), man()]).with_columns(
        pl.col("nik").cast(pl.Int64)  # a NIK column stored as numbers
    )
    path = tmp_path / "dukungan.parquet"
    frame.write_parquet(path)
    outcome = run(path, tmp_path)
    assert outcome.file_format == "parquet" and outcome.accepted == 2
    assert outcome.frame()["nik"].to_list() == [NIK_P, NIK_L]


def test_progress_is_reported(tmp_path):
    seen: list[Progress] = []
    path = write(tmp_path, rows_text([person(), man()]))
    run(path, tmp_path, progress=seen.append)
    assert seen and seen[-1].stage == "read" and seen[-1].rows == 2
    assert seen[-1].fraction == 1.0


def test_the_staged_file_is_replaced_atomically_on_a_second_run(tmp_path):
    path = write(tmp_path, rows_text([person(), man()]))
    run(path, tmp_path)
    path = write(tmp_path, rows_text([man()]), name="second.csv")
    outcome = run(path, tmp_path)
    assert outcome.frame()["nik"].to_list() == [NIK_L]

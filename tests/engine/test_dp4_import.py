"""The DP4 import engine: every kind of damage real files carry, each in a small file written
here; every test checks that the counts reconcile and that the rejects file says why."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import polars as pl
import pytest

from pilkada.engine import tabular_read
from pilkada.engine.dp4_import import (
    DP4_COLUMNS,
    LOAD_SCHEMA,
    REJECTS_HEADER,
    FileProblem,
    FileRejected,
    ImportOutcome,
    Reason,
    Severity,
    read_and_validate,
)
from pilkada.engine.nik import make_nik

VOTING_DAY = dt.date(2024, 11, 27)
KELURAHAN = {"3171011001", "3171011002"}
HEADER = list(DP4_COLUMNS)
NIK_P = make_nik(kecamatan_code="317101", birth_date=dt.date(1990, 4, 1), sex="P", serial=2)
NIK_L = make_nik(kecamatan_code="317101", birth_date=dt.date(1985, 12, 25), sex="L", serial=1)
NKK = "3171012805180001"


def person(**changes) -> dict[str, str]:
    row = {
        "nkk": NKK,
        "nik": NIK_P,
        "nama": "SITI NURHAYATI",
        "tempat_lahir": "JAKARTA",
        "tanggal_lahir": "1990-04-01",
        "jenis_kelamin": "P",
        "status_kawin": "S",
        "alamat": "JL. KENANGA III NO. 12A",
        "rt": "003",
        "rw": "011",
        "kode_kelurahan": "31.71.01.1001",
        "disabilitas": "0",
        "ktp_el": "1",
    }
    row.update(changes)
    return row


def man(**changes) -> dict[str, str]:
    base = {
        "nik": NIK_L,
        "nama": "BUDI SANTOSO",
        "tanggal_lahir": "1985-12-25",
        "jenis_kelamin": "L",
    }
    return person(**{**base, **changes})


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


def write(tmp_path: Path, text: str, name="dp4.csv", encoding="utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def run(path: Path, tmp_path: Path, **kwargs) -> ImportOutcome:
    options = {
        "kind": "dp4",
        "province_code": "31",
        "kelurahan_codes": KELURAHAN,
        "reference_date": VOTING_DAY,
        "rejects_path": tmp_path / "rejects.csv",
    }
    options.update(kwargs)
    outcome = read_and_validate(path, **options)
    check(outcome)
    return outcome


def physical_lines(path: Path, encoding: str) -> int:
    data = path.read_bytes()
    if encoding == "utf-16":
        data = data.decode("utf-16").encode()
    return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)


def check(outcome: ImportOutcome) -> None:
    """Counts reconcile everywhere: the outcome, the rejects file, the staged rows, and (for
    CSV) the physical lines of the file."""
    assert outcome.reconciles
    assert outcome.read == outcome.accepted + outcome.flagged + outcome.rejected
    assert sum(outcome.reject_counts.values()) == outcome.rejected
    rejects = rejects_of(outcome)
    assert rejects.height == outcome.rejected
    persons = persons_of(outcome)
    assert persons.height == outcome.accepted + outcome.flagged
    assert (persons["quality_flags"] != "").sum() == outcome.flagged
    assert persons.schema == pl.Schema(LOAD_SCHEMA)
    lines = sorted(persons["line"].to_list() + rejects["line"].to_list())
    assert len(lines) == len(set(lines)), "a line ended up in two places"
    if outcome.file_format == "csv":
        assert outcome.lines == physical_lines(outcome.path, outcome.encoding)


def rejects_of(outcome: ImportOutcome) -> pl.DataFrame:
    frame = pl.read_csv(outcome.rejects_path, infer_schema=False)
    assert tuple(frame.columns) == REJECTS_HEADER
    return frame.with_columns(pl.col("line").cast(pl.Int64))


def persons_of(outcome: ImportOutcome) -> pl.DataFrame:
    frames = list(outcome.frames())
    return pl.concat(frames) if frames else pl.DataFrame(schema=LOAD_SCHEMA)


def by_line(outcome: ImportOutcome) -> dict[int, dict]:
    return {r["line"]: r for r in persons_of(outcome).iter_rows(named=True)}


def flags(row: dict) -> set[str]:
    return {f for f in row["quality_flags"].split(",") if f}


# --- clean files and their shape ---------------------------------------------------------


def test_clean_csv_all_accepted_with_typed_columns(tmp_path):
    path = write(tmp_path, rows_text([person(), man(rt="7", rw="12")]))
    outcome = run(path, tmp_path)
    assert (outcome.read, outcome.accepted, outcome.flagged, outcome.rejected) == (2, 2, 0, 0)
    assert outcome.encoding == "utf-8" and outcome.delimiter == ","
    rows = by_line(outcome)
    assert set(rows) == {2, 3}
    siti = rows[2]
    assert siti["nik"] == NIK_P and siti["nkk"] == NKK
    assert siti["tanggal_lahir"] == dt.date(1990, 4, 1)
    assert siti["kelurahan_code"] == "3171011001"
    assert (siti["disabilitas"], siti["ktp_el"], siti["quality_flags"]) == (0, True, "")
    assert (rows[3]["rt"], rows[3]["rw"]) == ("007", "012")
    assert outcome.sha256 == tabular_read.file_sha256(path)


def test_reasons_are_typed_with_severity_and_message():
    assert Reason("nik_scientific_notation").severity is Severity.FLAG
    assert Reason("wrong_column_count").severity is Severity.REJECT
    assert all(r.message for r in Reason)
    assert Reason.OUTSIDE_REGION.column == "kode_kelurahan"


def test_utf8_bom(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + rows_text([person(nama="JOSÉ")]).encode())
    outcome = run(path, tmp_path)
    assert outcome.encoding == "utf-8-sig"
    assert outcome.accepted == 1
    assert persons_of(outcome)["nama"].to_list() == ["JOSÉ"]


def test_semicolon_delimiter_sniffed(tmp_path):
    text = rows_text([person(nama="SITI, S.H."), man()], delimiter=";")
    outcome = run(write(tmp_path, text), tmp_path)
    assert outcome.delimiter == ";"
    assert outcome.accepted == 2
    assert persons_of(outcome)["nama"].to_list() == ["SITI, S.H.", "BUDI SANTOSO"]


def test_tab_delimiter_sniffed(tmp_path):
    outcome = run(write(tmp_path, rows_text([person()], delimiter="\t")), tmp_path)
    assert outcome.delimiter == "\t" and outcome.accepted == 1


def test_windows_1252_text_keeps_accented_names(tmp_path):
    text = rows_text([person(nama="RENÉ SÉTIAWAN", alamat="JL. KENANGA NO. 5 \u2013 BLOK Ä")])
    path = write(tmp_path, text, encoding="cp1252")
    outcome = run(path, tmp_path)
    assert outcome.cp1252_lines == 1
    assert "windows-1252" in outcome.encoding
    row = persons_of(outcome).row(0, named=True)
    assert row["nama"] == "RENÉ SÉTIAWAN"
    assert row["alamat"] == "JL. KENANGA NO. 5 \u2013 BLOK Ä"


def test_file_mixing_utf8_and_cp1252_lines(tmp_path):
    utf8 = rows_text([person(nama="ANDRÉ")]).encode("utf-8")
    cp = (csv_line(list(man(nama="NOËL").values())) + "\n").encode("cp1252")
    path = tmp_path / "mixed.csv"
    path.write_bytes(utf8 + cp)
    outcome = run(path, tmp_path)
    assert outcome.cp1252_lines == 1
    assert persons_of(outcome)["nama"].to_list() == ["ANDRÉ", "NOËL"]


def test_utf16_with_bom(tmp_path):
    path = write(tmp_path, rows_text([person(nama="SITI")], delimiter="\t"), encoding="utf-16")
    outcome = run(path, tmp_path)
    assert outcome.encoding == "utf-16" and outcome.accepted == 1


def test_crlf_line_ends(tmp_path):
    text = rows_text([person(), man()]).replace("\n", "\r\n")
    outcome = run(write(tmp_path, text), tmp_path)
    assert outcome.accepted == 2
    assert persons_of(outcome)["ktp_el"].to_list() == [True, True]


# --- identity numbers as spreadsheets damage them -----------------------------------------


def test_excel_number_niks(tmp_path):
    rows = [
        person(nik=NIK_P),  # plain digits: fine
        man(nik=f"{NIK_L}.0"),  # a float formatter's whole number below 2**53: exact
        person(nik="3.17101E+15"),  # scientific: the digits are gone
        man(nkk="3,17101E+15"),  # Indonesian-locale scientific NKK
        person(nik="9612345678901234.0"),  # a float at or above 2**53: may be wrong
        person(nik=f"'{NIK_P}"),  # Excel's text marker
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    rows = by_line(outcome)
    assert flags(rows[2]) == set() and rows[2]["nik"] == NIK_P
    assert flags(rows[3]) == set() and rows[3]["nik"] == NIK_L
    assert flags(rows[4]) == {"nik_scientific_notation"}
    assert rows[4]["nik"] == "3.17101E+15"  # kept as given, for coklit to correct
    assert flags(rows[5]) == {"nkk_scientific_notation"}
    assert flags(rows[6]) == {"nik_precision_lost"}
    assert flags(rows[7]) == set() and rows[7]["nik"] == NIK_P
    assert (outcome.accepted, outcome.flagged) == (3, 3)
    assert outcome.flag_counts == {
        "nik_scientific_notation": 1,
        "nkk_scientific_notation": 1,
        "nik_precision_lost": 1,
    }


def test_other_nik_damage_is_flagged_not_dropped(tmp_path):
    rows = [
        person(nik="317101410490000"),  # 15 digits
        person(nik="31710141049OOO02"),  # letters O for zeros
        person(nik="3171019904900002"),  # day 99
        person(nik="3171014104900000"),  # serial 0000
        person(nik=""),  # empty NIK, but a name: a person
        person(nik="3171 0141 0490 0002"),  # spaces: repaired by the NIK rules
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    rows = by_line(outcome)
    assert "nik_wrong_length" in flags(rows[2])
    assert "nik_non_digit" in flags(rows[3])
    assert "nik_bad_date" in flags(rows[4])
    assert "nik_zero_serial" in flags(rows[5])
    assert flags(rows[6]) == {"nik_empty"}
    assert flags(rows[7]) == set() and rows[7]["nik"] == NIK_P
    assert outcome.flagged == 5 and outcome.rejected == 0


def test_nik_disagreeing_with_birth_date_and_sex(tmp_path):
    rows = [
        person(tanggal_lahir="1990-01-04"),  # day and month swapped against the NIK
        person(jenis_kelamin="L"),  # the NIK says a woman
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    rows = by_line(outcome)
    assert flags(rows[2]) == {"nik_birth_mismatch"}
    assert flags(rows[3]) == {"nik_sex_mismatch"}


# --- dates, codes, whitespace ---------------------------------------------------------------


def test_three_date_formats_and_impossible_dates(tmp_path):
    rows = [
        person(tanggal_lahir="1990-04-01"),
        person(tanggal_lahir="01-04-1990"),
        person(tanggal_lahir="01/04/1990"),
        person(tanggal_lahir="1/4/1990"),
        person(tanggal_lahir="1990-04-01 00:00:00"),
        person(tanggal_lahir="31-02-1990"),  # impossible
        person(tanggal_lahir="1990-13-01"),  # month 13
        person(tanggal_lahir="kemarin"),
        person(tanggal_lahir=""),
        person(tanggal_lahir="2030-04-01"),  # after voting day
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    rows = by_line(outcome)
    for line in (2, 3, 4, 5, 6):
        assert rows[line]["tanggal_lahir"] == dt.date(1990, 4, 1), line
        assert flags(rows[line]) == set(), line
    for line in (7, 8, 9):
        assert rows[line]["tanggal_lahir"] is None
        assert flags(rows[line]) == {"tanggal_lahir_invalid"}, line
    assert flags(rows[10]) == {"tanggal_lahir_empty"}
    assert "tanggal_lahir_out_of_range" in flags(rows[11])
    assert outcome.accepted == 5 and outcome.flagged == 5


def test_whitespace_lower_case_sex_and_word_codes(tmp_path):
    rows = [
        person(nama="  siti   nurhayati ", jenis_kelamin=" p ", nik=f" {NIK_P}\u00a0"),
        man(jenis_kelamin="l", status_kawin="kawin", ktp_el="ya"),
        man(jenis_kelamin="Laki-laki", status_kawin="CERAI MATI", ktp_el="0"),
        person(jenis_kelamin="PEREMPUAN", status_kawin="b"),
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    assert outcome.accepted == 4
    rows = by_line(outcome)
    assert rows[2]["nama"] == "siti nurhayati" and rows[2]["jenis_kelamin"] == "P"
    assert rows[2]["nik"] == NIK_P
    assert (rows[3]["jenis_kelamin"], rows[3]["status_kawin"], rows[3]["ktp_el"]) == (
        "L",
        "S",
        True,
    )
    assert (rows[4]["jenis_kelamin"], rows[4]["status_kawin"], rows[4]["ktp_el"]) == (
        "L",
        "P",
        False,
    )
    assert (rows[5]["jenis_kelamin"], rows[5]["status_kawin"]) == ("P", "B")


def test_bad_codes_are_flagged(tmp_path):
    rows = [
        person(jenis_kelamin="X"),
        person(status_kawin="Z"),
        person(rt="A1"),
        person(rw="1234"),
        person(disabilitas="9"),
        person(ktp_el="maybe"),
        person(kode_kelurahan="31.71.01.1999"),  # in the province, not in the list
        person(kode_kelurahan="31.71.01"),  # not a kelurahan code
        person(kode_kelurahan=""),
        person(nama=""),  # no name, but a NIK: a person with a damaged field
        person(nkk=""),
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    rows = by_line(outcome)
    expected = {
        2: "jenis_kelamin_invalid",
        3: "status_kawin_invalid",
        4: "rt_invalid",
        5: "rw_invalid",
        6: "disabilitas_invalid",
        7: "ktp_el_invalid",
        8: "kelurahan_unknown",
        9: "kelurahan_invalid",
        10: "kelurahan_invalid",
        11: "nama_empty",
        12: "nkk_empty",
    }
    for line, flag in expected.items():
        assert flags(rows[line]) == {flag}, (line, rows[line]["quality_flags"])
    assert rows[2]["jenis_kelamin"] == "" and rows[6]["disabilitas"] is None
    assert rows[7]["ktp_el"] is None and rows[4]["rt"] == "A1"
    assert rows[8]["kelurahan_code"] == "3171011999"
    assert rows[9]["kelurahan_code"] == "31.71.01"
    assert outcome.flagged == len(expected) and outcome.accepted == 0


def test_too_long_value_is_cut_and_flagged(tmp_path):
    outcome = run(write(tmp_path, rows_text([person(nama="A" * 250)])), tmp_path)
    row = persons_of(outcome).row(0, named=True)
    assert len(row["nama"]) == 200 and flags(row) == {"value_too_long"}


# --- structure: blank lines, repeated headers, titles, quotes ------------------------------


def test_blank_lines_are_counted_and_line_numbers_stay_physical(tmp_path):
    text = (
        csv_line(HEADER)
        + "\n\n"  # line 2 blank
        + csv_line(list(person().values()))  # line 3
        + "\n   \n"  # line 4 whitespace only
        + ",,,,,,,,,,,,\n"  # line 5 only delimiters
        + csv_line(list(man().values()))  # line 6
        + "\n\n"  # line 7 blank
    )
    outcome = run(write(tmp_path, text), tmp_path)
    assert outcome.blank == 4
    assert sorted(by_line(outcome)) == [3, 6]
    assert outcome.read == 2


def test_repeated_header_in_the_middle(tmp_path):
    text = rows_text([person(), csv_line([h.upper() for h in HEADER]), man()])
    outcome = run(write(tmp_path, text), tmp_path)
    assert outcome.repeated_headers == 1
    assert outcome.read == 2
    assert sorted(by_line(outcome)) == [2, 4]


def test_title_lines_and_blank_lines_above_the_header(tmp_path):
    text = "DAFTAR PENDUDUK POTENSIAL PEMILIH\n\n" + rows_text([person()])
    outcome = run(write(tmp_path, text), tmp_path)
    assert outcome.preamble == 1 and outcome.header_line == 3
    assert sorted(by_line(outcome)) == [4]
    assert any("title" in n for n in outcome.notes)


def test_header_in_any_case_with_aliases_and_extra_columns(tmp_path):
    header = [
        "No KK", "NIK", "Nama Lengkap", "Tempat Lahir", "Tgl Lahir", "JK", "Status Kawin",
        "Alamat", "RT", "RW", "Kode Kelurahan", "Disabilitas", "KTP-el", "Keterangan",
    ]  # fmt: skip
    row = [*person().values(), "catatan"]
    text = csv_line(header) + "\n" + csv_line(row) + "\n"
    outcome = run(write(tmp_path, text), tmp_path)
    assert outcome.accepted == 1
    assert outcome.unknown_columns == ["Keterangan"]


def test_missing_optional_columns(tmp_path):
    header = ["nkk", "nik", "nama", "tanggal_lahir", "jenis_kelamin", "kode_kelurahan"]
    text = rows_text([person(), man()], header=header)
    outcome = run(write(tmp_path, text), tmp_path)
    assert outcome.accepted == 2
    assert set(outcome.missing_columns) == {
        "tempat_lahir", "status_kawin", "alamat", "rt", "rw", "disabilitas", "ktp_el",
    }  # fmt: skip
    row = persons_of(outcome).row(0, named=True)
    assert (row["alamat"], row["rt"], row["status_kawin"]) == ("", "", "")
    assert row["disabilitas"] is None and row["ktp_el"] is None
    assert any("optional columns missing" in n for n in outcome.notes)


def test_rejects_file_lines_columns_and_reasons(tmp_path):
    good = csv_line(list(person().values()))
    short = csv_line(list(person().values())[:12])
    long = csv_line([*person().values(), "EXTRA"])
    trailing_empty = csv_line([*man().values(), "", ""])
    text = (
        csv_line(HEADER)
        + "\n"
        + "\n".join(
            [
                good,  # 2
                short,  # 3: 12 fields
                long,  # 4: 14 fields, the extra one filled
                trailing_empty,  # 5: 15 fields, extra ones empty: fine
                csv_line(list(person(nama="", nik="").values())),  # 6: nobody
                csv_line(list(person(kode_kelurahan="32.01.01.1001").values())),  # 7
            ]
        )
        + "\n"
    )
    path = write(tmp_path, text)
    outcome = run(path, tmp_path)
    assert (outcome.accepted, outcome.flagged, outcome.rejected) == (2, 0, 4)
    rejects = rejects_of(outcome)
    assert rejects["line"].to_list() == [3, 4, 6, 7]
    assert rejects["reason_code"].to_list() == [
        "wrong_column_count",
        "wrong_column_count",
        "no_identity",
        "outside_region",
    ]
    assert rejects["column"].fill_null("").to_list() == ["", "", "nama,nik", "kode_kelurahan"]
    first = rejects.row(0, named=True)
    assert "12 fields where the header has 13" in first["reason"]
    assert first["raw"] == short
    assert rejects.row(3, named=True)["raw"] == text.splitlines()[6]
    assert "32.01.01.1001" in rejects.row(3, named=True)["reason"]
    assert outcome.reject_counts == {"wrong_column_count": 2, "no_identity": 1, "outside_region": 1}


def test_kabkota_election_rejects_rows_of_other_kabkota(tmp_path):
    rows = [person(), man(kode_kelurahan="31.72.01.1001")]
    outcome = run(
        write(tmp_path, rows_text(rows)), tmp_path, province_code="3171", kelurahan_codes=None
    )
    assert (outcome.accepted, outcome.rejected) == (1, 1)
    assert rejects_of(outcome)["reason_code"].to_list() == ["outside_region"]


def test_quoted_fields_commas_doubled_quotes_and_line_breaks(tmp_path):
    rows = [
        person(nama="H. AHMAD, S.H., M.H."),  # 2
        man(nama='BUDI "BOB" SANTOSO'),  # 3
        person(alamat="JL. KENANGA\nBLOK C NO. 5"),  # 4-5: a line break inside quotes
        man(),  # 6
    ]
    outcome = run(write(tmp_path, rows_text(rows)), tmp_path)
    assert outcome.accepted == 4 and outcome.continuation_lines == 1
    rows = by_line(outcome)
    assert sorted(rows) == [2, 3, 4, 6]
    assert rows[2]["nama"] == "H. AHMAD, S.H., M.H."
    assert rows[3]["nama"] == 'BUDI "BOB" SANTOSO'
    assert rows[4]["alamat"] == "JL. KENANGA BLOK C NO. 5"  # whitespace collapsed


def test_unbalanced_quote_rejects_one_line_only(tmp_path):
    broken = csv_line(list(person().values())).replace("SITI NURHAYATI", '"SITI, NURHAYATI')
    text = rows_text([person(), broken, man(), person()])
    outcome = run(write(tmp_path, text), tmp_path)
    assert outcome.rejected == 1 and outcome.accepted == 3
    reject = rejects_of(outcome).row(0, named=True)
    assert reject["line"] == 3 and reject["reason_code"] == "unbalanced_quote"
    assert reject["raw"] == broken


def test_records_spanning_a_chunk_boundary(tmp_path, monkeypatch):
    """Tiny read chunks: quoted line breaks, cp1252 lines and blank lines at the edges."""
    monkeypatch.setattr(tabular_read, "CHUNK_BYTES", 97)
    rows = []
    for i in range(40):
        if i % 7 == 3:
            rows.append(person(alamat=f"JL. MELATI\nNO. {i}"))
        elif i % 11 == 5:
            rows.append("")
        else:
            rows.append(man(nama=f"BUDI {i}"))
    text = rows_text(rows)
    outcome = run(write(tmp_path, text), tmp_path)
    assert outcome.continuation_lines == 6
    assert outcome.blank == 3  # i = 5, 16, 27
    assert outcome.accepted == 37
    lines = sorted(by_line(outcome))
    # Each record's line is the physical line where it starts.
    physical = text.split("\n")
    for line in lines:
        assert physical[line - 1].startswith((NKK, f'"{NKK}')), line


def test_progress_is_reported(tmp_path):
    events = []
    run(write(tmp_path, rows_text([person()])), tmp_path, progress=events.append)
    assert events and events[-1].stage == "read" and events[-1].rows == 1


def test_staging_file_round_trip(tmp_path):
    staging = tmp_path / "stage.arrow"
    outcome = run(write(tmp_path, rows_text([person(), man()])), tmp_path, staging_path=staging)
    assert staging.exists()
    assert persons_of(outcome).height == 2
    outcome.discard()
    assert not staging.exists()


# --- whole-file refusals ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"", FileProblem.EMPTY),
        (b"\n\n  \n", FileProblem.EMPTY),
        ((",".join(HEADER) + "\n").encode(), FileProblem.EMPTY),  # a header, no rows
        (b"nkk,nik,nama\n1,2,3\n", FileProblem.MISSING_COLUMNS),
        (b"a,b,c\n1,2,3\n", FileProblem.NO_HEADER),
        (b"\x1f\x8b\x08\x00rest", FileProblem.UNSUPPORTED_FORMAT),
        ((",".join([*HEADER, "nik"]) + "\n").encode(), FileProblem.DUPLICATE_COLUMNS),
    ],
)
def test_files_refused_as_a_whole(tmp_path, content, problem):
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(FileRejected) as exc:
        run(path, tmp_path)
    assert exc.value.problem is problem


def test_missing_columns_are_named(tmp_path):
    path = write(tmp_path, "nkk,nik,nama,alamat\n1,2,3,4\n")
    with pytest.raises(FileRejected, match="tanggal_lahir, jenis_kelamin, kode_kelurahan"):
        run(path, tmp_path)


def test_nothing_readable_keeps_the_rejects_file(tmp_path):
    path = write(tmp_path, rows_text([csv_line(["1", "2"]), csv_line(["3"])]))
    with pytest.raises(FileRejected) as exc:
        run(path, tmp_path)
    assert exc.value.problem is FileProblem.NOTHING_READABLE
    assert pl.read_csv(tmp_path / "rejects.csv").height == 2


def test_file_not_found_and_damaged_spreadsheet(tmp_path):
    with pytest.raises(FileRejected) as exc:
        run(tmp_path / "nope.csv", tmp_path)
    assert exc.value.problem is FileProblem.NOT_FOUND
    fake = write(tmp_path, rows_text([person()]), name="dp4.xlsx")
    with pytest.raises(FileRejected) as exc:
        run(fake, tmp_path)
    assert exc.value.problem is FileProblem.DAMAGED
    zipped = tmp_path / "broken.xlsx"
    zipped.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(FileRejected) as exc:
        run(zipped, tmp_path)
    assert exc.value.problem is FileProblem.DAMAGED


def test_unknown_kind_and_bad_region(tmp_path):
    path = write(tmp_path, rows_text([person()]))
    with pytest.raises(ValueError, match="unknown kind"):
        run(path, tmp_path, kind="dps")
    with pytest.raises(ValueError, match="province_code"):
        run(path, tmp_path, province_code="3")


# --- XLSX ---------------------------------------------------------------------------------


def _xlsx(path: Path, sheets: dict[str, list[list]]) -> Path:
    xlsxwriter = pytest.importorskip("xlsxwriter")
    workbook = xlsxwriter.Workbook(str(path))
    date_format = workbook.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                elif isinstance(value, bool):
                    sheet.write_boolean(r, c, value)
                elif isinstance(value, int | float):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value)
    workbook.close()
    return path


def _cells(row: dict) -> list:
    return [row[c] for c in HEADER]


def test_xlsx_with_number_cells_dates_title_blank_and_repeated_header(tmp_path):
    rows = [
        ["DP4 KELURAHAN GAMBIR"],  # sheet row 1: a title
        [],  # row 2: empty
        HEADER,  # row 3: the header
        _cells(person(nik=int(NIK_P), nkk=int(NKK), tanggal_lahir=dt.date(1990, 4, 1))),  # 4
        _cells(man(nik=" 3.17101E+15", rt=7, disabilitas=0, ktp_el=True)),  # 5
        [],  # 6: blank
        [h.upper() for h in HEADER],  # 7: repeated header
        _cells(man(nik=9612345678901234.0)),  # 8: a float beyond 2**53
        [*_cells(person()), "EXTRA"],  # 9: a filled cell beyond the header
        _cells(person(nama="JOSÉ", jenis_kelamin="p", tanggal_lahir="01-04-1990")),  # 10
    ]
    path = _xlsx(tmp_path / "dp4.xlsx", {"DP4": rows, "Catatan": [["dibuat oleh Dukcapil"]]})
    outcome = run(path, tmp_path)
    assert outcome.file_format == "xlsx" and outcome.sheet == "DP4"
    assert outcome.header_line == 3 and outcome.preamble == 1
    assert (outcome.blank, outcome.repeated_headers) == (1, 1)
    assert outcome.read == 5
    rows = by_line(outcome)
    assert sorted(rows) == [4, 5, 8, 10]
    assert rows[4]["nik"] == NIK_P and rows[4]["nkk"] == NKK and flags(rows[4]) == set()
    assert rows[4]["tanggal_lahir"] == dt.date(1990, 4, 1)
    assert flags(rows[5]) == {"nik_scientific_notation"}
    assert (rows[5]["rt"], rows[5]["disabilitas"], rows[5]["ktp_el"]) == ("007", 0, True)
    assert flags(rows[8]) == {"nik_precision_lost"}
    assert rows[10]["nama"] == "JOSÉ" and rows[10]["jenis_kelamin"] == "P"
    reject = rejects_of(outcome).row(0, named=True)
    assert (reject["line"], reject["reason_code"]) == (9, "wrong_column_count")
    assert reject["raw"].endswith(",EXTRA")
    assert any("Catatan" in n for n in outcome.notes)


def test_xlsx_two_sheets_with_the_header_is_refused(tmp_path):
    sheet = [HEADER, _cells(person())]
    path = _xlsx(tmp_path / "two.xlsx", {"A": sheet, "B": sheet})
    with pytest.raises(FileRejected) as exc:
        run(path, tmp_path)
    assert exc.value.problem is FileProblem.SEVERAL_SHEETS


def test_xlsx_missing_columns(tmp_path):
    path = _xlsx(tmp_path / "cols.xlsx", {"DP4": [["nik", "nama"], ["1", "A"]]})
    with pytest.raises(FileRejected) as exc:
        run(path, tmp_path)
    assert exc.value.problem is FileProblem.MISSING_COLUMNS


# --- Parquet ------------------------------------------------------------------------------


def test_parquet_with_typed_columns(tmp_path):
    frame = pl.DataFrame(
        {
            "NKK": [int(NKK), int(NKK), None],
            "NIK": [float(NIK_P), 9612345678901234.0, 3171012512850001.0],
            "nama": ["SITI", "BUDI", ""],
            "tanggal_lahir": [dt.date(1990, 4, 1), dt.date(1985, 12, 25), None],
            "jenis_kelamin": ["P", "L", "L"],
            "kode_kelurahan": ["31.71.01.1001", "3171011002", "3171011001"],
            "disabilitas": pl.Series([0, 2, None], dtype=pl.Int8),
            "ktp_el": [True, False, None],
        }
    )
    path = tmp_path / "dp4.parquet"
    frame.write_parquet(path)
    outcome = run(path, tmp_path)
    assert outcome.file_format == "parquet"
    rows = by_line(outcome)
    assert sorted(rows) == [2, 3, 4]
    assert rows[2]["nik"] == NIK_P and flags(rows[2]) == set()
    assert rows[2]["ktp_el"] is True and rows[2]["disabilitas"] == 0
    assert "nik_precision_lost" in flags(rows[3])
    assert rows[3]["ktp_el"] is False and rows[3]["disabilitas"] == 2
    assert flags(rows[4]) == {"nkk_empty", "nama_empty", "tanggal_lahir_empty"}


def test_parquet_with_text_columns_and_a_rejected_row(tmp_path):
    frame = pl.DataFrame([person(), person(nama="", nik=""), man()])
    path = tmp_path / "text.parquet"
    frame.write_parquet(path)
    outcome = run(path, tmp_path)
    assert (outcome.accepted, outcome.rejected) == (2, 1)
    reject = rejects_of(outcome).row(0, named=True)
    assert reject["line"] == 3 and reject["reason_code"] == "no_identity"
    assert reject["raw"].startswith(NKK + ",,")


# --- a synthetic population -----------------------------------------------------------------


def test_synthetic_population_invalid_niks_are_flagged(tmp_path):
    from pilkada.synth.population import PopulationParams, write_population

    write_population(PopulationParams(voters=3000, seed=5, rate_invalid_nik=0.01), tmp_path / "pop")
    outcome = run(tmp_path / "pop" / "dp4.csv", tmp_path, kelurahan_codes=None, staging_path=None)
    truth = pl.read_csv(tmp_path / "pop" / "truth.csv", infer_schema=False).with_columns(
        pl.col("line").cast(pl.Int64)
    )
    assert outcome.read == truth.height == 3000
    assert outcome.rejected == 0
    persons = persons_of(outcome).join(truth, on="line")
    invalid = persons.filter(pl.col("defect") == "invalid_nik")
    assert invalid.height == 30
    assert invalid["quality_flags"].str.contains("nik_").all()
    clean = persons.filter(pl.col("defect").is_null())
    assert not clean["quality_flags"].str.contains(r"nik_(?:empty|non|wrong|bad|zero)").any()

"""engine.recap: snapshot files (streamed, read-only, hashed) and the A-Rekap recap."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import polars as pl
import pytest

from pilkada.engine.eligibility import age_on
from pilkada.engine.recap import (
    RECAP_COUNT_COLUMNS,
    SNAPSHOT_COLUMNS,
    SnapshotWriter,
    age_on_expr,
    kelompok_umur,
    pemilih_muda,
    read_snapshot_rows,
    recap_frame,
)

VOTING_DAY = dt.date(2024, 11, 27)


def row(i, *, kel="3171011001", tps="3171011001001", born="1990-01-01", sex="L", dis=0,
        ktp=1, status="ms", flags="", kawin="B"):  # fmt: skip
    return (
        i, i, kel, tps, "3171010101010001", f"31710101019{i:05d}", f"WARGA {i}", "JAKARTA",
        born, sex, kawin, "JL. MAWAR", "001", "002", dis, ktp, status, "dp4", flags,
    )  # fmt: skip


def write(tmp_path, rows, name="s"):
    writer = SnapshotWriter(tmp_path / f"{name}.parquet", tmp_path / f"{name}.csv")
    writer.write_rows(rows)
    return writer.close()


# --- age groups ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "group"),
    [
        ("2007-11-27", "17_27"),  # 17 on voting day exactly
        ("2007-11-28", "lt17"),  # 17 the day after (married: eligible, counted apart)
        ("1996-11-28", "17_27"),  # 27 (28 the next day)
        ("1996-11-27", "28_43"),  # 28 on voting day
        ("1980-11-28", "28_43"),  # 43
        ("1980-11-27", "44_59"),  # 44
        ("1964-11-28", "44_59"),  # 59
        ("1964-11-27", "60p"),  # 60
        ("1930-01-01", "60p"),
    ],
)
def test_age_group_boundaries_on_voting_day(born, group):
    birth = dt.date.fromisoformat(born)
    assert kelompok_umur(age_on(birth, VOTING_DAY)) == group
    # The vectorised age agrees with the scalar one.
    frame = pl.DataFrame({"b": [birth]})
    assert frame.select(age_on_expr(pl.col("b"), VOTING_DAY)).item() == age_on(birth, VOTING_DAY)


def test_unknown_birth_date_and_leap_day():
    assert kelompok_umur(None) == "unknown"
    leap = dt.date(2008, 2, 29)
    day = dt.date(2025, 2, 28)
    frame = pl.DataFrame({"b": [leap]})
    assert frame.select(age_on_expr(pl.col("b"), day)).item() == age_on(leap, day) == 16


@pytest.mark.parametrize(("age", "young"), [(16, False), (17, True), (40, True), (41, False)])
def test_pemilih_muda_is_17_to_40(age, young):
    assert pemilih_muda(age) is young


def test_recap_counts_age_groups_and_share_17_40(tmp_path):
    rows = [
        row(1, born="2007-11-27"),  # 17
        row(2, born="1984-11-27"),  # 40
        row(3, born="1984-11-26"),  # 40 (41 tomorrow? no: born a day earlier -> 40)
        row(4, born="1983-11-27"),  # 41
        row(5, born="1964-11-27"),  # 60
        row(6, born=None),
        row(7, born="2008-01-01", kawin="S"),  # married, 16
    ]
    files = write(tmp_path, rows)
    recap = recap_frame(files.parquet, voting_day=VOTING_DAY, root_code="31", tps_cap=600)
    prov = recap.filter(pl.col("region_code") == "31").row(0, named=True)
    assert prov["total"] == 7
    assert (prov["age_lt17"], prov["age_17_27"], prov["age_28_43"]) == (1, 1, 3)
    assert (prov["age_44_59"], prov["age_60p"], prov["age_unknown"]) == (0, 1, 1)
    assert prov["age_17_40"] == 3
    groups = ["age_lt17", "age_17_27", "age_28_43", "age_44_59", "age_60p", "age_unknown"]
    assert sum(prov[c] for c in groups) == prov["total"]


# --- recap roll-up ---------------------------------------------------------------------


def sample_rows():
    rows = []
    i = 0
    for kel, tps_numbers in (("3171011001", [1, 2]), ("3171011002", [1]), ("3172021003", [1])):
        for n in tps_numbers:
            for k in range(3 + n):
                i += 1
                rows.append(
                    row(
                        i, kel=kel, tps=f"{kel}{n:03d}", sex="LP"[k % 2], dis=k % 7,
                        ktp=[1, 0, None][k % 3], status="pending" if k == 0 else "ms",
                        born=f"{1950 + 7 * k}-06-15",
                    )
                )  # fmt: skip
    i += 1
    rows.append(row(i, kel="3171011002", tps=None, flags="nik_invalid"))  # no TPS yet
    i += 1
    rows.append(row(i, kel="31.71", tps=None))  # a broken kelurahan code: the root only
    return rows


def test_recap_levels_reconcile(tmp_path):
    rows = sample_rows()[:-1]  # without the broken kelurahan code
    files = write(tmp_path, rows)
    recap = recap_frame(files.parquet, voting_day=VOTING_DAY, root_code="31", tps_cap=4)
    by_code = {r["region_code"]: r for r in recap.iter_rows(named=True)}
    assert by_code["31"]["total"] == files.rows == len(rows)
    assert set(recap.get_column("level")) == {
        "provinsi",
        "kabkota",
        "kecamatan",
        "kelurahan",
        "tps",
    }
    checked = 0
    for code, parent in by_code.items():
        kids = [r for r in by_code.values() if r["parent_code"] == code]
        if parent["level"] == "tps":
            assert parent["tps_count"] == 1
            continue
        if parent["level"] == "kelurahan":
            # Its TPS plus its voters without a TPS.
            assert parent["total"] == sum(k["total"] for k in kids) + parent["no_tps"]
            assert parent["tps_count"] == len(kids)
            continue
        for column in RECAP_COUNT_COLUMNS:
            assert parent[column] == sum(k[column] for k in kids), (code, column)
            checked += 1
    assert checked == 5 * len(RECAP_COUNT_COLUMNS)  # 31, 3171, 3172, 317101, 317202
    # Problem counters: pending rows, flags, no TPS, over the cap.
    assert by_code["3171011001001"]["pending"] == 1
    assert by_code["3171011002"]["no_tps"] == 1 and by_code["3171011002"]["flagged"] == 1
    assert by_code["3171011001002"]["tps_over_cap"] == 1  # 5 voters > cap 4
    assert by_code["3171"]["tps_over_cap"] == 1
    assert by_code["3171"]["first_problem"] == "3171011001001"
    assert by_code["3172"]["first_problem"] == "3172021003001"  # a pending row there


def test_a_broken_kelurahan_code_counts_at_the_root_only(tmp_path):
    clean = write(tmp_path, sample_rows()[:-1], name="clean")
    broken = write(tmp_path, sample_rows(), name="broken")
    a = recap_frame(clean.parquet, voting_day=VOTING_DAY, root_code="31", tps_cap=600)
    b = recap_frame(broken.parquet, voting_day=VOTING_DAY, root_code="31", tps_cap=600)
    root_a = a.filter(pl.col("region_code") == "31").row(0, named=True)
    root_b = b.filter(pl.col("region_code") == "31").row(0, named=True)
    assert root_b["total"] == root_a["total"] + 1
    assert root_b["no_tps"] == root_a["no_tps"] + 1
    assert root_b["first_problem"] == "31"
    assert a.filter(pl.col("region_code") != "31").equals(b.filter(pl.col("region_code") != "31"))


def test_recap_of_a_kabkota_snapshot_starts_at_the_kabkota(tmp_path):
    rows = [r for r in sample_rows() if str(r[2]).startswith("3171")]
    files = write(tmp_path, rows)
    recap = recap_frame(files.parquet, voting_day=VOTING_DAY, root_code="3171", tps_cap=600)
    root = recap.filter(pl.col("parent_code").is_null())
    assert root.get_column("region_code").to_list() == ["3171"]
    assert root.get_column("total").item() == len(rows)
    assert "31" not in recap.get_column("region_code").to_list()


def test_recap_of_an_empty_snapshot_has_a_zero_root(tmp_path):
    files = write(tmp_path, [])
    recap = recap_frame(files.parquet, voting_day=VOTING_DAY, root_code="3171", tps_cap=600)
    assert recap.height == 1
    assert recap.row(0, named=True)["total"] == 0


# --- snapshot files ---------------------------------------------------------------------


def test_snapshot_files_are_read_only_and_hashed(tmp_path):
    files = write(tmp_path, sample_rows())
    for path, digest in ((files.parquet, files.parquet_sha256), (files.csv, files.csv_sha256)):
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest
        assert not os.access(path, os.W_OK) or os.geteuid() == 0
        assert not (path.stat().st_mode & 0o222)
    csv_lines = files.csv.read_text().splitlines()
    assert csv_lines[0] == ",".join(SNAPSHOT_COLUMNS)
    assert len(csv_lines) == files.rows + 1
    frame = pl.read_parquet(files.parquet)
    assert frame.columns == list(SNAPSHOT_COLUMNS)
    assert frame.schema["tanggal_lahir"] == pl.Date and frame.schema["ktp_el"] == pl.Boolean


def test_a_published_file_is_never_overwritten(tmp_path):
    write(tmp_path, [row(1)])
    with pytest.raises(FileExistsError):
        SnapshotWriter(tmp_path / "s.parquet", tmp_path / "other.csv")


def test_chunks_stream_into_one_file(tmp_path):
    writer = SnapshotWriter(tmp_path / "c.parquet", tmp_path / "c.csv")
    for start in range(0, 30, 10):
        writer.write_rows([row(i) for i in range(start, start + 10)])
    files = writer.close()
    assert files.rows == 30
    assert pl.read_parquet(files.parquet).get_column("voter_id").to_list() == list(range(30))


def test_abort_removes_the_partial_files(tmp_path):
    writer = SnapshotWriter(tmp_path / "a.parquet", tmp_path / "a.csv")
    writer.write_rows([row(1)])
    writer.abort()
    assert not (tmp_path / "a.parquet").exists() and not (tmp_path / "a.csv").exists()


def test_read_one_kelurahan_in_list_order(tmp_path):
    files = write(tmp_path, sample_rows())
    frame = read_snapshot_rows(files.parquet, kelurahan_code="3171011002")
    assert set(frame.get_column("kelurahan_code")) == {"3171011002"}
    assert frame.get_column("tps_code").to_list()[-1] is None  # no TPS last

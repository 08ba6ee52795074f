"""The synthetic population: format, realism, determinism, and every truth claim checked
against the data. NIKs are checked with the engine's own validator (pilkada.engine.nik)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from pilkada.engine.nik import validate_nik_frame, validate_nkk_frame
from pilkada.synth.population import (
    DEFECTS,
    DP4_COLUMNS,
    DUPLICATE_KINDS,
    TRUTH_COLUMNS,
    PopulationParams,
    generate_population,
    load_regions,
    write_population,
)

from .conftest import SMALL, VOTING_DAY, read_dp4, read_truth

REGIONS = load_regions("31")
KECAMATAN = {c.replace(".", "") for c in REGIONS.kecamatan}


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _validated(frame: pl.DataFrame) -> pl.DataFrame:
    frame = validate_nik_frame(frame, "nik", reference_date=VOTING_DAY, province_codes=["31"])
    return validate_nkk_frame(frame, "nkk", province_codes=["31"])


# Rows that are not duplicate copies (defect null or a person defect).
NOT_COPY = ~pl.col("defect").is_in(list(DUPLICATE_KINDS)).fill_null(False)


def _pairs(small: pl.DataFrame, defect: str) -> pl.DataFrame:
    """Rows of one duplicate kind joined with their original (columns suffixed _o)."""
    copies = small.filter(pl.col("defect") == defect)
    return copies.join(small, left_on="of_line", right_on="line", suffix="_o")


def _has(detail: str) -> pl.Expr:
    return pl.col("detail").fill_null("").str.contains(detail, literal=True)


# --------------------------------------------------------------------------------------------
# Files and format
# --------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path, small_dir):
    again = tmp_path / "again"
    write_population(SMALL, again)
    for name in ("dp4.csv", "truth.csv", "manifest.json"):
        assert _sha(again / name) == _sha(small_dir / name), name
    other = tmp_path / "other"
    write_population(PopulationParams(**{**SMALL.__dict__, "seed": SMALL.seed + 1}), other)
    assert _sha(other / "dp4.csv") != _sha(small_dir / "dp4.csv")
    assert _sha(other / "truth.csv") != _sha(small_dir / "truth.csv")


def test_header_and_every_column_format(small_dir):
    lines = (small_dir / "dp4.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == ",".join(DP4_COLUMNS)
    assert len(lines) == SMALL.voters + 1
    assert (small_dir / "truth.csv").read_text().splitlines()[0] == ",".join(TRUTH_COLUMNS)
    dp4 = read_dp4(small_dir / "dp4.csv")
    truth = read_truth(small_dir / "truth.csv")
    valid = dp4.join(truth, on="line").filter(pl.col("defect") != "invalid_nik")
    patterns = {
        "nkk": r"^3[0-9]{15}$",
        "nik": r"^3[0-9]{15}$",
        "nama": r"^[A-Z][A-Z.' ,]*[A-Z.]$",
        "tempat_lahir": r"^[A-Z][A-Z. ]+$",
        "tanggal_lahir": r"^(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]$",
        "jenis_kelamin": r"^[LP]$",
        "status_kawin": r"^[BSP]$",
        "alamat": r"^(JL|GG)\. [A-Z0-9. ]+ NO\. [0-9]+[A-C]?$",
        "rt": r"^[0-9]{3}$",
        "rw": r"^[0-9]{3}$",
        "kode_kelurahan": r"^31\.[0-9]{2}\.[0-9]{2}\.[12][0-9]{3}$",
        "disabilitas": r"^[0-6]$",
        "ktp_el": r"^[01]$",
    }
    for column, pattern in patterns.items():
        frame = valid if column == "nik" else dp4
        bad = frame.filter(~pl.col(column).str.contains(pattern))
        assert bad.height == 0, (column, bad[column].head(5).to_list())
    assert set(dp4["kode_kelurahan"].unique()) <= set(REGIONS.kelurahan)
    assert dp4.filter(pl.col("rt") == "000").height == 0
    assert dp4.filter(pl.col("rw") == "000").height == 0
    # Dates parse.
    assert dp4["tanggal_lahir"].str.to_date("%Y-%m-%d", strict=True).null_count() == 0


def test_manifest_counts_and_hashes(small_dir):
    manifest = json.loads((small_dir / "manifest.json").read_text())
    assert manifest["rows"] == SMALL.voters
    assert manifest["parameters"]["seed"] == SMALL.seed
    for name in ("dp4.csv", "truth.csv"):
        assert manifest["files"][name]["sha256"] == _sha(small_dir / name)
    assert manifest["defect_rows"] == SMALL.defect_counts()
    assert sum(manifest["summary"]["kabkota_rows"].values()) == SMALL.voters


def test_truth_lines_match_dp4_rows(small):
    assert small["line"].to_list() == list(range(2, SMALL.voters + 2))
    assert small["person_id"].null_count() == 0
    assert set(small["defect"].drop_nulls().unique()) <= set(DEFECTS)


def test_every_defect_appears_at_its_configured_count(small):
    counts = dict(small.group_by("defect").len().drop_nulls("defect").rows())
    for defect, expected in SMALL.defect_counts().items():
        assert expected > 0
        assert counts.get(defect, 0) == expected, defect


def test_rate_zero_disables_a_defect():
    params = PopulationParams(voters=3000, seed=5, rate_deceased=0.0, rate_duplicate_nik_typo=0.0)
    truth = generate_population(params).truth
    assert truth.filter(pl.col("defect") == "deceased").height == 0
    assert truth.filter(pl.col("defect") == "duplicate_nik_typo").height == 0
    assert truth.filter(pl.col("defect") == "moved_out").height == round(0.005 * 3000)


def test_generator_core_imports_without_django():
    code = (
        "import sys; import pilkada.synth.population, pilkada.synth.names_data; "
        "assert not any(m == 'django' or m.startswith('django.') for m in sys.modules), 'django'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------------------------
# NIK and NKK
# --------------------------------------------------------------------------------------------


def test_niks_of_clean_rows_parse_and_agree_with_birth_date_sex_and_province(small):
    clean = _validated(small.filter(pl.col("defect").is_null()))
    assert clean.filter(pl.col("nik_error").is_not_null()).height == 0
    assert clean.filter(pl.col("nkk_error").is_not_null()).height == 0
    disagree = clean.filter(
        (pl.col("nik_birth_date").dt.day() != pl.col("born").dt.day())
        | (pl.col("nik_birth_date").dt.month() != pl.col("born").dt.month())
        | (pl.col("nik_birth_date").dt.year() % 100 != pl.col("born").dt.year() % 100)
        | (pl.col("nik_sex") != pl.col("jenis_kelamin"))
    )
    assert disagree.height == 0
    assert set(clean["nik"].str.slice(0, 6).unique()) <= KECAMATAN
    # Serials count from 0001 within (kecamatan, date, sex). Among every real NIK in the file
    # (all rows but typos, transpositions and damaged NIKs), each prefix's serials are dense:
    # at most one holder is missing (a NIK damaged in the file).
    real = small.filter(
        ~pl.col("defect")
        .is_in(["duplicate_nik_typo", "duplicate_nik_transposed", "invalid_nik"])
        .fill_null(False)
    ).unique("nik")
    serials = real.group_by(pl.col("nik").str.slice(0, 12).alias("prefix")).agg(
        pl.len().alias("holders"), pl.col("nik").str.slice(12).cast(pl.Int32).max().alias("top")
    )
    assert serials.filter(pl.col("top") > pl.col("holders") + 1).height == 0
    assert (serials["top"] == serials["holders"]).mean() > 0.98


def test_most_niks_are_from_the_home_kecamatan(small):
    clean = small.filter(pl.col("defect").is_null())
    own = clean["kode_kelurahan"].str.replace_all(".", "", literal=True).str.slice(0, 6)
    home = clean["nik"].str.slice(0, 6) == own
    assert 0.83 <= home.mean() <= 0.95


def test_distinct_people_have_distinct_niks(small):
    valid = _validated(
        small.filter(pl.col("defect") != "invalid_nik").with_columns(pl.col("defect").fill_null(""))
    )
    shared = valid.group_by("nik").agg(pl.col("person_id").n_unique().alias("people"))
    assert shared.filter(pl.col("people") > 1).height == 0
    # And every person has one NIK except the duplicates whose NIK changed.
    per_person = (
        small.filter(pl.col("defect").is_null() | pl.col("defect").is_in(list(DEFECTS[4:])))
        .group_by("person_id")
        .len()
    )
    assert per_person.filter(pl.col("len") > 1).height == 0


def test_nkk_starts_with_the_family_kecamatan(small):
    base = small.filter(NOT_COPY)
    prefix = base["kode_kelurahan"].str.replace_all(".", "", literal=True).str.slice(0, 6)
    assert (base["nkk"].str.slice(0, 6) == prefix).all()
    copies = small.filter(_has("nkk:new"))
    prefix = copies["kode_kelurahan"].str.replace_all(".", "", literal=True).str.slice(0, 6)
    assert (copies["nkk"].str.slice(0, 6) == prefix).all()


# --------------------------------------------------------------------------------------------
# Realism
# --------------------------------------------------------------------------------------------


def test_women_share_and_age_pyramid(small):
    clean = small.filter(pl.col("defect").is_null())
    women = (clean["jenis_kelamin"] == "P").mean()
    assert 0.49 <= women <= 0.525
    young = ((clean["age"] >= 17) & (clean["age"] <= 40)).mean()
    assert 0.44 <= young <= 0.56
    assert clean.filter(pl.col("age") >= 90).height > 0
    assert clean.filter(pl.col("age") >= 90).height / clean.height < 0.02
    assert clean["age"].max() <= 101


def test_everyone_clean_is_old_enough_or_married(small):
    clean = small.filter(pl.col("defect").is_null())
    minors = clean.filter(pl.col("age") < 17)
    assert minors.height == round(SMALL.rate_married_minor * SMALL.voters)
    assert set(minors["status_kawin"].unique()) == {"S"}
    assert minors["detail"].to_list() == ["married_under_17"] * minors.height


def test_families_share_nkk_address_rt_rw(small):
    base = small.filter(NOT_COPY)
    per_family = base.group_by("nkk").agg(
        pl.len(),
        *(pl.col(c).n_unique().alias(c) for c in ("alamat", "rt", "rw", "kode_kelurahan")),
    )
    assert per_family["len"].max() <= 6
    assert per_family.filter(pl.col("len") > 1).height > 0.4 * per_family.height
    for column in ("alamat", "rt", "rw", "kode_kelurahan"):
        assert per_family[column].max() == 1, column
    # Married couples: an S man and an S woman in most families of two.
    pairs = (
        base.group_by("nkk")
        .agg(pl.len(), (pl.col("status_kawin") == "S").sum().alias("s"), pl.col("jenis_kelamin"))
        .filter(pl.col("len") == 2)
    )
    couples = pairs.filter(pl.col("s") == 2)
    assert couples.height > 0.4 * pairs.height
    mixed = couples["jenis_kelamin"].list.sort().list.join("")
    assert (mixed == "LP").mean() > 0.95


def test_names_look_indonesian(small):
    clean = small.filter(pl.col("defect").is_null())
    parts = clean["nama"].str.replace(r"^(H|HJ|DR|IR|DRS|DRA)\. ", "").str.replace(r",.*$", "")
    single = (parts.str.count_matches(" ") == 0).mean()
    assert 0.08 <= single <= 0.18
    first = parts.str.split(" ").list.first()
    top = first.value_counts().sort("count", descending=True).head(15)[first.name].to_list()
    for common in ("SITI", "MUHAMMAD", "SRI", "DEWI", "AGUS", "NUR"):
        assert common in top, (common, top)
    assert clean["nama"].str.contains(r"\b(SIREGAR|NASUTION|LUBIS|SIMANJUNTAK|SINAGA)\b").any()
    assert clean["nama"].str.contains(r"\b(WIJAYA|HALIM|GUNAWAN|SANTOSO|KUSUMA)\b").any()
    assert (clean["tempat_lahir"] == "JAKARTA").mean() > 0.5
    assert clean["tempat_lahir"].n_unique() > 20


def test_full_names_are_as_diverse_as_real_ones():
    """Dukcapil's e-KTP figures for 2024: the most common full name of a man (SUTRISNO) has
    about 144,000 holders and of a woman (NURHAYATI) about 255,000, some 0.15 % and 0.27 % of
    the adults of each sex. Short name tables alone gave single names such as SRI or AGUS to
    1.2-1.5 % of their sex, and made two people of one sex born on the same day share a full
    name about once in 1,100 pairs; duplicate detection measured on such data measures the
    name tables, not the method (docs/formats/truth.md, "Names")."""
    population = generate_population(PopulationParams(voters=200_000, seed=5))
    people = (
        population.dp4.with_columns(defect=population.truth["defect"])
        .filter(pl.col("defect").is_null())
        .with_columns(
            core=pl.col("nama")
            .str.replace(r"^(H|HJ|DR|IR|DRS|DRA)\. ", "")
            .str.replace(r",.*$", "")
        )
    )
    per_sex = people.group_by("jenis_kelamin", "core").len()
    sizes = people.group_by("jenis_kelamin").len().rename({"len": "total"})
    share = per_sex.join(sizes, on="jenis_kelamin").select(pl.col("len") / pl.col("total"))
    assert share.max().item() < 0.005
    # Two people of one sex born on the same day share a full name rarely.
    day = people.group_by("jenis_kelamin", "tanggal_lahir").len()
    same_day_pairs = (day["len"] * (day["len"] - 1) // 2).sum()
    name_day = people.group_by("jenis_kelamin", "tanggal_lahir", "core").len()
    namesakes = (name_day["len"] * (name_day["len"] - 1) // 2).sum()
    assert namesakes / same_day_pairs < 3e-4
    # Coined names (SU-PRI-YANTO, SU-MAR-NI) are there.
    coined = r"\bSU[A-Z]+(YANTO|YADI|NO|MAN|NI|TI|YATI|WATI)\b"
    assert people["core"].str.contains(coined).mean() > 0.02


def test_disability_and_ktp_el_shares(small):
    clean = small.filter(pl.col("defect").is_null())
    disabled = (clean["disabilitas"] != "0").mean()
    assert 0.004 <= disabled <= 0.012
    no_ktp = (clean["ktp_el"] == "0").mean()
    assert 0.01 <= no_ktp <= 0.03
    youngest = clean.filter(pl.col("age") <= 18)
    assert (youngest["ktp_el"] == "0").mean() > no_ktp


# --------------------------------------------------------------------------------------------
# Every truth claim, checked against the data
# --------------------------------------------------------------------------------------------


def test_duplicates_point_to_a_clean_original_of_the_same_person(small):
    copies = small.filter(pl.col("defect").is_in(list(DUPLICATE_KINDS)))
    assert copies["of_line"].null_count() == 0
    assert small.filter(NOT_COPY)["of_line"].null_count() == small.height - copies.height
    joined = copies.join(small, left_on="of_line", right_on="line", suffix="_o")
    assert joined.height == copies.height
    assert (joined["person_id"] == joined["person_id_o"]).all()
    assert joined["defect_o"].null_count() == joined.height  # originals carry no defect
    assert joined["of_line"].n_unique() == joined.height  # each original copied once
    assert (joined["jenis_kelamin"] == joined["jenis_kelamin_o"]).all()
    assert (joined["tempat_lahir"] == joined["tempat_lahir_o"]).all()


def test_same_nik_duplicates_have_the_same_nik(small):
    pairs = _pairs(small, "duplicate_same_nik")
    assert pairs.height > 0
    assert (pairs["nik"] == pairs["nik_o"]).all()


def test_nik_typo_duplicates_differ_in_exactly_one_digit(small):
    pairs = _pairs(small, "duplicate_nik_typo")
    assert pairs.height > 0
    for row in pairs.select("nik", "nik_o", "detail").iter_rows():
        nik, original, detail = row
        diff = [i for i, (a, b) in enumerate(zip(nik, original, strict=True)) if a != b]
        assert len(diff) == 1, row
        assert f"nik_digit:{diff[0] + 1}" in detail


def test_nik_transposed_duplicates_swap_two_adjacent_digits(small):
    pairs = _pairs(small, "duplicate_nik_transposed")
    assert pairs.height > 0
    for row in pairs.select("nik", "nik_o", "detail").iter_rows():
        nik, original, detail = row
        diff = [i for i, (a, b) in enumerate(zip(nik, original, strict=True)) if a != b]
        assert len(diff) == 2 and diff[1] == diff[0] + 1, row
        i = diff[0]
        assert nik[i] == original[i + 1] and nik[i + 1] == original[i], row
        assert f"nik_digits:{i + 1}-{i + 2}" in detail


def test_changed_niks_are_still_well_formed(small):
    changed = small.filter(
        pl.col("defect").is_in(
            ["duplicate_nik_typo", "duplicate_nik_transposed", "duplicate_new_serial"]
        )
    )
    checked = _validated(changed)
    assert checked["nik_error"].null_count() == checked.height


def test_new_serial_duplicates_keep_the_birth_part(small):
    pairs = _pairs(small, "duplicate_new_serial")
    assert pairs.height > 0
    assert (pairs["nik"].str.slice(6, 6) == pairs["nik_o"].str.slice(6, 6)).all()
    assert (pairs["nik"] != pairs["nik_o"]).all()
    same_kec = pairs["nik"].str.slice(0, 6) == pairs["nik_o"].str.slice(0, 6)
    same = pairs.filter(same_kec)
    assert (same["nik"].str.slice(12) != same["nik_o"].str.slice(12)).all()
    other = pairs.filter(_has("nik:other_kecamatan"))
    assert other.height > 0
    assert (other["nik"].str.slice(0, 6) != other["nik_o"].str.slice(0, 6)).all()


def test_copy_details_describe_the_differences(small):
    copies = small.filter(pl.col("defect").is_in(list(DUPLICATE_KINDS)))
    pairs = copies.join(small, left_on="of_line", right_on="line", suffix="_o")
    moved = pairs.filter(_has("moved"))
    assert moved.height > 0
    assert (moved["kode_kelurahan"] != moved["kode_kelurahan_o"]).all()
    stay = pairs.filter(~_has("moved"))
    assert (stay["kode_kelurahan"] == stay["kode_kelurahan_o"]).all()
    new_nkk = pairs.filter(_has("nkk:new"))
    assert (new_nkk["nkk"] != new_nkk["nkk_o"]).all()
    same_nkk = pairs.filter(~_has("nkk:new"))
    assert same_nkk.height > 0
    assert (same_nkk["nkk"] == same_nkk["nkk_o"]).all()
    same_address = pairs.filter(~_has("address:new"))
    assert (same_address["alamat"] == same_address["alamat_o"]).all()
    assert (same_address["rt"] == same_address["rt_o"]).all()
    swapped = pairs.filter(_has("date:swapped"))
    assert swapped.height > 0
    assert (swapped["born"].dt.day() == swapped["born_o"].dt.month()).all()
    assert (swapped["born"].dt.month() == swapped["born_o"].dt.day()).all()
    assert (swapped["born"].dt.year() == swapped["born_o"].dt.year()).all()
    unswapped = pairs.filter(~_has("date:swapped"))
    assert (unswapped["tanggal_lahir"] == unswapped["tanggal_lahir_o"]).all()
    plain = pairs.filter(~_has("name:"))
    assert plain.height > 0
    assert (plain["nama"] == plain["nama_o"]).all()
    named = pairs.filter(_has("name:"))
    assert named.height > 0
    assert (named["nama"] != named["nama_o"]).all()


def test_name_variants_are_of_the_stated_kind(small):
    copies = small.filter(pl.col("defect").is_in(list(DUPLICATE_KINDS)))
    pairs = copies.join(small, left_on="of_line", right_on="line", suffix="_o")
    prefix = r"^(H|HJ|DR|IR|DRS|DRA)\. "
    suffix = r", [A-Z.]+$"

    def parts(col: str) -> list[pl.Expr]:
        name = pl.col(col)
        return [
            name.str.replace(prefix, "").str.replace(suffix, "").alias(f"core_{col}"),
            name.str.extract(prefix, 0).fill_null("").alias(f"pre_{col}"),
            name.str.extract(suffix, 0).fill_null("").alias(f"suf_{col}"),
        ]

    pairs = pairs.with_columns(*parts("nama"), *parts("nama_o"))
    core, core_o = pl.col("core_nama"), pl.col("core_nama_o")
    tokens, tokens_o = core.str.count_matches(" "), core_o.str.count_matches(" ")
    checks = {
        "name:title": (pl.col("pre_nama") != pl.col("pre_nama_o"))
        | (pl.col("suf_nama") != pl.col("suf_nama_o")),
        "name:dropped": (tokens == tokens_o - 1) & core_o.str.starts_with(core + pl.lit(" ")),
        "name:abbreviation": core.str.contains(r"\b[A-Z]+\.") & (core != core_o),
        "name:spelling": (core != core_o) & (tokens == tokens_o),
    }
    for label, check in checks.items():
        rows = pairs.filter(_has(label))
        assert rows.height > 0, label
        wrong = rows.filter(~check)
        assert wrong.height == 0, (label, wrong.select("nama", "nama_o", "detail").head(3))
    # A copy whose only name variant is a title keeps the name itself.
    title_only = pairs.filter(
        _has("name:title")
        & ~_has("name:dropped")
        & ~_has("name:abbreviation")
        & ~_has("name:spelling")
    )
    assert (title_only["core_nama"] == title_only["core_nama_o"]).all()


def test_under_age_rows_are_under_17_and_unmarried(small):
    rows = small.filter(pl.col("defect") == "under_age")
    assert rows.height == SMALL.defect_counts()["under_age"]
    assert (rows["age"] < 17).all()
    assert set(rows["status_kawin"].unique()) == {"B"}
    # Their NIK is still theirs: it parses and agrees with the birth date.
    checked = _validated(rows)
    assert checked["nik_error"].null_count() == rows.height


def test_invalid_niks_fail_parsing(small):
    rows = _validated(small.filter(pl.col("defect") == "invalid_nik"))
    assert rows.height == SMALL.defect_counts()["invalid_nik"]
    assert rows["nik_error"].null_count() == 0
    kinds = set(rows["detail"].str.replace("invalid:", "").unique())
    assert kinds <= {"length", "date", "serial", "scientific", "letters"}
    assert len(kinds) >= 4
    scientific = rows.filter(pl.col("detail") == "invalid:scientific")
    assert scientific["nik"].str.contains(r"^3\.[0-9]*E\+15$|^3E\+15$").all()


def test_person_defects_look_like_ordinary_rows(small):
    for defect in ("deceased", "moved_out", "tni", "polri"):
        rows = _validated(small.filter(pl.col("defect") == defect))
        assert rows.height == SMALL.defect_counts()[defect]
        assert rows["nik_error"].null_count() == rows.height, defect
        assert rows["of_line"].null_count() == rows.height
        assert (rows["age"] >= 17).all()
    service = small.filter(pl.col("defect").is_in(["tni", "polri"]))
    assert (service["age"] <= 58).all()
    assert (service["jenis_kelamin"] == "L").mean() > 0.8
    assert small.filter(pl.col("defect") == "deceased")["age"].mean() > 55


def test_twins_are_hard_negatives(small):
    twins = small.filter(_has("twin_of:"))
    assert twins.height == 2 * round(SMALL.rate_twins * SMALL.voters)
    assert twins["defect"].null_count() == twins.height
    twins = twins.with_columns(
        pl.col("detail").str.extract(r"twin_of:([0-9]+)").cast(pl.Int64).alias("other")
    )
    pairs = twins.join(small, left_on="other", right_on="line", suffix="_t")
    assert pairs.height == twins.height
    points_back = pairs.select(
        pl.col("detail_t").str.contains(pl.lit("twin_of:") + pl.col("line").cast(pl.String))
    ).to_series()
    assert points_back.all()
    assert (pairs["nkk"] == pairs["nkk_t"]).all()
    assert (pairs["tanggal_lahir"] == pairs["tanggal_lahir_t"]).all()
    assert (pairs["alamat"] == pairs["alamat_t"]).all()
    assert (pairs["person_id"] != pairs["person_id_t"]).all()
    assert (pairs["nik"] != pairs["nik_t"]).all()
    assert (pairs["nama"] != pairs["nama_t"]).all()
    same_initial = (pairs["nama"].str.slice(0, 1) == pairs["nama_t"].str.slice(0, 1)).mean()
    assert same_initial > 0.4
    # Registered together: same kecamatan of issue, and same-sex twins get consecutive serials.
    assert (pairs["nik"].str.slice(0, 6) == pairs["nik_t"].str.slice(0, 6)).all()
    same_sex = pairs.filter(pl.col("jenis_kelamin") == pl.col("jenis_kelamin_t"))
    assert same_sex.height > 0.4 * pairs.height
    assert (same_sex["nik"].str.slice(0, 12) == same_sex["nik_t"].str.slice(0, 12)).all()
    gap = same_sex["nik"].str.slice(12).cast(pl.Int32) - same_sex["nik_t"].str.slice(12).cast(
        pl.Int32
    )
    assert set(gap.abs().unique()) == {1}


def test_kelurahan_sizes_are_uneven_and_cover_the_province():
    population = generate_population(PopulationParams(voters=100_000, seed=3))
    sizes = population.dp4.group_by("kode_kelurahan").len()
    assert sizes.height == len(REGIONS.kelurahan)
    big = sizes.filter(~pl.col("kode_kelurahan").cast(pl.String).str.starts_with("31.01"))
    assert big["len"].max() > 2 * big["len"].min()


@pytest.mark.parametrize("voters", [1, 37, 400])
def test_tiny_populations_work(voters):
    params = PopulationParams(voters=voters, seed=1)
    population = generate_population(params)
    assert population.dp4.height == voters
    assert population.truth["line"].to_list() == list(range(2, voters + 2))

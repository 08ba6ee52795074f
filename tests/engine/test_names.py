"""Indonesian name normalisation: equal pairs, different pairs, idempotence, scalar == vector."""

import numpy as np
import polars as pl
import pytest

from pilkada.engine.names import TITLES, Position, normalize_name, normalize_name_expr

# Pairs that are the same person's name written differently: they must give the same key.
EQUAL = [
    ("Hj. Siti Nurhaliza, S.E.", "SITI NURHALIZA"),
    ("Moh. Soejono", "Muhammad Suyono"),
    ("Dr. Ir. H. Djoko Soesilo, M.M.", "Joko Susilo"),
    ("KH. Ma'ruf Amin", "Maruf Amin"),
    ("K.H. Ma\u2019ruf Amin", "KH Ma'ruf Amin"),
    ("K. H. Hasyim Asy'ari", "Hasjim Asjari"),
    ("H. M. Jusuf Kalla", "Muhammad Yusuf Kalla"),
    ("Ir. H. Joko Widodo", "Djoko Widodo"),
    ("Soekarno", "Sukarno"),
    ("Soeharto", "Suharto"),
    ("Tjipto Mangoenkoesoemo", "Cipto Mangunkusumo"),
    ("R. Soeprapto", "Suprapto"),
    ("Raden Soeprapto", "Suprapto"),
    ("Tb. Hasanuddin", "Hasanuddin"),
    ("Chairul Tanjung", "Khairul Tandjung"),
    ("Sjahrir", "Syahrir"),
    ("Njoto", "Nyoto"),
    ("Jusuf Habibie", "Yusuf Habibie"),
    ("Soesilo Bambang Joedhojono", "Susilo Bambang Yudhoyono"),
    ("Djuanda Kartawidjaja", "Juanda Kartawijaya"),
    ("Oemar Bakri", "Umar Bakri"),
    ("Mochammad Ichsan", "Muhammad Ikhsan"),
    ("Mhd. Ridwan", "Muhammad Ridwan"),
    ("Md. Ali", "Mohamad Ali"),
    ("Moch. Noer Hidajat", "Muhammad Nur Hidayat"),
    ("Muh. Idris, S.Ag.", "Muhammad Idris"),
    ("M. Yusuf", "Muhammad Yusuf"),
    ("M Yusuf", "Mohammad Jusuf"),
    ("Mohammad Hatta", "Moh. Hatta"),
    ("Drs. H. Achmad Fauzi, M.Pd.", "Ahmad Fauzi"),
    ("Ahmad Dahlan, S.Pd.I", "Achmad Dahlan"),
    ("Ustadz Abdul Somad, Lc., M.A.", "Abdul Somad"),
    ("Ustadzah Oki Setiana Dewi", "Oki Setiana Dewi"),
    ("Dra. Hj. Endang Sri Rahayu, M.Si.", "Endang Sri Rahayu"),
    ("Prof. Dr. Ir. H. Bambang Soemantri, M.Sc., Ph.D.", "Bambang Sumantri"),
    ("dr. Andi Wijaya, Sp.PD", "Andi Widjaja"),
    ("dr. Rini Astuti, Sp. OG", "Rini Astuti"),
    ("drg. Ratna Sari Dewi", "Ratna Sari Dewi"),
    ("Nur Aini, A.Md.Keb", "Noer Aini"),
    ("Siti Aminah, S.Kep., Ns.", "Siti Aminah"),
    ("Agus Salim SE", "Agus Salim, S.E."),
    ("Budi Santoso, S.Kom", "Budi Santoso SKom"),
    ("Rina Wati, S. Kom.", "Rina Wati"),
    ("Dewi Lestari,S.H.,M.H.", "Dewi Lestari"),
    ("Ir. Tri Rismaharini, M.T.", "Tri Rismaharini"),
    ("Andi Mallarangeng, S.IP., M.Si., Ph.D.", "Andi Mallarangeng"),
    ("Ni Luh Putu Ariani, S.Pd.", "Ni Luh Putu Ariani"),
    ("Hajjah Siti Fatimah", "Siti Fatimah"),
    ("Haji Agus Salim", "Agus Salim"),
    ("R.A. Kartini", "Raden Ajeng Kartini"),
    ("Sri Soedewi Masjchun Sofwan", "Sri Sudewi Masykhun Sofwan"),
    ("Jos\u00e9 Rizal", "Jose Rizal"),
    ("SITI  NURHALIZA", "siti nurhaliza"),
    ("Siti\u00a0Nurhaliza", " Siti Nurhaliza "),
    ("Nur-Aini", "Nur Aini"),
    ("Ma'ruf", "Maruf"),
    ("I Gusti Ngurah Rai", "I GUSTI NGURAH RAI"),
    ("Mr. Soepomo", "Supomo"),
    ("Hj Tjut Nja' Dhien", "Cut Nya Dhien"),
]

# Pairs that must stay apart.
DIFFERENT = [
    ("Siti Aminah", "Siti Aminah Putri"),
    ("Agus Santoso", "Agus Susanto"),
    ("Budi S.", "Budi"),  # "S." is an initial, never a degree
    ("S. Budi", "Budi"),
    ("Budi H.", "Budi"),  # a single letter is a title only at the start
    ("Rahman MA", "Rahman"),  # M.A. needs its dots: MA may be a name
    ("Agus Dr Santoso", "Agus Santoso"),  # titles only at the ends
    ("Rahmat Haji", "Rahmat"),
    ("Muhammad Yusuf", "Yusuf"),
    ("M. Yusuf", "Yusuf"),
    ("Yusuf M.", "Yusuf Muhammad"),  # only a leading M. is Muhammad
    ("Hendra", "H. Endra"),
    ("Nur Hidayat", "Nurhidayat"),
    ("Rizky", "Rizki"),
    ("Siti Rahayu", "Sri Rahayu"),
    ("Dewi Sartika", "Dewi Sartikah"),
    ("Ahmad Fauzi", "Ahmad Fauzan"),
    ("Hasan", "Husein"),
    ("Andi", "Andy"),
    ("Siti Aminah", "Aminah Siti"),
]

EXACT = [
    ("Hj. Siti Nurhaliza, S.E.", "SITI NURHALIZA"),
    ("Dr. Ir. H. Djoko Soesilo, M.M.", "YOKO SUSILO"),
    ("Moh. Soejono", "MUHAMMAD SUYONO"),
    ("Chairul Tandjung", "KHAIRUL TANYUNG"),
    ("Budi S. Hartono", "BUDI S HARTONO"),
    ("Ø. Straße", "O STRASSE"),
    ("Siti..Aminah.", "SITI AMINAH"),
    ("Moh Muh Ali", "MUHAMMAD MUHAMMAD ALI"),
]

EMPTY = ["", "   ", "Hj.", "Dr. H.", "S.E., M.M.", "Prof. Dr. Ir. H., M.Sc.", "...", "123",
         "\u738b\u5c0f\u660e", None]  # fmt: skip


@pytest.mark.parametrize(("a", "b"), EQUAL)
def test_equal_pairs(a, b):
    assert normalize_name(a) == normalize_name(b) != ""


def test_enough_equal_pairs():
    assert len(EQUAL) >= 40


@pytest.mark.parametrize(("a", "b"), DIFFERENT)
def test_different_pairs(a, b):
    assert normalize_name(a) != normalize_name(b)


@pytest.mark.parametrize(("raw", "key"), EXACT)
def test_exact_keys(raw, key):
    assert normalize_name(raw) == key


@pytest.mark.parametrize("raw", EMPTY)
def test_empty_and_title_only_give_empty(raw):
    assert normalize_name(raw) == ""


def test_j_and_y_are_merged_on_purpose():
    keys = {normalize_name(n) for n in ["Djoko", "Joko", "Yoko", "DJOKO"]}
    assert keys == {"YOKO"}
    assert normalize_name("Jajang") == normalize_name("Yayang")
    assert "J" not in normalize_name("Djajadiningrat Jusuf Tjahjono Sjamsuddin")


@pytest.mark.parametrize("title", TITLES, ids=lambda t: t.form)
def test_every_title_in_the_table_is_removed(title):
    dotted = title.form + "."
    forms = [dotted, dotted.replace(".", ". "), dotted.upper(), dotted.lower()]
    if title.dots_optional:
        forms += [title.form.replace(".", ""), title.form.replace(".", " ").upper()]
    for form in forms:
        if title.position in (Position.LEAD, Position.BOTH):
            assert normalize_name(f"{form} Budi Santoso") == "BUDI SANTOSO", form
        if title.position in (Position.TRAIL, Position.BOTH):
            assert normalize_name(f"Budi Santoso, {form}") == "BUDI SANTOSO", form
            assert normalize_name(f"Budi Santoso {form}") == "BUDI SANTOSO", form


@pytest.mark.parametrize("title", [t for t in TITLES if not t.dots_optional], ids=str)
def test_titles_that_need_dots_are_kept_without_them(title):
    bare = title.form.replace(".", "")
    if title.position is Position.TRAIL:
        assert normalize_name(f"Budi {bare}") == f"BUDI {bare.upper()}"
    else:
        assert normalize_name(f"{bare} Budi") == f"{bare.upper()} BUDI"


def test_titles_stack_and_leave_the_middle_alone():
    name = "Prof. Dr. Ir. Hj. Siti Dr Aminah, S.H., M.H., Ph.D."
    assert normalize_name(name) == "SITI DR AMINAH"


def _fuzz_names(n: int, seed: int) -> list[str]:
    """Random names built from the pieces the rules care about, in random case and spacing."""
    rng = np.random.default_rng(seed)
    pieces = [
        "Siti", "Nur", "Soejono", "Djoko", "Tjahjo", "Sjam", "Nja", "Chairul", "Oemar", "Jusuf",
        "Yusuf", "Ma'ruf", "Mochammad", "Moh.", "M.", "M", "H.", "Hj.", "R.", "R.A.", "K.H.",
        "KH", "Dr.", "dr.", "Ir", "Prof", "Drs.", "S.E.", "SE", "S.", "S", "E.", "M.M.", "MM",
        "S.Kom", "Kom", "Sp.", "PD", "Ph.D", "A.Md.Keb", "Lc", "M.A.", "MA", "Raden", "Ajeng",
        "Tb.", "Haji", "Hajjah", "Ustadz", "Ahmad", "Achmad", "MUHAMMAD", "Md", "Ch.", "KH.",
        "Joko", "OE", "DJ", "TJH", "J", "Y", "Ø", "Straße", "Jos\u00e9", ".", ",", "-", "'",
        "\u00a0", "Ns.", "Sp.PD", "S.Pd.I", "I", "Ni", "Luh", "Ak.", "Ak", "Mr",
    ]  # fmt: skip
    seps = [" ", "  ", ", ", ". ", "", ".", "-", "'", ","]
    names = []
    for _ in range(n):
        k = int(rng.integers(1, 7))
        parts = [str(rng.choice(pieces)) for _ in range(k)]
        text = parts[0]
        for part in parts[1:]:
            text += str(rng.choice(seps)) + part
        match int(rng.integers(0, 3)):
            case 0:
                text = text.upper()
            case 1:
                text = text.lower()
        names.append(text)
    alphabet = list("AJDTOECHSNMKRYU .,'-")
    for _ in range(n):
        names.append("".join(rng.choice(alphabet, size=int(rng.integers(1, 25)))))
    return names


ALL_INPUTS = (
    [x for pair in EQUAL + DIFFERENT for x in pair]
    + [raw for raw, _ in EXACT]
    + [x for x in EMPTY if x is not None]
)


def _assert_key_shape_and_idempotent(names: list[str], keys: list[str], again: list[str]):
    for name, key, key_again in zip(names, keys, again, strict=True):
        assert key_again == key, f"{name!r} -> {key!r} -> {key_again!r}"
        assert key == key.strip() and "  " not in key
        assert set(key) <= set("ABCDEFGHIKLMNOPQRSTUVWXYZ ")  # A-Z without J, and spaces


def test_idempotent_on_tables():
    keys = [normalize_name(name) for name in ALL_INPUTS]
    _assert_key_shape_and_idempotent(ALL_INPUTS, keys, [normalize_name(k) for k in keys])


def test_idempotent_on_fuzz():
    names = _fuzz_names(5000, seed=1972)
    key = normalize_name_expr(pl.col("name"))
    out = pl.DataFrame({"name": names}).with_columns(key.alias("key"))
    again = out.select(normalize_name_expr(pl.col("key")))["key"].to_list()
    _assert_key_shape_and_idempotent(names, out["key"].to_list(), again)


def test_vectorised_equals_scalar():
    names = ALL_INPUTS + _fuzz_names(500, seed=27)
    frame = pl.DataFrame({"nama": [*names, None]}, schema={"nama": pl.String})
    out = frame.select(normalize_name_expr(pl.col("nama")))
    assert out.columns == ["nama"]
    got = out["nama"].to_list()
    assert got[-1] is None  # missing stays missing in a column
    assert got[:-1] == [normalize_name(name) for name in names]


def test_lazy_and_with_columns():
    lazy = pl.LazyFrame({"nama": ["Hj. Siti", "Moh. Ali"]})
    out = lazy.with_columns(normalize_name_expr(pl.col("nama")).alias("kunci")).collect()
    assert out["kunci"].to_list() == ["SITI", "MUHAMMAD ALI"]

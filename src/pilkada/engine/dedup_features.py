"""Features for duplicate detection: one row per voter, everything the blocking keys and the
comparisons of :mod:`pilkada.engine.dedup` need, computed once with Polars. No Django.

The name key is the foundation's :func:`pilkada.engine.names.normalize_name_expr` (titles,
case, punctuation, old spelling, Muhammad/Ahmad variants). On top of it this module builds a
*phonetic* key for matching only (:func:`phonetic_key_expr`): spelling variants that the
normaliser keeps apart on purpose because they can be different names (KH/H, F/P, SY/S,
double letters, final Y/I ...) but that the same person's records show in practice. Neither
key is ever shown to a person: reviewers see ``nama`` as registered.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from pilkada.engine.names import normalize_name_expr
from pilkada.engine.nik import validate_nik_frame

__all__ = [
    "ABBREVIATED_TOKENS",
    "FEATURE_COLUMNS",
    "OPTIONAL_COLUMNS",
    "PHONETIC_RULES",
    "REQUIRED_COLUMNS",
    "SYNC_OUTCOMES",
    "features_lazy",
    "load_voters",
    "phonetic_key_expr",
    "prepare_features",
    "sync_outcome_frame",
    "write_features",
]

#: Columns the input must have (``kode_kelurahan`` is accepted for ``kelurahan_code``; the row
#: id is ``voter_id`` or ``line``).
REQUIRED_COLUMNS = (
    "nik",
    "nkk",
    "nama",
    "tempat_lahir",
    "tanggal_lahir",
    "jenis_kelamin",
    "alamat",
    "rt",
    "rw",
    "kelurahan_code",
)
ID_COLUMNS = ("voter_id", "line")
#: Columns used when present (a missing one is read as unknown: its comparison is neutral).
#: ``status_kawin`` (B / S / P): a person's second registration keeps it unless they married
#: in between; people born the same day differ in it often enough to matter.
OPTIONAL_COLUMNS = ("status_kawin",)

#: Rewrites applied to the normalised key, in order, to make the phonetic key. Each is a
#: spelling that one person's records really alternate between (the generator's
#: ``name:spelling`` variants are a subset): KHAIRUL/HAIRUL, SYAIFUL/SAIFUL, FITRI/PITRI,
#: RIZKY/RIZKI, LUTHFI/LUTFI, DZAKI/ZAKI, MARIA/MARYA (after J -> Y of the normaliser, every
#: Y becomes I, so YUSUF and IUSUF meet too). Then doubled letters are collapsed (MUHAMMAD ->
#: MUHAMAD, ANNISA -> ANISA).
PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    ("KH", "H"),
    ("SY", "S"),
    ("TH", "T"),
    ("DZ", "Z"),
    ("PH", "P"),
    ("F", "P"),
    ("V", "P"),
    ("Q", "K"),
    ("Y", "I"),
)

#: Whole-token abbreviations that the normaliser leaves alone (it keeps them because ``ST``
#: can be a degree at the end of a name) -> the full token, applied to the phonetic key only.
#: ``BR`` (boru, before a Batak marga) is dropped: "BR. SIREGAR" and "SIREGAR" are one name.
ABBREVIATED_TOKENS: dict[str, str] = {"ABD": "ABDUL", "ST": "SITI", "BR": ""}

_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
#: Initial classes (see ``ini`` in :func:`_name_table`).
_INITIAL_FROM = ["C", "T", "K", "D", "Z", "O"]
_INITIAL_TO = ["H", "H", "H", "I", "I", "U"]
_DOUBLES = [c + c for c in _LETTERS]

#: The feature table (see :func:`prepare_features`).
FEATURE_COLUMNS = (
    "rid", "nik", "nik_raw", "nkk", "nama", "nkey", "nph", "ini", "ft", "nt", "t2i", "lt",
    "nkey_tf", "ft_tf", "bd", "sex", "bkey", "tl", "addr", "kel", "sk", "sy",
)  # fmt: skip

#: Values of ``sy``, the row's outcome in the synchronisation with the previous DPT (see
#: :func:`sync_outcome_frame`); null = unknown.
SYNC_OUTCOMES = ("found", "new_adult", "new_17")


def phonetic_key_expr(key: pl.Expr) -> pl.Expr:
    """The phonetic matching key of an already normalised name key (see module docstring)."""
    e = pl.lit(" ") + key.str.replace_all(" ", "  ", literal=True) + pl.lit(" ")
    for short, full in ABBREVIATED_TOKENS.items():
        e = e.str.replace_all(f" {short} ", f" {full} " if full else " ", literal=True)
    for old, new in PHONETIC_RULES:
        e = e.str.replace_all(old, new, literal=True)
    singles = list(_LETTERS)
    # Twice: a pass over "AAA" leaves "AA".
    e = e.str.replace_many(_DOUBLES, singles).str.replace_many(_DOUBLES, singles)
    return e.str.replace_all(" +", " ").str.strip_chars(" ")


def _fallback_key(name: pl.Expr) -> pl.Expr:
    """Letters of the raw name, for names the normaliser empties (e.g. "ST., S.H." is read as
    two degrees); an empty key must never be the only thing two records share."""
    return (
        name.str.to_uppercase()
        .str.replace_all(r"[^A-Z ]", " ")
        .str.replace_all(" +", " ")
        .str.strip_chars(" ")
    )


def _place_key(place: pl.Expr) -> pl.Expr:
    return (
        place.str.to_uppercase()
        .str.replace_all(r"[^A-Z ]", " ")
        .str.replace_all(r"^\s*(KOTA|KAB|KABUPATEN)\s+", "")
        .str.replace_all(" +", " ")
        .str.strip_chars(" ")
    )


def _address_key(alamat: pl.Expr) -> pl.Expr:
    """Street address written one way: upper case, JALAN -> JL, GANG -> GG, NOMOR -> NO,
    punctuation dropped."""
    e = alamat.str.to_uppercase().str.replace_all(r"[^A-Z0-9]+", " ")
    e = pl.lit(" ") + e + pl.lit(" ")
    for long, short in (("JALAN", "JL"), ("GANG", "GG"), ("NOMOR", "NO"), ("NOMER", "NO")):
        e = e.str.replace_all(f" {long} ", f" {short} ", literal=True)
    return e.str.replace_all(" +", " ").str.strip_chars(" ")


def _digits(col: str) -> pl.Expr:
    return pl.col(col).cast(pl.String).str.replace_all(r"\D", "")


def load_voters(voters: pl.DataFrame | pl.LazyFrame | str | Path) -> pl.LazyFrame:
    """The input as a LazyFrame with the required columns and an Int64 ``rid``.

    ``voters`` is a frame, or a path to a Parquet file or to a CSV in the DP4 format (whose
    row id is then the file line: the header is line 1). The row id is ``voter_id`` if
    present, else ``line``; it must be an integer and unique.
    """
    if isinstance(voters, str | Path):
        path = Path(voters)
        if path.suffix.lower() == ".parquet":
            lazy = pl.scan_parquet(path)
        else:
            lazy = pl.scan_csv(path, infer_schema=False, row_index_name="line", row_index_offset=2)
    elif isinstance(voters, pl.DataFrame):
        lazy = voters.lazy()
    elif isinstance(voters, pl.LazyFrame):
        lazy = voters
    else:  # pragma: no cover - defensive
        raise TypeError(f"unsupported input {type(voters).__name__}")
    schema = lazy.collect_schema()
    names = set(schema.names())
    if "kelurahan_code" not in names and "kode_kelurahan" in names:
        lazy = lazy.rename({"kode_kelurahan": "kelurahan_code"})
        names = (names - {"kode_kelurahan"}) | {"kelurahan_code"}
    id_col = next((c for c in ID_COLUMNS if c in names), None)
    missing = [c for c in REQUIRED_COLUMNS if c not in names]
    if id_col is None or missing:
        need = missing + ([] if id_col else ["voter_id or line"])
        raise ValueError(f"the voters table lacks column(s): {', '.join(need)}")
    if schema[id_col] not in (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt32, pl.UInt64):
        lazy = lazy.with_columns(pl.col(id_col).cast(pl.Int64, strict=True))
    optional = [
        pl.col(c) if c in names else pl.lit(None, dtype=pl.String).alias(c)
        for c in OPTIONAL_COLUMNS
    ]
    return lazy.select(pl.col(id_col).cast(pl.Int64).alias("rid"), *REQUIRED_COLUMNS, *optional)


def _as_date(col: str, dtype: pl.DataType) -> pl.Expr:
    if dtype == pl.Date:
        return pl.col(col)
    if dtype == pl.Datetime:
        return pl.col(col).dt.date()
    text = pl.col(col).cast(pl.String).str.strip_chars()
    return pl.coalesce(
        text.str.to_date("%Y-%m-%d", strict=False),
        text.str.to_date("%d-%m-%Y", strict=False),
        text.str.to_date("%d/%m/%Y", strict=False),
    )


def _name_table(names: pl.Series) -> pl.DataFrame:
    """Keys of each distinct ``nama`` (normalising distinct names only is ~10x less work)."""
    frame = names.unique().to_frame("nama")
    frame = frame.with_columns(nkey=normalize_name_expr(pl.col("nama")).fill_null(""))
    # "ST." is both SITI abbreviated and the degree S.T.: a name the normaliser empties
    # ("HJ. ST.", "ST., S.H.") is read again with ST as SITI, then as plain letters.
    as_siti = pl.col("nama").str.replace_all(r"(?i)(^|[^A-Za-z])ST([^A-Za-z]|$)", "${1}SITI${2}")
    frame = frame.with_columns(
        nkey=pl.when(pl.col("nkey") == "")
        .then(normalize_name_expr(as_siti).fill_null(""))
        .otherwise("nkey")
    )
    frame = frame.with_columns(
        nkey=pl.when(pl.col("nkey") == "").then(_fallback_key(pl.col("nama"))).otherwise("nkey")
    )
    frame = frame.with_columns(nph=phonetic_key_expr(pl.col("nkey")))
    tok = pl.col("nph").str.split(" ").list.eval(pl.element().filter(pl.element() != ""))
    frame = frame.with_columns(_tok=tok)
    return frame.with_columns(
        # Initials in classes that spelling moves between, so that an initial written from
        # the registered spelling meets the full name's key: C./CHANIAGO -> HANIAGO,
        # T./TJAHJADI -> CAHIADI, K./KHAIRUL -> HAIRUL (C, T, K, H: one class);
        # D./DJOKO -> IOKO, D./DZAKI -> ZAKI (D, I, Z); O./OEMAR -> UMAR (O, U).
        ini=pl.col("_tok")
        .list.eval(pl.element().str.slice(0, 1))
        .list.join("")
        .str.replace_many(_INITIAL_FROM, _INITIAL_TO),
        ft=pl.col("_tok").list.first().fill_null(""),
        nt=pl.col("_tok").list.len().cast(pl.Int16),
        t2i=pl.col("_tok")
        .list.get(1, null_on_oob=True)
        .str.slice(0, 1)
        .str.replace_many(_INITIAL_FROM, _INITIAL_TO),
        lt=pl.col("_tok").list.last(),
    ).drop("_tok")


SyncInput = pl.DataFrame | pl.LazyFrame | str | Path


def sync_outcome_frame(sync_outcomes: SyncInput) -> pl.LazyFrame:
    """``(rid, sy)`` from the per-row outcome of a synchronisation with the previous DPT.

    ``sync_outcomes`` is a frame or Parquet/CSV path with one row per DP4 row: the row id
    (``voter_id``, ``id``, ``rid`` or ``line``: the same ids as the voters table), ``method``
    (``nik`` or ``fuzzy``: found on the previous DPT; ``new``: not on it) and ``turns_17``
    (the new voter was under 17 on the previous voting day) -- what
    :func:`pilkada.engine.sync.synchronise` returns as ``SyncResult.dp4`` and what the
    voters app stores as ``SyncMatch``. ``sy`` is ``found``, ``new_adult`` or ``new_17``;
    any other method is unknown (null).
    """
    if isinstance(sync_outcomes, str | Path):
        path = Path(sync_outcomes)
        lazy = (
            pl.scan_parquet(path)
            if path.suffix.lower() == ".parquet"
            else pl.scan_csv(path, infer_schema=False)
        )
    elif isinstance(sync_outcomes, pl.DataFrame):
        lazy = sync_outcomes.lazy()
    else:
        lazy = sync_outcomes
    names = lazy.collect_schema().names()
    id_col = next((c for c in ("voter_id", "id", "rid", "line") if c in names), None)
    missing = [c for c in ("method", "turns_17") if c not in names]
    if id_col is None or missing:
        need = missing + ([] if id_col else ["voter_id, id, rid or line"])
        raise ValueError(f"the sync outcomes lack column(s): {', '.join(need)}")
    method = pl.col("method").cast(pl.String).str.strip_chars().str.to_lowercase()
    young = (
        pl.col("turns_17").cast(pl.String).str.to_lowercase().is_in(["true", "1", "t"])
        .fill_null(False)
    )  # fmt: skip
    return lazy.select(
        rid=pl.col(id_col).cast(pl.Int64),
        sy=pl.when(method.is_in(["nik", "fuzzy", "found"]))
        .then(pl.lit("found"))
        .when((method == "new") & young)
        .then(pl.lit("new_17"))
        .when(method == "new")
        .then(pl.lit("new_adult")),
    ).unique("rid", keep="first")


def features_lazy(
    voters: pl.DataFrame | pl.LazyFrame | str | Path,
    *,
    reference_date: dt.date,
    province_codes: Sequence[str] | None = None,
    sync_outcomes: SyncInput | None = None,
) -> pl.LazyFrame:
    """The feature table of :data:`FEATURE_COLUMNS` as a LazyFrame, one row per input row.

    * ``nik`` -- the 16 cleaned digits when the NIK is well formed (else null: an unusable
      NIK never makes an exact group and never counts as NIK evidence); ``nik_raw`` as given;
    * ``nkey`` normalised name, ``nph`` phonetic key, ``ini`` the initials of its tokens,
      ``ft`` the first token, ``nt`` the number of tokens, ``t2i`` the initial of the second
      token, ``lt`` the last token (the token lists themselves are made in DuckDB);
    * ``nkey_tf`` = name key, sex and five-year birth cohort: the value whose frequency
      (among people of that sex and cohort) adjusts the weight of an exact name match;
      ``ft_tf`` the same for the first name (a single name against a longer one);
    * ``bd`` birth date, ``sex`` (L/P), ``bkey`` = sex, year and the *unordered* day and
      month: a record and its copy with day and month swapped share it;
    * ``tl`` birthplace key; ``addr`` street address key with RT, RW and kelurahan; ``kel``
      the kelurahan code (10 digits, undotted);
    * ``sk`` marital status B / S / P from the optional ``status_kawin`` (null if absent or
      unreadable);
    * ``sy`` the row's outcome in the synchronisation with the previous DPT, from
      ``sync_outcomes`` (see :func:`sync_outcome_frame`; null for every row without one).

    Names, birthplaces and streets are normalised once per distinct value (one pass over the
    input collects them), then joined back; the rest is a streaming pipeline, so that 8
    million rows never sit in memory twice.
    """
    lazy = load_voters(voters)
    schema = lazy.collect_schema()
    lazy = lazy.with_columns(
        nik_raw=pl.col("nik").cast(pl.String),
        nkk=_digits("nkk"),
        bd=_as_date("tanggal_lahir", schema["tanggal_lahir"]),
        sex=pl.col("jenis_kelamin").cast(pl.String).str.strip_chars().str.to_uppercase(),
        kel=_digits("kelurahan_code"),
        rt=_digits("rt").str.zfill(3),
        rw=_digits("rw").str.zfill(3),
        nama=pl.col("nama").cast(pl.String).fill_null(""),
        tempat_lahir=pl.col("tempat_lahir").cast(pl.String).fill_null(""),
        alamat=pl.col("alamat").cast(pl.String).fill_null(""),
    )
    distinct_names, distinct_places, distinct_streets, duplicated_ids = pl.collect_all(
        [
            lazy.select(pl.col("nama").unique()),
            lazy.select(pl.col("tempat_lahir").unique()),
            lazy.select(pl.col("alamat").unique()),
            lazy.select(pl.col("rid").is_duplicated().any()),
        ]
    )
    if duplicated_ids.item():
        raise ValueError("row ids (voter_id or line) must be unique")
    names = _name_table(distinct_names["nama"])
    places = distinct_places.with_columns(tl=_place_key(pl.col("tempat_lahir")))
    streets = distinct_streets.with_columns(_street=_address_key(pl.col("alamat")))

    lazy = validate_nik_frame(
        lazy.with_columns(pl.col("nik").cast(pl.String)),
        "nik",
        reference_date=reference_date,
        province_codes=province_codes,
        prefix="_nik",
    )
    # A NIK that cleaning could not read (scientific notation, letters, wrong length) is
    # unusable; one with only a structural error (bad date, serial 0000) is still 16 digits
    # a clerk typed, and equal ones are still evidence.
    lazy = lazy.with_columns(
        nik=pl.when(pl.col("_nik_clean").str.len_chars() == 16).then(pl.col("_nik_clean")),
    )
    lazy = (
        lazy.join(names.lazy(), on="nama", how="left")
        .join(places.lazy(), on="tempat_lahir", how="left")
        .join(streets.lazy(), on="alamat", how="left")
    )
    cohort = pl.concat_str(
        [pl.col("sex"), (pl.col("bd").dt.year() // 5 * 5).cast(pl.String)],
        separator="|",
        ignore_nulls=True,
    )
    day, month = pl.col("bd").dt.day().cast(pl.Int64), pl.col("bd").dt.month().cast(pl.Int64)
    sex_code = pl.when(pl.col("sex") == "P").then(1).when(pl.col("sex") == "L").then(0)
    lazy = lazy.with_columns(
        bkey=pl.when(pl.col("bd").is_not_null() & sex_code.is_not_null()).then(
            sex_code * 10**8
            + pl.col("bd").dt.year().cast(pl.Int64) * 10**4
            + pl.min_horizontal(day, month) * 100
            + pl.max_horizontal(day, month)
        ),
        nkey_tf=pl.when(pl.col("nkey") != "").then(
            pl.concat_str([pl.col("nkey"), cohort], separator="|", ignore_nulls=True)
        ),
        ft_tf=pl.when(pl.col("ft") != "").then(
            pl.concat_str([pl.col("ft"), cohort], separator="|", ignore_nulls=True)
        ),
        addr=pl.when(pl.col("_street") != "").then(
            pl.concat_str([pl.col("_street"), "rt", "rw", "kel"], separator="|")
        ),
        nkk=pl.when(pl.col("nkk").str.len_chars() > 0).then(pl.col("nkk")),
        # Marital status B / S / P (belum kawin, sudah kawin, pernah kawin); else unknown.
        sk=pl.col("status_kawin")
        .cast(pl.String)
        .str.strip_chars()
        .str.to_uppercase()
        .str.slice(0, 1)
        .replace_strict(["B", "S", "P"], ["B", "S", "P"], default=None),
    )
    if sync_outcomes is None:
        lazy = lazy.with_columns(sy=pl.lit(None, dtype=pl.String))
    else:
        lazy = lazy.join(sync_outcome_frame(sync_outcomes), on="rid", how="left")
    return lazy.select(FEATURE_COLUMNS)


def prepare_features(
    voters: pl.DataFrame | pl.LazyFrame | str | Path,
    *,
    reference_date: dt.date,
    province_codes: Sequence[str] | None = None,
    sync_outcomes: SyncInput | None = None,
) -> pl.DataFrame:
    """:func:`features_lazy`, collected."""
    return features_lazy(
        voters,
        reference_date=reference_date,
        province_codes=province_codes,
        sync_outcomes=sync_outcomes,
    ).collect()


def write_features(
    voters: pl.DataFrame | pl.LazyFrame | str | Path,
    path: str | Path,
    *,
    reference_date: dt.date,
    province_codes: Sequence[str] | None = None,
    sync_outcomes: SyncInput | None = None,
) -> Path:
    """:func:`features_lazy`, streamed to a Parquet file (LZ4: fast to write and read)."""
    path = Path(path)
    features_lazy(
        voters,
        reference_date=reference_date,
        province_codes=province_codes,
        sync_outcomes=sync_outcomes,
    ).sink_parquet(path, compression="lz4")
    return path

"""Indonesian personal names -> matching keys.

:func:`normalize_name` (one name) and :func:`normalize_name_expr` (a Polars column) produce the
same key because the scalar function runs the vectorised one on a one-element column, and both
read the rule tables below: there is one rule set and it cannot drift.

The key is for *matching* (blocking, duplicate suggestions, cek NIK dukungan), never for display:
it deliberately merges spellings that are different names for a person (JOKO and YOKO) so that
old and new spellings of the same name meet. Always apply it to both sides of a comparison.

Sources for the rules: the spelling correspondences are those of the 1972 EYD reform (Ejaan
Yang Disempurnakan, Keputusan Presiden 57/1972) replacing the Soewandi (1947) and Van Ophuijsen
(1901) spellings, which Dukcapil records still carry for people born before it; titles and
degrees are the Indonesian academic degree abbreviations (Permendikbud 154/2014 on gelar, and
earlier usage still common in records) and the usual religious and noble titles.

This module must not import Django.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import Enum

import polars as pl

__all__ = [
    "CANONICAL_TOKENS",
    "LEADING_INITIALS",
    "OLD_SPELLING",
    "TITLES",
    "Position",
    "Title",
    "normalize_name",
    "normalize_name_expr",
]

# --------------------------------------------------------------------------------------------
# Rule tables
# --------------------------------------------------------------------------------------------


class Position(Enum):
    """Where a title is removed: before the name, after it, or either."""

    LEAD = "lead"
    TRAIL = "trail"
    BOTH = "both"


@dataclass(frozen=True, slots=True)
class Title:
    """A title or degree removed from the name.

    ``form`` is written as usual ("S.Kom", "K.H", "Raden Ajeng"); dots mark where its parts may
    be split. With ``dots_optional`` the parts also match run together or spaced without dots
    ("SKOM", "S Kom"); without it the dots are required ("M.A." but not "MA", which may be a
    name). Titles are removed only as whole tokens and only in a run at the start (LEAD) or the
    end (TRAIL) of the name, so "Agus Dr Santoso" keeps its middle token.
    """

    form: str
    position: Position
    meaning: str
    dots_optional: bool = True


LEAD, TRAIL, BOTH = Position.LEAD, Position.TRAIL, Position.BOTH

TITLES: tuple[Title, ...] = (
    # Religious and honorific titles, before the name.
    Title("H", LEAD, "Haji; a single letter, so only at the start"),
    Title("Hj", BOTH, "Hajjah"),
    Title("Haji", LEAD, "Haji"),
    Title("Hajah", LEAD, "Hajjah"),
    Title("Hajjah", LEAD, "Hajjah"),
    Title("K.H", LEAD, "Kyai Haji"),
    Title("Kyai", LEAD, "Kyai"),
    Title("Kiai", LEAD, "Kyai"),
    Title("Ust", LEAD, "Ustadz"),
    Title("Ustadz", LEAD, "Ustadz"),
    Title("Ustaz", LEAD, "Ustadz"),
    Title("Ustadzah", LEAD, "Ustadzah"),
    Title("Ustazah", LEAD, "Ustadzah"),
    # Noble titles (Javanese, Sundanese, Bantenese), before the name.
    Title("R", LEAD, "Raden; a single letter, so only at the start"),
    Title("Raden", LEAD, "Raden"),
    Title("Raden Ajeng", LEAD, "Raden Ajeng"),
    Title("Raden Ayu", LEAD, "Raden Ayu"),
    Title("Raden Mas", LEAD, "Raden Mas"),
    Title("R.A", LEAD, "Raden Ajeng / Raden Ayu", dots_optional=False),
    Title("R.M", LEAD, "Raden Mas", dots_optional=False),
    Title("Tb", LEAD, "Tubagus"),
    # Academic and professional titles written before the name.
    Title("Prof", BOTH, "Profesor"),
    Title("Dr", BOTH, "Doktor, or dokter (dr.)"),
    Title("Drs", BOTH, "Doktorandus"),
    Title("Dra", BOTH, "Doktoranda"),
    Title("Drg", LEAD, "dokter gigi"),
    Title("Drh", LEAD, "dokter hewan"),
    Title("Ir", BOTH, "Insinyur"),
    Title("Mr", LEAD, "Meester in de rechten (pre-1960s law degree)"),
    # Degrees after the name: sarjana (S1).
    Title("S.Ag", TRAIL, "Sarjana Agama"),
    Title("S.E", TRAIL, "Sarjana Ekonomi"),
    Title("S.Farm", TRAIL, "Sarjana Farmasi"),
    Title("S.H", TRAIL, "Sarjana Hukum"),
    Title("S.H.I", TRAIL, "Sarjana Hukum Islam"),
    Title("S.Hum", TRAIL, "Sarjana Humaniora"),
    Title("S.Hut", TRAIL, "Sarjana Kehutanan"),
    Title("S.I.Kom", TRAIL, "Sarjana Ilmu Komunikasi"),
    Title("S.IP", TRAIL, "Sarjana Ilmu Politik"),
    Title("S.Ked", TRAIL, "Sarjana Kedokteran"),
    Title("S.Keb", TRAIL, "Sarjana Kebidanan"),
    Title("S.Kep", TRAIL, "Sarjana Keperawatan"),
    Title("S.KM", TRAIL, "Sarjana Kesehatan Masyarakat"),
    Title("S.Kom", TRAIL, "Sarjana Komputer"),
    Title("S.P", TRAIL, "Sarjana Pertanian", dots_optional=False),
    Title("S.Pd", TRAIL, "Sarjana Pendidikan"),
    Title("S.Pd.I", TRAIL, "Sarjana Pendidikan Islam"),
    Title("S.Psi", TRAIL, "Sarjana Psikologi"),
    Title("S.Pt", TRAIL, "Sarjana Peternakan"),
    Title("S.S", TRAIL, "Sarjana Sastra"),
    Title("S.Si", TRAIL, "Sarjana Sains"),
    Title("S.Sos", TRAIL, "Sarjana Sosial"),
    Title("S.Sos.I", TRAIL, "Sarjana Sosial Islam"),
    Title("S.T", TRAIL, "Sarjana Teknik"),
    Title("S.Th", TRAIL, "Sarjana Teologi"),
    Title("S.Tr", TRAIL, "Sarjana Terapan"),
    # Diploma, master (S2), doctorate (S3), specialists, foreign degrees.
    Title("A.Md", TRAIL, "Ahli Madya"),
    Title("A.Md.Keb", TRAIL, "Ahli Madya Kebidanan"),
    Title("A.Md.Kep", TRAIL, "Ahli Madya Keperawatan"),
    Title("M.A", TRAIL, "Master of Arts", dots_optional=False),
    Title("M.Ag", TRAIL, "Magister Agama"),
    Title("M.E", TRAIL, "Magister Ekonomi", dots_optional=False),
    Title("M.H", TRAIL, "Magister Hukum"),
    Title("M.Hum", TRAIL, "Magister Humaniora"),
    Title("M.Kes", TRAIL, "Magister Kesehatan"),
    Title("M.Kn", TRAIL, "Magister Kenotariatan"),
    Title("M.Kom", TRAIL, "Magister Komputer"),
    Title("M.M", TRAIL, "Magister Manajemen"),
    Title("M.Pd", TRAIL, "Magister Pendidikan"),
    Title("M.Psi", TRAIL, "Magister Psikologi"),
    Title("M.Sc", TRAIL, "Master of Science"),
    Title("M.Si", TRAIL, "Magister Sains"),
    Title("M.T", TRAIL, "Magister Teknik"),
    Title("M.Eng", TRAIL, "Master of Engineering"),
    Title("M.B.A", TRAIL, "Master of Business Administration"),
    Title("M.P.H", TRAIL, "Master of Public Health"),
    Title("Ph.D", TRAIL, "Doctor of Philosophy"),
    Title("B.Sc", TRAIL, "Bachelor of Science"),
    Title("B.A", TRAIL, "Bachelor of Arts", dots_optional=False),
    Title("Lc", TRAIL, "Licence (Al-Azhar and other Middle-East universities)"),
    Title("Sp.A", TRAIL, "Spesialis Anak"),
    Title("Sp.B", TRAIL, "Spesialis Bedah"),
    Title("Sp.JP", TRAIL, "Spesialis Jantung dan Pembuluh Darah"),
    Title("Sp.KK", TRAIL, "Spesialis Kulit dan Kelamin"),
    Title("Sp.M", TRAIL, "Spesialis Mata"),
    Title("Sp.OG", TRAIL, "Spesialis Obstetri dan Ginekologi"),
    Title("Sp.PD", TRAIL, "Spesialis Penyakit Dalam"),
    Title("Sp.THT", TRAIL, "Spesialis Telinga Hidung Tenggorokan"),
    Title("Apt", TRAIL, "Apoteker"),
    Title("Ak", TRAIL, "Akuntan", dots_optional=False),
    Title("Ns", TRAIL, "Ners"),
)

#: Pre-EYD spellings -> EYD, applied in this order to every name. The order matters:
#: TJ before CH (TJH -> CH -> KH), and DJ before the lone J (DJ was the old J, J the old Y).
#: Because lone J -> Y also turns every modern J into Y, the key has no letter J at all: DJOKO,
#: JOKO and YOKO all become YOKO. That collision is the price of meeting old and new spellings
#: in one key (JUSUF = YUSUF and DJOKO = JOKO), acceptable for a matching key applied to both
#: sides; SJ -> SY and NJ -> NY are implied by J -> Y and listed for the record.
OLD_SPELLING: tuple[tuple[str, str, str], ...] = (
    ("OE", "U", "SOEKARNO -> SUKARNO"),
    ("TJ", "C", "TJIPTO -> CIPTO"),
    ("DJ", "J", "DJOKO -> JOKO (then J -> Y: YOKO)"),
    ("SJ", "SY", "SJAHRIR -> SYAHRIR"),
    ("NJ", "NY", "NJOTO -> NYOTO"),
    ("J", "Y", "JUSUF -> YUSUF, SOEJONO -> SUYONO; also modern JOKO -> YOKO"),
    ("CH", "KH", "CHAIRUL -> KHAIRUL, MOCHTAR -> MOKHTAR"),
)

#: Whole tokens (with or without a final dot) that are one name spelled or abbreviated in many
#: ways -> the canonical token. Variants are written naturally and pass through OLD_SPELLING
#: like names do (MOCHAMMAD and MOKHAMMAD become one entry).
# fmt: off
_MUHAMMAD_VARIANTS = (
    "MUHAMMAD", "MUHAMAD", "MUHAMMED", "MUHAMED", "MUHAMMAT", "MUHAMAT",
    "MOHAMMAD", "MOHAMAD", "MOHAMMED", "MOHAMED", "MOHAMMAT", "MOHAMAT",
    "MOCHAMMAD", "MOCHAMAD", "MOCHAMMED", "MOKHAMMAD", "MOKHAMAD",
    "MUCHAMMAD", "MUCHAMAD", "MUKHAMMAD", "MUKHAMAD", "MOEHAMMAD", "MOEHAMAD",
    "MOH", "MOCH", "MOHD", "MUH", "MUCH", "MUHD", "MHD", "MD",
)
# fmt: on
CANONICAL_TOKENS: dict[str, tuple[str, ...]] = {
    "MUHAMMAD": _MUHAMMAD_VARIANTS,
    "AHMAD": ("AHMAD", "ACHMAD", "AKHMAD", "AHMED", "ACHMED"),
}

#: A single letter at the very start of the name (after titles) that stands for a name.
#: "M." as a leading initial is read as Muhammad: a deliberate choice common in Indonesian
#: record linkage, where M. is overwhelmingly Muhammad. Elsewhere a single letter is an initial
#: and is kept.
LEADING_INITIALS: dict[str, str] = {"M": "MUHAMMAD"}

#: Latin letters that NFKD does not decompose, mapped to plain letters (after upper-casing).
_LATIN_EXTRA = {
    "ß": "SS",
    "ẞ": "SS",
    "Æ": "AE",
    "Œ": "OE",
    "Ø": "O",
    "Đ": "D",
    "Ð": "D",
    "Ł": "L",
    "Þ": "TH",
}

_APOSTROPHES = "['\u2018\u2019\u0060\u00b4\u02bb\u02bc]"

# --------------------------------------------------------------------------------------------
# The pipeline, as Polars expressions
# --------------------------------------------------------------------------------------------


def _spell(expr: pl.Expr) -> pl.Expr:
    for old, new, _example in OLD_SPELLING:
        expr = expr.str.replace_all(old, new, literal=True)
    return expr


def _spell_words(words: list[str]) -> list[str]:
    """OLD_SPELLING applied to table entries, through the same expression as the names."""
    return (
        pl.Series(words, dtype=pl.String).to_frame("w").select(_spell(pl.col("w")))["w"].to_list()
    )


def _title_regex(title: Title) -> str:
    """Regex for one title over the tokenised form (dots end tokens, tokens are separated by two
    spaces); e.g. S.Kom -> ``S\\.?(?:  )?KOM\\.?``."""
    joiner = r"\.?(?:  )?" if title.dots_optional else r"\.  "
    words = []
    for word in title.form.upper().split(" "):
        parts = [re.escape(part) for part in _spell_words(word.split("."))]
        words.append(joiner.join(parts))
    end = r"\.?" if title.dots_optional or "." in title.form else r"\."
    return "  ".join(words) + end


def _alternation(titles: list[Title]) -> str:
    # Longer forms first, so that "R.A" is tried before "R" and "S.Pd.I" before "S.Pd".
    ordered = sorted(titles, key=lambda t: (-t.form.count(" ") - t.form.count("."), -len(t.form)))
    return "|".join(_title_regex(title) for title in ordered)


@dataclass(frozen=True, slots=True)
class _Patterns:
    lead: str  # the run of titles at the start
    trail: str  # the run of titles at the end
    tokens: dict[str, str]  # canonical token -> pattern of its variants
    initials: dict[str, str]  # canonical token -> pattern of the leading initial


@functools.cache
def _patterns() -> _Patterns:
    """Compile the rule tables into regexes over the tokenised form (built once)."""
    lead = _alternation([t for t in TITLES if t.position in (LEAD, BOTH)])
    trail = _alternation([t for t in TITLES if t.position in (TRAIL, BOTH)])
    tokens = {}
    for canonical, variants in CANONICAL_TOKENS.items():
        spelled = sorted(set(_spell_words(list(variants))), key=lambda v: (-len(v), v))
        tokens[canonical] = rf" (?:{'|'.join(map(re.escape, spelled))})\.? "
    initials = {name: rf"^ {re.escape(letter)}\.? " for letter, name in LEADING_INITIALS.items()}
    return _Patterns(
        lead=rf"^(?: (?:{lead}) )+", trail=rf"(?: (?:{trail}) )+$", tokens=tokens, initials=initials
    )


def normalize_name_expr(expr: pl.Expr) -> pl.Expr:
    """The matching key of :func:`normalize_name`, vectorised. Nulls stay null."""
    patterns = _patterns()
    # 1. Unicode: compatibility decomposition, accents dropped, upper case, plain Latin only.
    key = expr.str.normalize("NFKD").str.replace_all(r"\p{M}", "").str.to_uppercase()
    key = key.str.replace_many(list(_LATIN_EXTRA), list(_LATIN_EXTRA.values()))
    # 2. Apostrophes join (MA'RUF -> MARUF); anything else but letters and dots separates.
    key = key.str.replace_all(_APOSTROPHES, "").str.replace_all(r"[^A-Z.]", " ")
    # 3. Tokens: a dot ends a token (S.KOM -> "S. KOM"); dots not after a letter are noise.
    key = key.str.replace_all(r"(^|[^A-Z])\.+", "${1}").str.replace_all(r"\.+", ". ")
    key = key.str.replace_all(" +", " ").str.strip_chars(" ")
    # 4. Old spellings -> EYD, so that titles and name variants below meet their spelled forms.
    key = _spell(key)
    # 5. Every token gets its own surrounding spaces (" A  B "), so adjacent tokens can match.
    key = key.str.replace_all(" ", "  ", literal=True).str.replace(r"^(.*)$", " ${1} ")
    # 6. Titles: the run at the start, then the run at the end.
    key = key.str.replace(patterns.lead, "").str.replace(patterns.trail, "")
    # 7. Name variants -> canonical token; then a leading initial M. -> MUHAMMAD.
    for canonical, pattern in patterns.tokens.items():
        key = key.str.replace_all(pattern, f" {canonical} ")
    for canonical, pattern in patterns.initials.items():
        key = key.str.replace(pattern, f" {canonical} ")
    # 8. Drop dots, single spaces.
    key = key.str.replace_all(".", "", literal=True).str.replace_all(" +", " ")
    return key.str.strip_chars(" ")


@functools.lru_cache(maxsize=65_536)
def normalize_name(name: str | None) -> str:
    """Return the matching key of an Indonesian personal name ("" if nothing is left).

    Rules, in order (each one a table in this module):

    1. Unicode NFKD, accents removed, upper case; letters outside A-Z that do not decompose
       are mapped (Ø -> O, Æ -> AE ...), other scripts are dropped, so a name in another
       script gives "" -- an empty key must never count as a match.
    2. Apostrophes are removed inside words (Ma'ruf -> MARUF); digits and every other
       punctuation separate words, except dots, which end a token (S.Kom -> S. KOM).
    3. Old spellings -> EYD (OLD_SPELLING): OE -> U, TJ -> C, DJ -> J, SJ -> SY, NJ -> NY,
       J -> Y, CH -> KH. In old spelling J was the modern Y and DJ the modern J, but a record
       does not say which spelling it uses, so the key merges them: DJOKO, JOKO and YOKO all
       give YOKO, and JAJANG collides with YAYANG. That is acceptable only because this is a
       matching key, applied to both sides of every comparison; it is why the key has no J and
       must never be shown as the person's name.
    4. Titles and degrees (TITLES) are removed as whole tokens, in a run at the start (H., Hj.,
       Dr., Ir., K.H., R. ...) and in a run at the end (S.E., M.M., Ph.D., Sp.PD ...), with or
       without dots and commas. Single letters are titles only at the start (H. = Haji, R. =
       Raden) and "S." is never one: it is an initial. Degrees whose dotless form could be a
       name (M.A., S.P., B.A.) need their dots.
    5. Name variants (CANONICAL_TOKENS) become one token anywhere: Muhammad, Muhamad,
       Mohammad, Mochammad, Moh., Muh., Mhd., Md. ... -> MUHAMMAD; Achmad, Akhmad -> AHMAD.
       A leading initial M. (after titles) is read as MUHAMMAD (LEADING_INITIALS): a deliberate
       choice, common in Indonesian record linkage.
    6. Dots dropped, single spaces, no leading or trailing space.

    The key is idempotent: ``normalize_name(normalize_name(x)) == normalize_name(x)``.
    It runs :func:`normalize_name_expr` on a one-element column, so both always agree.
    """
    if name is None:
        return ""
    frame = pl.DataFrame({"name": [name]}, schema={"name": pl.String})
    return frame.select(normalize_name_expr(pl.col("name")).alias("key"))["key"][0] or ""

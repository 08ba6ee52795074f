"""The system's eligibility checks of applications to the ad hoc bodies, set-based. No Django.

    result = check_applications(
        applications,            # APPLICATION_SCHEMA, one row per application
        register=register,       # REGISTER_SCHEMA: the register rows of the applicants' NIKs
                                 #   (and of the seated members' NIKs, for their NKK)
        party_niks=party,        # NIKs of party members (KPU's uploaded list, e.g. SIPOL)
        supporter_niks=support,  # NIKs listed as supporters of an independent pair
        members=members,         # MEMBER_SCHEMA: the active seated members of the election
        params=RuleParams(...),  # the rule parameters (settings PILKADA_ADHOC_*)
        reference_date=day,      # the day of application where a row has no ``applied_on``
    )
    # -> RESULT_SCHEMA: id, eligibility, reasons, warnings, register_voter_id

Every rule is the vectorised form of one function of :mod:`pilkada.adhoc.rules` (UU 7/2017
Pasal 72, UU 10/2016, PKPU 8/2022); the parameters those functions read from the settings are
passed in :class:`RuleParams` (the Django side builds them, see
``pilkada.adhoc.services.eligibility.rule_params``). The tests apply the rule functions row by
row and compare. An application gets every reason that applies (comma-separated, in the order
of :data:`REASONS`); it is ``ineligible`` when it has at least one.

Reasons:

* ``nik_invalid`` -- not a valid NIK (:func:`pilkada.engine.nik.validate_nik_frame`);
* ``under_age`` / ``over_age`` -- :func:`~pilkada.adhoc.rules.memenuhi_syarat_usia` on the
  birth date the applicant gave, on the day of application (``applied_on``);
* ``domicile_outside_area`` -- :func:`~pilkada.adhoc.rules.berdomisili_di_wilayah_kerja` on
  the kelurahan of domicile the applicant gave;
* ``education_below_minimum`` -- :func:`~pilkada.adhoc.rules.memenuhi_pendidikan_minimal`;
* ``party_member`` -- the NIK is on the party-member list KPU uploaded
  (:func:`~pilkada.adhoc.rules_applications.bukan_anggota_partai`);
* ``supporter_listed`` -- the NIK is listed as a supporter of an independent pair
  (:func:`~pilkada.adhoc.rules_applications.bukan_pendukung_perseorangan`);
* ``seated_elsewhere`` -- an active member with the NIK, seated through another application
  (another body, or the same body in another area;
  :func:`~pilkada.adhoc.rules_applications.tidak_menjabat_di_badan_lain`);
* ``marriage_tie`` -- the applicant is married (status kawin ``S``) and an active member of
  the same body in the same area, another person, is married and has the same NKK (the
  applicant's NKK from the form, else from the register; the member's likewise;
  :func:`~pilkada.adhoc.rules_applications.tanpa_ikatan_perkawinan`);
* ``term_limit`` -- :func:`~pilkada.adhoc.rules.batas_masa_jabatan` on ``previous_terms``;
* ``health_statement_missing`` / ``party_statement_missing`` -- a statement not given.

Warnings (never make an application ineligible):

* ``not_in_register`` -- no register row has the NIK, or the row that decides is struck as
  moved away or unknown (TMS 4/5);
* ``register_data_differs`` -- the row that decides has another birth date, sex, kelurahan or
  NKK than the application (each compared only when both sides have it).

**Which register row decides** for a NIK with several: the first by a live row (not TMS),
then a row struck for a listing reason (TMS 2, 8), for a person reason (1, 3, 6, 7), then any
other; source coklit, dp4, dpt-lama; ``ms`` before ``pending``; the lower TMS code; the lower
row id -- the order of :mod:`pilkada.engine.support_verify`. Its id is ``register_voter_id``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import polars as pl

from .nik import validate_nik_frame

__all__ = [
    "APPLICATION_SCHEMA",
    "MEMBER_SCHEMA",
    "REASONS",
    "REGISTER_SCHEMA",
    "RESULT_SCHEMA",
    "TPS_BODIES",
    "WARNINGS",
    "RuleParams",
    "check_applications",
    "count_codes",
]

#: The reason codes, in the order of ``pilkada.adhoc.models.applications.REASONS``.
REASONS: tuple[str, ...] = (
    "nik_invalid", "under_age", "over_age", "domicile_outside_area", "education_below_minimum",
    "party_member", "supporter_listed", "seated_elsewhere", "marriage_tie", "term_limit",
    "health_statement_missing", "party_statement_missing",
)  # fmt: skip
#: The warning codes, in the order of ``pilkada.adhoc.models.applications.WARNINGS``.
WARNINGS: tuple[str, ...] = ("not_in_register", "register_data_differs")
#: Bodies whose area is a TPS: their work area for domicile is the TPS's kelurahan.
TPS_BODIES: tuple[str, ...] = ("kpps", "pantarlih")

APPLICATION_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64,
    "body": pl.String,
    "region_code": pl.String,
    "nik": pl.String,
    "nkk": pl.String,
    "tanggal_lahir": pl.Date,
    "jenis_kelamin": pl.String,
    "status_kawin": pl.String,
    "domicile_code": pl.String,
    "education": pl.String,
    "health_statement": pl.Boolean,
    "party_statement": pl.Boolean,
    "previous_terms": pl.Int64,
    "applied_on": pl.Date,  # the day of application (null: ``reference_date``)
}
REGISTER_SCHEMA: dict[str, pl.DataType] = {
    "voter_id": pl.Int64,
    "nik": pl.String,
    "nkk": pl.String,
    "tanggal_lahir": pl.Date,
    "jenis_kelamin": pl.String,
    "status_kawin": pl.String,
    "kelurahan_code": pl.String,
    "status": pl.String,
    "tms_code": pl.Int64,
    "source": pl.String,
}
MEMBER_SCHEMA: dict[str, pl.DataType] = {
    "application_id": pl.Int64,
    "body": pl.String,
    "region_code": pl.String,
    "nik": pl.String,
    "nkk": pl.String,  # "" or null: the register's
    "status_kawin": pl.String,  # "" or null: the register's
}
RESULT_SCHEMA: dict[str, pl.DataType] = {
    "id": pl.Int64,
    "eligibility": pl.String,  # eligible | ineligible
    "reasons": pl.String,  # comma-separated REASONS codes, "" when eligible
    "warnings": pl.String,  # comma-separated WARNINGS codes
    "register_voter_id": pl.Int64,
}

MARRIED = "S"


@dataclass(frozen=True)
class RuleParams:
    """The parameters of the rules (the settings the rule functions read).

    ``education_order`` is ``pilkada.adhoc.rules.EDUCATION_ORDER``; ``max_age`` and
    ``min_education`` are per body (a body missing has no maximum / no minimum);
    ``term_limit`` None means no limit."""

    min_age: int = 17
    max_age: dict[str, int] = field(default_factory=lambda: {"kpps": 55})
    min_education: dict[str, str] = field(default_factory=dict)
    education_order: tuple[str, ...] = ("sd", "smp", "sma", "d3", "s1", "s2", "s3")
    term_limit: int | None = None


def _frame(data, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    if isinstance(data, pl.LazyFrame):
        data = data.collect()
    if not isinstance(data, pl.DataFrame):
        data = pl.DataFrame(data, schema=schema, orient="row")
    missing = [c for c in schema if c not in data.columns]
    if missing:
        raise ValueError(f"missing columns: {', '.join(missing)}")
    return data.select([pl.col(c).cast(t) for c, t in schema.items()])


def _niks(data) -> pl.DataFrame:
    if isinstance(data, pl.DataFrame):
        series = data.to_series(0)
    elif isinstance(data, pl.Series):
        series = data
    else:
        series = pl.Series(list(data), dtype=pl.String)
    return (
        pl.DataFrame({"nik": series.cast(pl.String).str.strip_chars()})
        .drop_nulls()
        .filter(pl.col("nik") != "")
        .unique()
    )


def _text(name: str) -> pl.Expr:
    return pl.col(name).fill_null("").str.strip_chars()


def age_expr(birth: pl.Expr, on: pl.Expr) -> pl.Expr:
    """:func:`pilkada.adhoc.rules.usia_pada` vectorised: whole years of ``birth`` on ``on``
    (a 29 February birthday counts on 1 March)."""
    before = (on.dt.month().cast(pl.Int32) * 100 + on.dt.day().cast(pl.Int32)) < (
        birth.dt.month().cast(pl.Int32) * 100 + birth.dt.day().cast(pl.Int32)
    )
    return on.dt.year().cast(pl.Int32) - birth.dt.year().cast(pl.Int32) - before.cast(pl.Int32)


def domicile_ok_expr(body: pl.Expr, area: pl.Expr, domicile: pl.Expr) -> pl.Expr:
    """:func:`pilkada.adhoc.rules.berdomisili_di_wilayah_kerja` vectorised."""
    area = area.fill_null("")
    domicile = domicile.fill_null("")
    return (
        pl.when(body.is_in(TPS_BODIES))
        .then((area.str.len_chars() >= 10) & (domicile.str.slice(0, 10) == area.str.slice(0, 10)))
        .otherwise((area.str.len_chars() > 0) & domicile.str.starts_with(area))
    )


def education_ok_expr(body: pl.Expr, education: pl.Expr, params: RuleParams) -> pl.Expr:
    """:func:`pilkada.adhoc.rules.memenuhi_pendidikan_minimal` vectorised."""
    rank = {e: i for i, e in enumerate(params.education_order)}
    minimum = {b: rank.get(m, -1) for b, m in params.min_education.items() if m}
    if not minimum:
        return pl.lit(True)
    own = education.replace_strict(rank, default=None, return_dtype=pl.Int32)
    need = body.replace_strict(minimum, default=None, return_dtype=pl.Int32)
    return need.is_null() | (own.is_not_null() & (own >= need))


def age_reason_expr(body: pl.Expr, age: pl.Expr, params: RuleParams) -> pl.Expr:
    """:func:`pilkada.adhoc.rules.memenuhi_syarat_usia` vectorised: "under_age", "over_age"
    or null (null also when the birth date is unknown)."""
    maximum = body.replace_strict(
        {b: int(m) for b, m in params.max_age.items() if m is not None},
        default=None,
        return_dtype=pl.Int32,
    )
    return (
        pl.when(age < params.min_age)
        .then(pl.lit("under_age"))
        .when(maximum.is_not_null() & (age > maximum))
        .then(pl.lit("over_age"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def term_ok_expr(previous_terms: pl.Expr, params: RuleParams) -> pl.Expr:
    """:func:`pilkada.adhoc.rules.batas_masa_jabatan` vectorised."""
    if params.term_limit is None:
        return pl.lit(True)
    return previous_terms.fill_null(0) < int(params.term_limit)


def deciding_register_rows(register: pl.DataFrame) -> pl.DataFrame:
    """One register row per NIK: the row that decides (see the module docstring)."""
    status = _text("status")
    tms = pl.col("tms_code").fill_null(0)
    kind = (
        pl.when(status != "tms")
        .then(0)
        .when(tms.is_in([2, 8]))
        .then(1)
        .when(tms.is_in([1, 3, 6, 7]))
        .then(2)
        .otherwise(3)
    )
    source = pl.col("source").replace_strict(
        {"coklit": 0, "dp4": 1, "dpt-lama": 2}, default=3, return_dtype=pl.Int32
    )
    return (
        register.with_columns(
            _k1=kind, _k2=source, _k3=(status != "ms").cast(pl.Int32), _k4=tms.clip(0, 15)
        )
        .sort(["nik", "_k1", "_k2", "_k3", "_k4", "voter_id"])
        .unique(subset="nik", keep="first", maintain_order=True)
        .drop("_k1", "_k2", "_k3", "_k4")
    )


def check_applications(
    applications,
    *,
    register,
    party_niks,
    supporter_niks,
    members,
    params: RuleParams,
    reference_date: dt.date,
) -> pl.DataFrame:
    """Every application's eligibility, reasons, warnings and register row (RESULT_SCHEMA),
    in the order of ``applications``."""
    apps = _frame(applications, APPLICATION_SCHEMA).with_row_index("_order")
    reg = deciding_register_rows(
        _frame(register, REGISTER_SCHEMA).filter(pl.col("nik").is_not_null())
    )
    reg = reg.select(
        pl.col("nik"),
        pl.col("voter_id").alias("r_voter_id"),
        _text("nkk").alias("r_nkk"),
        pl.col("tanggal_lahir").alias("r_lahir"),
        _text("jenis_kelamin").alias("r_jk"),
        _text("status_kawin").alias("r_kawin"),
        _text("kelurahan_code").alias("r_kel"),
        _text("status").alias("r_status"),
        pl.col("tms_code").alias("r_tms"),
    )
    party = _niks(party_niks).with_columns(_party=pl.lit(True))
    supporters = _niks(supporter_niks).with_columns(_supporter=pl.lit(True))

    apps = apps.with_columns(_text("nik").alias("nik"))
    apps = validate_nik_frame(apps, "nik", reference_date=reference_date, prefix="_nikv")
    frame = (
        apps.join(reg, on="nik", how="left")
        .join(party, on="nik", how="left")
        .join(supporters, on="nik", how="left")
        .with_columns(
            _nkk=pl.when(_text("nkk") != "").then(_text("nkk")).otherwise(pl.col("r_nkk")),
            _kawin=pl.when(_text("status_kawin") != "")
            .then(_text("status_kawin"))
            .otherwise(pl.col("r_kawin")),
            _on=pl.col("applied_on").fill_null(reference_date),
        )
    )

    # Seated members: their NKK and status kawin from the form, else the register.
    mem = _frame(members, MEMBER_SCHEMA).join(
        reg.select("nik", "r_nkk", "r_kawin"), on="nik", how="left"
    )
    mem = mem.select(
        pl.col("application_id").alias("m_app"),
        pl.col("body").alias("m_body"),
        pl.col("region_code").alias("m_region"),
        pl.col("nik").alias("m_nik"),
        pl.when(_text("nkk") != "").then(_text("nkk")).otherwise(pl.col("r_nkk")).alias("m_nkk"),
        pl.when(_text("status_kawin") != "")
        .then(_text("status_kawin"))
        .otherwise(pl.col("r_kawin"))
        .alias("m_kawin"),
    )
    seated = (
        frame.select("id", "nik")
        .join(mem, left_on="nik", right_on="m_nik", how="inner")
        .filter(pl.col("m_app") != pl.col("id"))
        .select("id")
        .unique()
        .with_columns(_seated=pl.lit(True))
    )
    married = (
        frame.filter((pl.col("_kawin") == MARRIED) & (pl.col("_nkk").fill_null("") != ""))
        .select("id", "nik", "body", "region_code", "_nkk")
        .join(
            mem.filter(pl.col("m_kawin") == MARRIED),
            left_on=["_nkk", "body", "region_code"],
            right_on=["m_nkk", "m_body", "m_region"],
            how="inner",
        )
        .filter((pl.col("m_nik") != pl.col("nik")) & (pl.col("m_app") != pl.col("id")))
        .select("id")
        .unique()
        .with_columns(_married=pl.lit(True))
    )
    frame = frame.join(seated, on="id", how="left").join(married, on="id", how="left")

    body = pl.col("body")
    age = age_expr(pl.col("tanggal_lahir"), pl.col("_on"))
    age_reason = age_reason_expr(body, age, params)
    flags = {
        "nik_invalid": pl.col("_nikv_error").is_not_null(),
        "under_age": age_reason.fill_null("") == "under_age",
        "over_age": age_reason.fill_null("") == "over_age",
        "domicile_outside_area": ~domicile_ok_expr(
            body, pl.col("region_code"), pl.col("domicile_code")
        ),
        "education_below_minimum": ~education_ok_expr(body, pl.col("education"), params),
        "party_member": pl.col("_party").fill_null(False),
        "supporter_listed": pl.col("_supporter").fill_null(False),
        "seated_elsewhere": pl.col("_seated").fill_null(False),
        "marriage_tie": pl.col("_married").fill_null(False),
        "term_limit": ~term_ok_expr(pl.col("previous_terms"), params),
        "health_statement_missing": ~pl.col("health_statement").fill_null(False),
        "party_statement_missing": ~pl.col("party_statement").fill_null(False),
    }
    assert tuple(flags) == REASONS
    found = pl.col("r_voter_id").is_not_null() & ~(
        (pl.col("r_status") == "tms") & pl.col("r_tms").is_in([4, 5])
    )

    def differs(left: pl.Expr, right: pl.Expr) -> pl.Expr:
        return (left != "") & (right != "") & (left != right)

    warn = {
        "not_in_register": ~found,
        "register_data_differs": found
        & (
            (
                pl.col("tanggal_lahir").is_not_null()
                & pl.col("r_lahir").is_not_null()
                & (pl.col("tanggal_lahir") != pl.col("r_lahir"))
            )
            | differs(_text("jenis_kelamin"), pl.col("r_jk"))
            | differs(_text("domicile_code"), pl.col("r_kel"))
            | differs(_text("nkk"), pl.col("r_nkk"))
        ),
    }

    def joined(codes: dict[str, pl.Expr]) -> pl.Expr:
        return (
            pl.concat_list(
                [pl.when(expr.fill_null(False)).then(pl.lit(code)) for code, expr in codes.items()]
            )
            .list.drop_nulls()
            .list.join(",")
        )

    return (
        frame.sort("_order")
        .select(
            pl.col("id"),
            joined(flags).alias("reasons"),
            joined(warn).alias("warnings"),
            pl.col("r_voter_id").alias("register_voter_id"),
        )
        .with_columns(
            eligibility=pl.when(pl.col("reasons") == "")
            .then(pl.lit("eligible"))
            .otherwise(pl.lit("ineligible"))
        )
        .select(list(RESULT_SCHEMA))
    )


def count_codes(column: pl.Series, codes: tuple[str, ...]) -> dict[str, int]:
    """How many rows carry each code of a comma-separated column (every code, zeros too)."""
    exploded = column.fill_null("").str.split(",").explode()
    counts = exploded.filter(exploded != "").value_counts()
    found = dict(zip(counts[counts.columns[0]].to_list(), counts["count"].to_list(), strict=True))
    return {code: int(found.get(code, 0)) for code in codes}

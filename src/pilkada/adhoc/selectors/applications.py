"""Applications to the ad hoc bodies: the officers' scoped lists and details, and the data the
eligibility checks read set-based (the applications, the register rows, the party-member list,
the listed supporters and the seated members of the applicants' NIKs).

Scope: an officer sees the applications whose area lies inside their region (a PPS its
kelurahan's PPS, KPPS and Pantarlih applications; a PPK its kecamatan's; KPU its city or
province; Bawaslu read-only in its region) -- :func:`pilkada.accounts.permissions.scope_q`.
"""

from __future__ import annotations

import polars as pl
from django.db import connection
from django.db.models import Count, Q, QuerySet

from pilkada.accounts import permissions
from pilkada.candidacy.models import NikList, NikListEntry, Pair, SupportBatch, Supporter
from pilkada.candidacy.models.verfak import FactualCheck
from pilkada.engine.adhoc_eligibility import (
    APPLICATION_SCHEMA,
    MEMBER_SCHEMA,
    REASONS,
    REGISTER_SCHEMA,
)
from pilkada.engine.dbload import insert_frames
from pilkada.voters.models import Voter
from pilkada.voters.services.common import read_frame

from ..models import Application, Body, Member

__all__ = [
    "STATUS_FILTERS",
    "active_members_frame",
    "application_for",
    "applications_for",
    "applications_frame",
    "check_counts",
    "evidence_for_niks",
]

_TEMP = "adhoc_tmp_check_nik"
#: The list filter ``status``: the checks' outcome and the officer's document check.
STATUS_FILTERS = ("pending", "eligible", "ineligible", "documents_ok", "documents_bad",
                  "documents_pending")  # fmt: skip


def _scoped(user, qs: QuerySet) -> QuerySet:
    if user is None:  # the system: an operator's command line
        return qs
    return qs.filter(permissions.scope_q(user, "region_code"))


def applications_for(
    user,
    *,
    election,
    body: str = "",
    region: str = "",
    status: str = "",
    reason: str = "",
) -> QuerySet:
    """The submitted applications ``user`` may see (``adhoc.view`` in their region; None is
    the system, an operator's command line), filtered by body, region prefix, status
    (:data:`STATUS_FILTERS`) and reason code. An unknown filter value matches nothing rather
    than everything."""
    if user is not None and not permissions.can(user, "adhoc.view"):
        return Application.objects.none()
    qs = _scoped(user, Application.objects.filter(election=election)).filter(
        state=Application.State.SUBMITTED
    )
    if body:
        qs = qs.filter(body=body) if body in Body.values else qs.none()
    if region:
        qs = qs.filter(region_code__startswith=region)
    if status:
        qs = {
            "pending": qs.filter(eligibility=Application.Check.PENDING),
            "eligible": qs.filter(eligibility=Application.Check.ELIGIBLE),
            "ineligible": qs.filter(eligibility=Application.Check.INELIGIBLE),
            "documents_ok": qs.filter(documents_ok=True),
            "documents_bad": qs.filter(documents_ok=False),
            "documents_pending": qs.filter(documents_ok__isnull=True),
        }.get(status, qs.none())
    if reason:
        if reason not in REASONS:
            return qs.none()
        # Codes are comma-separated and none is a substring of another code's boundary form.
        qs = qs.filter(
            Q(eligibility_reasons=reason)
            | Q(eligibility_reasons__startswith=f"{reason},")
            | Q(eligibility_reasons__endswith=f",{reason}")
            | Q(eligibility_reasons__contains=f",{reason},")
        )
    return qs.order_by("body", "region_code", "number")


def application_for(user, *, election, pk: int) -> Application | None:
    """One application ``user`` may see, else None (outside the scope looks like missing)."""
    return applications_for(user, election=election).filter(pk=pk).first()


def check_counts(user, *, election, body: str = "", region: str = "") -> dict:
    """Counts of the scoped applications per outcome and per reason."""
    qs = applications_for(user, election=election, body=body, region=region)
    by_state = dict(qs.values_list("eligibility").annotate(n=Count("id")).order_by())
    by_reason = dict.fromkeys(REASONS, 0)
    for text, n in (
        qs.exclude(eligibility_reasons="")
        .values_list("eligibility_reasons")
        .annotate(n=Count("id"))
        .order_by()
    ):
        for code in text.split(","):
            if code in by_reason:
                by_reason[code] += n
    return {
        "applications": sum(by_state.values()),
        "by_eligibility": {c: by_state.get(c, 0) for c in Application.Check.values},
        "by_reason": by_reason,
    }


# -- the checks' inputs, set-based -------------------------------------------------------------


def applications_frame(*, election, bodies, region_prefix: str = "") -> pl.DataFrame:
    """The submitted applications of ``bodies`` in ``region_prefix`` (APPLICATION_SCHEMA; the
    day of application in the election's time zone), read in one statement (COPY on
    PostgreSQL)."""
    from django.conf import settings

    bodies = [b for b in bodies if b in Body.values]
    if not bodies:
        return pl.DataFrame(schema=APPLICATION_SCHEMA)
    marks = ", ".join(["%s"] * len(bodies))
    schema = {**{k: v for k, v in APPLICATION_SCHEMA.items() if k != "applied_on"},
              "submitted_at": pl.String, "submitted_on": pl.Date}  # fmt: skip
    frame = read_frame(
        "SELECT id, body, region_code, nik, nkk, tanggal_lahir, jenis_kelamin, status_kawin, "
        "domicile_code, education, health_statement, party_statement, previous_terms, "
        f"CAST(submitted_at AS VARCHAR(40)), submitted_on FROM {Application._meta.db_table} "
        f"WHERE election_id = %s AND state = %s AND body IN ({marks}) AND region_code LIKE %s",
        schema,
        [election.pk, Application.State.SUBMITTED, *bodies, _like_prefix(region_prefix)],
    )
    # The day on the election's clock when the form recorded it; else the local day of the
    # time stamp, stored in UTC ("2024-05-15 03:00:00[.ffffff][+00]").
    stamp = (
        pl.col("submitted_at")
        .str.slice(0, 19)
        .str.to_datetime("%Y-%m-%d %H:%M:%S", time_zone="UTC", strict=False)
    )
    return frame.with_columns(
        applied_on=pl.coalesce(
            pl.col("submitted_on"), stamp.dt.convert_time_zone(settings.TIME_ZONE).dt.date()
        )
    ).select(list(APPLICATION_SCHEMA))


def _like_prefix(prefix: str) -> str:
    """A LIKE pattern for codes starting with ``prefix`` (region codes are digits, so there is
    nothing to escape; anything else matches no code)."""
    return f"{prefix}%" if prefix.isdigit() or not prefix else "-"


def active_members_frame(*, election) -> pl.DataFrame:
    """The active seated members of the election (MEMBER_SCHEMA), with the NIK, NKK and
    status kawin of the application that seated them."""
    rows = (
        Member.objects.filter(election=election, state=Member.State.ACTIVE)
        .order_by()
        .values_list(
            "application_id",
            "body",
            "region_code",
            "application__nik",
            "application__nkk",
            "application__status_kawin",
        )
    )
    return pl.DataFrame(list(rows), schema=MEMBER_SCHEMA, orient="row")


def evidence_for_niks(*, election, niks: pl.Series) -> dict[str, pl.DataFrame]:
    """For the distinct ``niks``: the register rows of the election (REGISTER_SCHEMA, every
    source: the engine decides which row speaks), the NIKs on the party-member list, and the
    NIKs listed as supporters of an independent pair.

    Supporters counted: rows of batches and pairs not withdrawn, except a support the citizen
    denied -- an objection through cek NIK dukungan still standing (``objected``) or a
    verifikasi faktual where the person met said they do not support (``met_denies``). A
    support found TMS for another reason (double listing, occupation) still shows the person
    took a side, so it counts.

    The NIKs go into a temporary table (COPY on PostgreSQL, one ``executemany`` on SQLite)
    and each source is one join on its NIK index; runs inside the caller's transaction."""
    distinct = pl.DataFrame({"nik": niks.cast(pl.String)}).drop_nulls().unique().sort("nik")
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {_TEMP}")
        cursor.execute(f"CREATE TEMPORARY TABLE {_TEMP} (nik varchar(32) PRIMARY KEY)")
    try:
        with connection.wrap_database_errors:
            insert_frames(connection.connection, connection.vendor, _TEMP, ["nik"], [distinct])
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {_TEMP}")
        # SQLite: the temporary table drives the join (a hundred thousand probes of the NIK
        # index instead of a scan of the whole register); PostgreSQL plans by itself.
        join = "CROSS JOIN" if connection.vendor == "sqlite" else "JOIN"
        register = read_frame(
            f"SELECT v.id, v.nik, v.nkk, v.tanggal_lahir, v.jenis_kelamin, v.status_kawin, "
            f"v.kelurahan_code, v.status, v.tms_code, v.source FROM {_TEMP} t {join} "
            f"{Voter._meta.db_table} v ON v.nik = t.nik WHERE v.election_id = %s",
            REGISTER_SCHEMA,
            [election.pk],
        )
        party = read_frame(
            f"SELECT DISTINCT e.nik FROM {_TEMP} t {join} {NikListEntry._meta.db_table} e "
            f"ON e.nik = t.nik JOIN {NikList._meta.db_table} l ON l.id = e.nik_list_id "
            f"WHERE l.election_id = %s AND l.category = %s",
            {"nik": pl.String},
            [election.pk, NikList.Category.PARTY],
        )
        supporters = read_frame(
            f"SELECT DISTINCT s.nik FROM {_TEMP} t {join} {Supporter._meta.db_table} s "
            f"ON s.nik = t.nik AND s.election_id = %s "
            f"JOIN {SupportBatch._meta.db_table} b ON b.id = s.batch_id "
            f"JOIN {Pair._meta.db_table} p ON p.id = s.pair_id "
            f"WHERE b.state <> %s AND p.status <> %s AND NOT s.objected "
            f"AND NOT EXISTS (SELECT 1 FROM {FactualCheck._meta.db_table} f "
            f"WHERE f.supporter_id = s.id AND f.outcome = %s)",
            {"nik": pl.String},
            [election.pk, SupportBatch.State.WITHDRAWN, Pair.Status.WITHDRAWN,
             FactualCheck.Outcome.DENIES],
        )  # fmt: skip
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {_TEMP}")
    return {
        "register": register,
        "party": party,
        "supporters": supporters,
    }

"""Selection of the ad hoc bodies' members (issue 5 part 4): scores, the interview shortlist,
the ranking with the tie rule, and the stage announcements.

The steps, per body and area (PKPU 8/2022 and the technical guidelines of KPU):

1. **Administrative pass**: the system's checks found the applicant eligible and an officer
   found the documents complete (:func:`admin_passed`).
2. **Written test** (PPK and PPS; KPPS and Pantarlih usually hold none): scores 0..100,
   imported from a file (:func:`import_scores`) or entered on a page (:func:`enter_scores`).
3. **Interview**: the best written scores of the area, ``rules.peserta_wawancara(seats)`` of
   them, go on (:func:`shortlist`). **Ties at the cut all go on**: whoever has the same
   written score as the last one inside the cut is shortlisted too, so the shortlist may be
   longer than the rule's number but never drops one of two equal scores arbitrarily. An
   area where no written score was recorded held no written test: everyone who passed the
   administrative check may be interviewed.
4. **Ranking** (:func:`rank`): the final score ``rules.nilai_akhir`` and the order
   ``rules.urutan_peringkat`` (the tie rule is written there). Who passed: the
   administrative pass, and -- where the area held a written test -- a written score and a
   place on the shortlist, and -- where the area held interviews -- an interview score. The
   first ``seats`` who passed are ``selected``, the others who passed ``reserve`` (PAW takes
   from them in rank order), everyone else ``not_selected``. Withdrawn applications get no
   result.

Bulk work is set-based: the applications are read once into a Polars frame, checked and
ranked there, and written back with one ``UPDATE ... FROM`` a temporary table filled by COPY
(PostgreSQL) or ``executemany`` (SQLite), with the audit entry in the same transaction. A
ranking writes only the rows whose outcome (final score, rank, result) changes or that were
never ranked; ``ranked_at`` is when a row's outcome was last set.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from pilkada.accounts.permissions import can, in_scope, is_operator
from pilkada.audit.services import record_audit
from pilkada.engine.tabular_read import ColumnSpec, FileProblem, FileRejected, open_table
from pilkada.schedule.gate import require_open
from pilkada.voters.services.common import update_from_frame

from ..access import can_for_body, require_for_body
from ..models import Application, Body, Opening, SelectionAnnouncement
from ..rules import jumlah_anggota, nilai_akhir, peserta_wawancara

__all__ = [
    "KINDS",
    "REJECT_REASONS",
    "ScoreResult",
    "SelectionRefused",
    "admin_passed",
    "applications_frame",
    "enter_scores",
    "import_scores",
    "publish_announcement",
    "rank",
    "rank_frame",
    "scope_of",
    "seats_frame",
    "shortlist",
]

#: The stage action of every write here (stage "pembentukan-badan-adhoc").
SELECT_ACTION = "adhoc.select"
#: The permission of every write here (adhoc.access adds which body).
PERMISSION = "adhoc.scores"
#: Score kinds: file column -> model field.
KINDS = {"written": "written_score", "interview": "interview_score"}
MIN_SCORE, MAX_SCORE = Decimal(0), Decimal(100)

#: Why a score row is rejected (codes in the rejects file; English here, pages translate).
REJECT_REASONS = {
    "row_unreadable": "the row cannot be read",
    "number_missing": "no application number",
    "score_missing": "no score",
    "score_not_number": "the score is not a number (at most 2 decimals)",
    "score_out_of_range": "the score is outside 0..100",
    "duplicate_number": "the application number came with a score on an earlier line",
    "unknown_number": "no application with this number in the election",
    "out_of_scope": "not an application of a body and area you recruit",
    "not_admin_passed": "the application did not pass the administrative check",
    "not_shortlisted": "the applicant is not on the interview shortlist",
}

_COLUMN_ALIASES = {
    "nomor": "number", "nomor_pendaftaran": "number", "no_pendaftaran": "number",
    "no": "number", "application_number": "number",
}  # fmt: skip
_SCORE_ALIASES = {
    "written_score": ("nilai_tertulis", "nilai_tes_tertulis", "nilai_tes", "nilai", "score"),
    "interview_score": ("nilai_wawancara", "nilai", "score"),
}
_TEMP = "adhoc_selection_tmp"


class SelectionRefused(Exception):
    """The step cannot be done in the present state (nothing was changed)."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


# ---------------------------------------------------------------------------------------
# Scope: which bodies and which region an actor works on
# ---------------------------------------------------------------------------------------


def _is_user(actor) -> bool:
    return actor is not None and not isinstance(actor, str)


def _actor_name(actor) -> str:
    if _is_user(actor):
        return actor.username
    return actor or "system"


def scope_of(
    *, election, actor, action: str = PERMISSION, body: str | None = None, region_prefix: str = ""
) -> tuple[list[str], str]:
    """(bodies, region prefix) an actor works on. ``None``/str actors (the system, the
    operator's CLI) work on the whole election. A user works inside their region: a
    ``region_prefix`` outside it, or a body they do not recruit, is refused."""
    wanted = [str(body)] if body else list(Body.values)
    if body and body not in Body.values:
        raise SelectionRefused("unknown_body", f"unknown body {body!r}: {', '.join(Body.values)}")
    if not _is_user(actor) or is_operator(actor):
        return wanted, region_prefix or election.region_code
    prefix = region_prefix or actor.region_code
    if not in_scope(actor, prefix):
        raise PermissionDenied(f"{action}: region {prefix} is outside your scope")
    if body:
        require_for_body(actor, action, body=body, region_code=prefix)
        return wanted, prefix
    bodies = [b for b in wanted if can_for_body(actor, action, body=b, region_code=prefix)]
    if not bodies:
        raise PermissionDenied(f"{action}: you recruit none of the bodies in {prefix}")
    return bodies, prefix


# ---------------------------------------------------------------------------------------
# Reading the applications and the seats into frames
# ---------------------------------------------------------------------------------------

_APP_SCHEMA = {
    "id": pl.Int64, "number": pl.String, "body": pl.String, "region_code": pl.String,
    "state": pl.String, "eligibility": pl.String, "documents_ok": pl.Boolean,
    "written": pl.Int64, "interview": pl.Int64, "jenis_kelamin": pl.String,
    "submitted_at": pl.Datetime("us", "UTC"), "nama": pl.String,
}  # fmt: skip


def _hundredths(value) -> int | None:
    return None if value is None else int((Decimal(value) * 100).to_integral_value())


def applications_frame(
    *, election, bodies=None, region_prefix: str = "", with_outcome: bool = False
) -> pl.DataFrame:
    """The election's applications (of ``bodies`` under ``region_prefix``) with what the
    selection reads; scores as whole hundredths (Int64), so that sorting is exact.
    ``with_outcome`` adds the stored outcome of the last ranking: ``cur_final`` (thousandths),
    ``cur_rank``, ``cur_result``, ``ranked`` (ranked_at is set)."""
    qs = Application.objects.filter(election=election)
    if bodies is not None:
        qs = qs.filter(body__in=list(bodies))
    if region_prefix:
        qs = qs.filter(region_code__startswith=region_prefix)
    fields = [
        "id", "number", "body", "region_code", "state", "eligibility", "documents_ok",
        "written_score", "interview_score", "jenis_kelamin", "submitted_at", "nama",
    ]  # fmt: skip
    schema = dict(_APP_SCHEMA)
    if with_outcome:
        fields += ["final_score", "rank", "result", "ranked_at"]
        schema.update(cur_final=pl.Int64, cur_rank=pl.Int64, cur_result=pl.String,
                      ranked=pl.Boolean)  # fmt: skip
    data = []
    for row in qs.order_by().values_list(*fields).iterator(chunk_size=20_000):
        i, n, b, r, s, e, d, w, iv, jk, t, nm = row[:12]
        out = (i, n, b, r, s, e, d, _hundredths(w), _hundredths(iv), jk,
               t.astimezone(dt.UTC) if t is not None else None, nm)  # fmt: skip
        if with_outcome:
            f, rk, res, at = row[12:]
            out += (None if f is None else int((Decimal(f) * 1000).to_integral_value()),
                    rk, res, at is not None)  # fmt: skip
        data.append(out)
    return pl.DataFrame(data, schema=schema, orient="row")


def seats_frame(*, election, bodies=None, region_prefix: str = "") -> pl.DataFrame:
    """body, region_code, seats of the openings (see :mod:`.openings`)."""
    qs = Opening.objects.filter(election=election)
    if bodies is not None:
        qs = qs.filter(body__in=list(bodies))
    if region_prefix:
        qs = qs.filter(region_code__startswith=region_prefix)
    rows = list(qs.order_by().values_list("body", "region_code", "seats"))
    return pl.DataFrame(
        rows, schema={"body": pl.String, "region_code": pl.String, "seats": pl.Int64},
        orient="row",
    )  # fmt: skip


def _with_seats(apps: pl.DataFrame, seats: pl.DataFrame) -> pl.DataFrame:
    """Join the seats of each application's area; an area without an opening gets the
    body's seats by the rule (Pantarlih: one)."""
    default = {b: jumlah_anggota(b) for b in Body.values}
    return apps.join(seats, on=["body", "region_code"], how="left").with_columns(
        pl.col("seats").fill_null(pl.col("body").replace_strict(default, default=0))
    )


def admin_passed() -> pl.Expr:
    """The administrative pass: submitted, eligible by the system's checks, documents found
    complete by an officer."""
    return (
        (pl.col("state") == Application.State.SUBMITTED)
        & (pl.col("eligibility") == Application.Check.ELIGIBLE)
        & (pl.col("documents_ok").fill_null(False))
    )


def shortlist(apps: pl.DataFrame) -> pl.DataFrame:
    """Add ``admin_ok``, ``area_written`` (the area held a written test), ``cut`` (how many
    go to the interview, :func:`rules.peserta_wawancara`) and ``shortlisted``. Needs
    ``seats`` (see :func:`_with_seats`). Ties at the cut all go on (module docstring)."""
    area = ["body", "region_code"]
    cuts = {s: peserta_wawancara(s) for s in apps["seats"].unique().to_list() if s is not None}
    out = apps.with_columns(admin_ok=admin_passed()).with_columns(
        cut=pl.col("seats").replace_strict(cuts, default=0, return_dtype=pl.Int64),
        scored=pl.col("admin_ok") & pl.col("written").is_not_null(),
    )
    out = out.with_columns(
        area_written=pl.col("scored").any().over(area),
        # Rank "min": equal scores share the best place, so a tie at the cut stays inside.
        written_place=pl.when(pl.col("scored"))
        .then(-pl.col("written"))
        .otherwise(None)
        .rank(method="min")
        .over(area),
    )
    return out.with_columns(
        shortlisted=pl.col("admin_ok")
        & pl.when(pl.col("area_written"))
        .then(pl.col("scored") & (pl.col("written_place") <= pl.col("cut")))
        .otherwise(True)
    ).drop("scored", "written_place")


# ---------------------------------------------------------------------------------------
# Ranking
# ---------------------------------------------------------------------------------------


def _final_scores(apps: pl.DataFrame) -> pl.DataFrame:
    """``final`` (thousandths, Int64) by :func:`rules.nilai_akhir`, computed once per distinct
    pair of scores and joined back."""
    pairs = apps.select("written", "interview").unique()
    finals = []
    for w, i in pairs.iter_rows():
        value = nilai_akhir(
            None if w is None else Decimal(w) / 100, None if i is None else Decimal(i) / 100
        )
        finals.append(None if value is None else int(value * 1000))
    pairs = pairs.with_columns(final=pl.Series(finals, dtype=pl.Int64))
    return apps.join(pairs, on=["written", "interview"], how="left", nulls_equal=True)


#: The order of :func:`rules.urutan_peringkat` as Polars sort columns (see
#: test_selection_rank: the two orders are compared on random data with ties).
RANK_SORT = (
    ["no_final", "final_k", "interview_k", "written_k", "man", "submitted_at", "number"],
    [False, True, True, True, False, False, False],
)


def rank_frame(apps: pl.DataFrame) -> pl.DataFrame:
    """Rank the applications of ``apps`` (which must hold ``seats``) per area: adds
    ``final``, ``passed``, ``rank`` (1.. among who passed), ``result``."""
    area = ["body", "region_code"]
    ranked = _final_scores(shortlist(apps))
    ranked = ranked.with_columns(
        area_interview=(pl.col("shortlisted") & pl.col("interview").is_not_null()).any().over(area)
    ).with_columns(
        passed=pl.col("shortlisted")
        & pl.when(pl.col("area_interview")).then(pl.col("interview").is_not_null()).otherwise(True),
        no_final=pl.col("final").is_null(),
        final_k=pl.col("final").fill_null(0),
        interview_k=pl.col("interview").fill_null(0),
        written_k=pl.col("written").fill_null(0),
        man=pl.col("jenis_kelamin") != "P",
    )
    cols, desc = RANK_SORT
    ranked = ranked.sort([*area, "passed", *cols], descending=[False, False, True, *desc])
    ranked = ranked.with_columns(
        rank=pl.when(pl.col("passed")).then(pl.int_range(1, pl.len() + 1).over(area))
    )
    withdrawn = pl.col("state") != Application.State.SUBMITTED
    return ranked.with_columns(
        result=pl.when(withdrawn)
        .then(pl.lit(Application.Result.NONE.value))
        .when(pl.col("passed") & (pl.col("rank") <= pl.col("seats")))
        .then(pl.lit(Application.Result.SELECTED.value))
        .when(pl.col("passed"))
        .then(pl.lit(Application.Result.RESERVE.value))
        .otherwise(pl.lit(Application.Result.NOT_SELECTED.value)),
        rank=pl.when(withdrawn).then(None).otherwise(pl.col("rank")).cast(pl.Int64),
        final=pl.when(withdrawn).then(None).otherwise(pl.col("final")),
    ).drop("no_final", "final_k", "interview_k", "written_k", "man")


def _decimal_text(column: str, scale: int) -> pl.Expr:
    """Whole hundredths/thousandths -> exact decimal text ('72.500'), null stays null."""
    unit = 10**scale
    value = pl.col(column)
    sign = pl.when(value < 0).then(pl.lit("-")).otherwise(pl.lit(""))
    whole = (value.abs() // unit).cast(pl.String)
    frac = (value.abs() % unit).cast(pl.String).str.zfill(scale)
    return (
        pl.when(value.is_null())
        .then(None)
        .otherwise(pl.concat_str([sign, whole, pl.lit("."), frac]))
    )


def _update_applications(frame: pl.DataFrame, columns: dict[str, str], extra_sets: str = "",
                         params: tuple = ()) -> int:  # fmt: skip
    """UPDATE the applications of ``frame`` (``id`` + ``columns``: name -> SQL type) from a
    temporary table, in the caller's transaction. Returns the rows updated."""
    return update_from_frame(
        Application._meta.db_table, frame, columns, temp=_TEMP, extra_sets=extra_sets,
        params=params,
    )  # fmt: skip


def _outcome_changed() -> pl.Expr:
    """The ranking's outcome differs from the stored one (see ``with_outcome``)."""
    return (
        pl.col("final").ne_missing(pl.col("cur_final"))
        | pl.col("rank").ne_missing(pl.col("cur_rank"))
        | pl.col("result").ne_missing(pl.col("cur_result"))
    )


def rank(*, election, actor, body: str | None = None, region_prefix: str = "") -> dict:
    """Rank every area of the bodies the actor recruits (or ``body``) under their region (or
    ``region_prefix``): final score, rank and result of each application, set-based, one
    transaction with its audit entry. Deterministic. Returns the counts."""
    require_open(election=election, action=SELECT_ACTION)
    bodies, prefix = scope_of(
        election=election, actor=actor, body=body, region_prefix=region_prefix
    )
    with transaction.atomic():
        apps = applications_frame(
            election=election, bodies=bodies, region_prefix=prefix, with_outcome=True
        )
        seats = seats_frame(election=election, bodies=bodies, region_prefix=prefix)
        ranked = rank_frame(_with_seats(apps, seats))
        now = timezone.now()
        # Only the rows whose outcome changes (or that were never ranked) are written:
        # ``ranked_at`` says when a row's outcome was last set.
        out = ranked.filter(~pl.col("ranked") | _outcome_changed()).select(
            "id",
            final_score=_decimal_text("final", 3),
            rank=pl.col("rank"),
            result=pl.col("result"),
        )
        numeric = "numeric(7,3)" if connection.vendor == "postgresql" else "text"
        updated = _update_applications(
            out,
            {"final_score": numeric, "rank": "integer", "result": "varchar(12)"},
            extra_sets="ranked_at = %s",
            params=(connection.ops.adapt_datetimefield_value(now),),
        )
        counts = _rank_counts(ranked)
        summary = {
            "bodies": bodies,
            "region": prefix,
            "applications": ranked.height,
            "updated": updated,
            "unchanged": ranked.height - updated,
            **counts,
        }
        record_audit(
            actor=actor,
            action="adhoc.rank",
            object_type="schedule.Election",
            object_id=election.pk,
            new=summary,
        )
    return summary


def _rank_counts(ranked: pl.DataFrame) -> dict:
    results = dict(Counter(ranked["result"].to_list()))
    per_body = {}
    for (b,), part in ranked.group_by(["body"], maintain_order=True):
        c = Counter(part["result"].to_list())
        per_body[b] = {
            "areas": part.select("region_code").n_unique(),
            "selected": c.get("selected", 0),
            "reserve": c.get("reserve", 0),
            "not_selected": c.get("not_selected", 0),
            "withdrawn": c.get("", 0),
        }
    return {
        "areas": ranked.select("body", "region_code").n_unique() if ranked.height else 0,
        "selected": results.get("selected", 0),
        "reserve": results.get("reserve", 0),
        "not_selected": results.get("not_selected", 0),
        "withdrawn": results.get("", 0),
        "by_body": dict(sorted(per_body.items())),
    }


# ---------------------------------------------------------------------------------------
# Scores: a file or a page, the same checks
# ---------------------------------------------------------------------------------------


@dataclass
class ScoreResult:
    kind: str
    read: int = 0
    accepted: int = 0
    rejected: int = 0
    reasons: dict = field(default_factory=dict)
    rejects: list = field(default_factory=list)  # (line, column, code, raw) of every reject
    rejects_file: str = ""
    sha256: str = ""
    areas: int = 0

    @property
    def reconciles(self) -> bool:
        return self.read == self.accepted + self.rejected

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "read": self.read,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "reconciles": self.reconciles,
            "reasons": self.reasons,
            "areas": self.areas,
            "rejects_file": self.rejects_file,
            "sha256": self.sha256,
        }


def _parse_score(text: str | None) -> tuple[int | None, str | None]:
    """(hundredths, None) or (None, reason code). A decimal comma is read as a point."""
    value = (text or "").strip().replace(",", ".")
    if not value:
        return None, "score_missing"
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None, "score_not_number"
    if not number.is_finite():
        return None, "score_not_number"
    if number < MIN_SCORE or number > MAX_SCORE:
        return None, "score_out_of_range"
    if number != number.quantize(Decimal("0.01")):
        return None, "score_not_number"
    return int(number * 100), None


def _check_rows(
    rows: pl.DataFrame, *, election, actor, kind: str, area: tuple[str, str] | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Check the score rows (line, raw, row_error, number, score): (accepted: id, score;
    rejected: line, column, code, raw). Every row ends in exactly one of the two."""
    parsed = [_parse_score(s) for s in rows["score"].to_list()]
    rows = rows.with_columns(
        number=pl.col("number").str.strip_chars().str.to_uppercase(),
        value=pl.Series([p[0] for p in parsed], dtype=pl.Int64),
        score_error=pl.Series([p[1] for p in parsed], dtype=pl.String),
    )
    apps = _with_seats(applications_frame(election=election), seats_frame(election=election))
    apps = shortlist(apps).select("id", "number", "body", "region_code", "admin_ok", "shortlisted")
    allowed = _allowed_areas(apps, actor=actor, area=area)
    joined = (
        rows.join(apps, on="number", how="left")
        .join(allowed, on=["body", "region_code"], how="left")
        .sort("line")
    )
    # A duplicate: the number already came with a readable score on an earlier line (a line
    # whose score was rejected does not count, so a corrected line further down is taken).
    readable = pl.col("row_error").is_null() & pl.col("score_error").is_null()
    joined = joined.with_columns(
        dup=readable & (readable.cast(pl.Int64).cum_sum().over("number") > 1)
    )
    code = (
        pl.when(pl.col("row_error").is_not_null()).then(pl.lit("row_unreadable"))
        .when(pl.col("number").fill_null("") == "").then(pl.lit("number_missing"))
        .when(pl.col("score_error").is_not_null()).then(pl.col("score_error"))
        .when(pl.col("dup")).then(pl.lit("duplicate_number"))
        .when(pl.col("id").is_null()).then(pl.lit("unknown_number"))
        .when(~pl.col("allowed").fill_null(False)).then(pl.lit("out_of_scope"))
        .when(~pl.col("admin_ok")).then(pl.lit("not_admin_passed"))
        .when(pl.lit(kind == "interview") & ~pl.col("shortlisted")).then(pl.lit("not_shortlisted"))
    )  # fmt: skip
    column = (
        pl.when(pl.col("code").is_in(["number_missing", "duplicate_number", "unknown_number",
                                      "out_of_scope", "not_admin_passed", "not_shortlisted"]))
        .then(pl.lit("number"))
        .when(pl.col("code").str.starts_with("score")).then(pl.lit(KINDS[kind]))
        .otherwise(pl.lit(""))
    )  # fmt: skip
    joined = joined.sort("line").with_columns(code=code).with_columns(column=column)
    accepted = joined.filter(pl.col("code").is_null()).select("id", "value", "body", "region_code")
    rejected = joined.filter(pl.col("code").is_not_null()).select("line", "column", "code", "raw")
    return accepted, rejected


def _allowed_areas(apps: pl.DataFrame, *, actor, area) -> pl.DataFrame:
    """The (body, region_code) areas whose scores the actor may record."""
    areas = apps.select("body", "region_code").unique()
    if area is not None:
        areas = areas.filter((pl.col("body") == area[0]) & (pl.col("region_code") == area[1]))
    if _is_user(actor) and not is_operator(actor):
        flags = [
            can_for_body(actor, PERMISSION, body=b, region_code=r) for b, r in areas.iter_rows()
        ]
        areas = areas.filter(pl.Series(flags, dtype=pl.Boolean))
    return areas.with_columns(allowed=pl.lit(True))


def _write_scores(*, election, actor, kind: str, accepted: pl.DataFrame, result: ScoreResult,
                  action: str, detail: dict) -> None:  # fmt: skip
    column = KINDS[kind]
    numeric = "numeric(6,2)" if connection.vendor == "postgresql" else "text"
    with transaction.atomic():
        _update_applications(
            accepted.select("id", _decimal_text("value", 2).alias(column)), {column: numeric}
        )
        record_audit(
            actor=actor,
            action=action,
            object_type="schedule.Election",
            object_id=election.pk,
            new={**detail, **result.as_dict()},
        )


def _require_scores(actor) -> None:
    if _is_user(actor) and not can(actor, PERMISSION):
        raise PermissionDenied(f"{PERMISSION}: role {getattr(actor, 'role', '-')} may not do this")


def _kind(kind: str) -> str:
    if kind not in KINDS:
        raise SelectionRefused("unknown_kind", f"unknown score kind {kind!r}: written or interview")
    return kind


def _rejects_path(election, kind: str) -> Path:
    folder = Path(settings.DATA_DIR) / "adhoc" / "selection"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
    fd, name = tempfile.mkstemp(
        dir=folder, prefix=f"{election.slug}-{kind}-scores-{stamp}-", suffix="-rejects.csv"
    )
    os.close(fd)
    return Path(name)


def import_scores(
    *, election, actor, path: str | Path, kind: str, file_name: str = ""
) -> ScoreResult:
    """Import a CSV/XLSX/Parquet of ``number,written_score`` or ``number,interview_score``.

    Every row is accepted or rejected (the rejects file has line, column, reason code, reason,
    raw row); counts reconcile. A file that cannot be read, or whose rows are all rejected,
    changes nothing (:class:`FileRejected`). Only while the selection stage is open."""
    kind = _kind(kind)
    require_open(election=election, action=SELECT_ACTION)
    _require_scores(actor)
    column = KINDS[kind]
    spec = ColumnSpec(
        names=("number", column),
        required=frozenset({"number", column}),
        aliases={**_COLUMN_ALIASES, **{a: column for a in _SCORE_ALIASES[column]}},
    )
    source = open_table(path, spec)
    frames = [
        b.select("line", "raw", "row_error", "number", pl.col(column).alias("score"))
        for b in source.batches()
    ]
    rows = pl.concat(frames) if frames else pl.DataFrame(
        schema={"line": pl.Int64, "raw": pl.String, "row_error": pl.String,
                "number": pl.String, "score": pl.String})  # fmt: skip
    accepted, rejected = _check_rows(rows, election=election, actor=actor, kind=kind)
    rejects_path = _rejects_path(election, kind)
    with open(rejects_path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["line", "column", "reason_code", "reason", "raw"])
        for line, col, code, raw in rejected.iter_rows():
            writer.writerow([line, col, code, REJECT_REASONS[code], raw])
    result = ScoreResult(
        kind=kind,
        read=rows.height,
        accepted=accepted.height,
        rejected=rejected.height,
        reasons=dict(sorted(Counter(rejected["code"].to_list()).items())),
        rejects=list(rejected.iter_rows()),
        rejects_file=str(rejects_path.relative_to(Path(settings.DATA_DIR))),
        sha256=source.sha256,
        areas=accepted.select("body", "region_code").n_unique() if accepted.height else 0,
    )
    if not result.accepted:
        raise FileRejected(
            FileProblem.NOTHING_READABLE, f"(no row accepted; see {result.rejects_file})"
        )
    _write_scores(election=election, actor=actor, kind=kind, accepted=accepted, result=result,
                  action="adhoc.scores_import",
                  detail={"file": file_name or Path(path).name})  # fmt: skip
    return result


def enter_scores(*, election, actor, body: str, region_code: str, kind: str,
                 scores: dict[str, str]) -> ScoreResult:  # fmt: skip
    """Record scores typed on the page of one area (``scores``: application number ->
    score text; blanks are skipped). The same checks as a file; nothing is written when a
    value is rejected, so the officer corrects the page and sends it again."""
    kind = _kind(kind)
    require_open(election=election, action=SELECT_ACTION)
    if _is_user(actor):
        require_for_body(actor, PERMISSION, body=body, region_code=region_code)
    items = [(n, str(v)) for n, v in scores.items() if str(v or "").strip()]
    rows = pl.DataFrame(
        {
            "line": list(range(1, len(items) + 1)),
            "raw": [f"{n},{v}" for n, v in items],
            "row_error": [None] * len(items),
            "number": [n for n, _ in items],
            "score": [v for _, v in items],
        },
        schema={"line": pl.Int64, "raw": pl.String, "row_error": pl.String,
                "number": pl.String, "score": pl.String},
    )  # fmt: skip
    accepted, rejected = _check_rows(
        rows, election=election, actor=actor, kind=kind, area=(body, region_code)
    )
    result = ScoreResult(
        kind=kind,
        read=rows.height,
        accepted=accepted.height,
        rejected=rejected.height,
        reasons=dict(sorted(Counter(rejected["code"].to_list()).items())),
        rejects=list(rejected.iter_rows()),
        areas=1 if accepted.height else 0,
    )
    if result.rejected or not result.accepted:
        return result
    _write_scores(election=election, actor=actor, kind=kind, accepted=accepted, result=result,
                  action="adhoc.scores_enter",
                  detail={"body": body, "region_code": region_code})  # fmt: skip
    return result


# ---------------------------------------------------------------------------------------
# Announcements
# ---------------------------------------------------------------------------------------

Stage = SelectionAnnouncement.Stage


def announcement_rows(*, election, body: str, region_prefix: str, stage: str) -> pl.DataFrame:
    """What an announcement of ``stage`` shows, per area: region_code, number, nama, result
    (a code), score (text or null), rank. Never NIK, birth date or address. Raises
    :class:`SelectionRefused` when the stage is not ready to be announced."""
    apps = applications_frame(
        election=election, bodies=[body], region_prefix=region_prefix, with_outcome=True
    )
    apps = apps.filter(pl.col("state") == Application.State.SUBMITTED)
    if apps.height == 0:
        raise SelectionRefused("nothing", f"no application for {body} in {region_prefix}")
    if stage == Stage.ADMINISTRATIVE:
        pending = apps.filter(
            (pl.col("eligibility") == Application.Check.PENDING) | pl.col("documents_ok").is_null()
        ).height
        if pending:
            raise SelectionRefused(
                "not_checked", f"{pending} applications are not checked yet (system or documents)"
            )
        out = apps.with_columns(
            result=pl.when(admin_passed()).then(pl.lit("lulus")).otherwise(pl.lit("tidak_lulus")),
            score=pl.lit(None, dtype=pl.String),
            rank=pl.lit(None, dtype=pl.Int64),
        )
    elif stage == Stage.WRITTEN:
        seats = seats_frame(election=election, bodies=[body], region_prefix=region_prefix)
        listed = shortlist(_with_seats(apps, seats)).filter(pl.col("admin_ok"))
        listed = listed.filter(pl.col("area_written"))
        if listed.height == 0:
            raise SelectionRefused("no_written_test", "no written-test score was recorded here")
        passed = pl.when(pl.col("shortlisted")).then(pl.lit("lulus"))
        place = pl.col("written").rank(method="min", descending=True).over("region_code")
        out = listed.with_columns(
            result=passed.otherwise(pl.lit("tidak_lulus")),
            score=_decimal_text("written", 2),
            rank=place.cast(pl.Int64),
        )
    elif stage == Stage.FINAL:
        # The announced outcome is the stored one, and it must be what a ranking gives now:
        # a score corrected after the last ranking blocks the announcement until re-ranked.
        seats = seats_frame(election=election, bodies=[body], region_prefix=region_prefix)
        fresh = rank_frame(_with_seats(apps, seats))
        unranked = fresh.filter(~pl.col("ranked")).height
        if unranked:
            raise SelectionRefused("not_ranked", f"{unranked} applications are not ranked yet")
        stale = fresh.filter(_outcome_changed()).height
        if stale:
            raise SelectionRefused(
                "stale_ranking",
                f"the outcome of {stale} applications changed since the last ranking: rank again",
            )
        out = fresh.with_columns(score=_decimal_text("final", 3))
    else:
        raise SelectionRefused("unknown_stage", f"unknown stage {stage!r}")
    return out.select("region_code", "number", "nama", "result", "score", "rank").sort(
        "region_code", pl.col("rank").is_null(), "rank", "number"
    )


def publish_announcement(*, election, actor, body: str, region_code: str, stage: str):
    """Publish ``stage`` of ``body`` for every area under ``region_code``: a frozen Parquet
    snapshot (a new version each time; older ones stay) with its SHA-256 on the record and in
    the audit log. Only while the selection stage is open."""
    require_open(election=election, action=SELECT_ACTION)
    if stage not in Stage.values:
        raise SelectionRefused(
            "unknown_stage", f"unknown stage {stage!r}: {', '.join(Stage.values)}"
        )
    if body not in Body.values:
        raise SelectionRefused("unknown_body", f"unknown body {body!r}")
    region_code = region_code or (actor.region_code if _is_user(actor) else election.region_code)
    if _is_user(actor):
        require_for_body(actor, PERMISSION, body=body, region_code=region_code)
    rows = announcement_rows(election=election, body=body, region_prefix=region_code, stage=stage)
    folder = Path(settings.DATA_DIR) / "adhoc" / "announcements" / election.slug
    folder.mkdir(parents=True, exist_ok=True)
    with transaction.atomic():
        last = (
            SelectionAnnouncement.objects.select_for_update()
            .filter(election=election, body=body, region_code=region_code, stage=stage)
            .aggregate(v=Max("version"))["v"]
        )
        version = (last or 0) + 1
        # Never overwrite a file on disk (one left by a publication that did not commit).
        while (target := folder / f"{stage}-{body}-{region_code}-v{version}.parquet").exists():
            version += 1
        tmp = target.with_suffix(".tmp")
        rows.write_parquet(tmp)
        digest = hashlib.sha256(tmp.read_bytes()).hexdigest()
        ann = SelectionAnnouncement.objects.create(
            election=election, body=body, region_code=region_code, stage=stage,
            version=version, file=str(target.relative_to(Path(settings.DATA_DIR))),
            sha256=digest, rows=rows.height, areas=rows["region_code"].n_unique(),
            published_by=_actor_name(actor),
        )  # fmt: skip
        record_audit(
            actor=actor,
            action="adhoc.announcement_publish",
            object_type="adhoc.SelectionAnnouncement",
            object_id=ann.pk,
            new={
                "body": body, "region_code": region_code, "stage": stage, "version": version,
                "file": ann.file, "sha256": digest, "rows": ann.rows, "areas": ann.areas,
                "results": dict(sorted(Counter(rows["result"].to_list()).items())),
            },
        )  # fmt: skip
        os.replace(tmp, target)
    return ann

"""Supporter lists of independent pairs: upload (round 1, penyerahan; round 2, perbaikan)
and verifikasi administrasi, set-based.

An upload is read and validated by :func:`pilkada.engine.support_import.read_supporters`
(every row accepted, flagged or rejected with its line and reason), verified by
:func:`pilkada.engine.support_verify.verify_support` against the register rows of the file's
NIKs, the supporters already on record and the NIK lists KPU uploaded, and loaded into the
``Supporter`` table with its results -- one transaction with its audit entry, so a failed or
killed upload leaves the database as it was. Rows another pair also lists are *held* on
both sides until the supporter chooses at verifikasi faktual.

:func:`reverify_batch` runs verifikasi administrasi again on rows already loaded (after a NIK
list was uploaded, the register changed or a rule was corrected): results are written back
with one set-based UPDATE.
"""

from __future__ import annotations

import datetime as dt
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from pilkada.audit.services import record_audit
from pilkada.engine.dbload import insert_frames
from pilkada.engine.support_import import Progress, read_supporters
from pilkada.engine.support_verify import verify_support
from pilkada.regions.models import Region
from pilkada.schedule.gate import Decision, require_open
from pilkada.voters.services.common import actor_name, read_frame, update_from_frame
from pilkada.voters.services.imports import bulk_load

from .. import rules
from ..access import require_for_pair
from ..models import NikList, Pair, SupportBatch, Supporter
from ..selectors.lists import barred_frame
from ..selectors.register import register_rows_for
from ..selectors.results import support_result

UPLOAD_ACTION = "candidacy.support_upload"
PERBAIKAN_ACTION = "candidacy.perbaikan_upload"
VERIFY_ACTION = "candidacy.support_verify"
#: NIK list categories that bar a person from supporting a pair, and the engine's name.
BARRED_LISTS = {
    NikList.Category.TNI: "tni",
    NikList.Category.POLRI: "polri",
    NikList.Category.ASN: "asn",
    NikList.Category.VILLAGE: "perangkat_desa",
    NikList.Category.ORGANISER: "penyelenggara",
}
#: Columns of the Supporter table an upload writes.
SUPPORTER_COLUMNS = [
    "election_id", "pair_id", "batch_id", "round", "line", "nik", "nama", "tempat_lahir",
    "tanggal_lahir", "jenis_kelamin", "alamat", "rt", "rw", "kelurahan_code", "pekerjaan",
    "quality_flags", "region_code", "register_voter_id", "vermin_status", "vermin_reason",
    "verfak_status", "verfak_outcome", "objected", "status",
]  # fmt: skip


class SupportRefused(Exception):
    """The upload or verification is refused as a whole; nothing changed."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


@dataclass(frozen=True)
class SupportUploadResult:
    batch: SupportBatch
    outcome: object  # engine.support_import.SupportImportOutcome
    verification: dict
    held_other_pairs: int
    seconds: float
    stages: dict  # seconds per stage: read, register, verify, load (load_prepare,
    # load_insert, load_rebuild: its parts), total

    def as_dict(self) -> dict:
        o = self.outcome
        return {
            "batch_id": self.batch.pk,
            "pair_id": self.batch.pair_id,
            "round": self.batch.round,
            "file": self.batch.file_name,
            "sha256": self.batch.sha256,
            "read": o.read,
            "accepted": o.accepted,
            "flagged": o.flagged,
            "rejected": o.rejected,
            "blank": o.blank,
            "repeated_headers": o.repeated_headers,
            "reconciles": o.reconciles,
            "rejects_file": self.batch.rejects_file,
            "verification": self.verification,
            "held_other_pairs": self.held_other_pairs,
            "seconds": round(self.seconds, 3),
            "stages": {k: round(v, 3) for k, v in self.stages.items()},
        }


# ---------------------------------------------------------------------------------------
# Checks before anything is read
# ---------------------------------------------------------------------------------------


def _work_dir(election, pair) -> Path:
    folder = Path(settings.DATA_DIR) / "candidacy" / election.slug / f"pair-{pair.pk}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path(settings.DATA_DIR)))
    except ValueError:
        return str(path)


def check_upload(*, election, pair: Pair, actor, round: int, check_window: bool = True):
    """Refuse an upload before any file is read: wrong pair, closed window, no permission, a
    perbaikan that is not due. Returns the window's Decision (None when not checked)."""
    if pair.election_id != election.pk:
        raise SupportRefused("wrong_election", "the pair belongs to another election")
    if not pair.is_independent:
        raise SupportRefused("not_independent", f"{pair.name} is nominated by parties")
    if pair.status == Pair.Status.WITHDRAWN:
        raise SupportRefused("withdrawn", f"{pair.name} has withdrawn")
    if round not in (1, 2):
        raise SupportRefused("bad_round", "round is 1 (penyerahan) or 2 (perbaikan)")
    decision = None
    if check_window:
        action = UPLOAD_ACTION if round == 1 else PERBAIKAN_ACTION
        decision = require_open(election=election, action=action)
    if actor is not None and not isinstance(actor, str):  # None/str: system, operator CLI
        require_for_pair(actor, UPLOAD_ACTION, pair)
    if round == 2:
        perbaikan_due(pair=pair)
    return decision


def perbaikan_due(*, pair: Pair) -> int:
    """The number of replacements a perbaikan must bring (twice the shortfall); refused when
    round 1 is not finished (rows still waiting for either check) or nothing is short."""
    first = Supporter.objects.filter(pair=pair, round=1)
    if not first.exists():
        raise SupportRefused("no_round_1", "perbaikan follows a verified round 1 upload")
    waiting = (
        first.filter(vermin_status="pending").exists()
        or first.filter(verfak_status="pending").exists()
    )
    if waiting:
        raise SupportRefused(
            "round_1_open",
            "round 1 is still being verified (administrasi or faktual): perbaikan opens when "
            "every round 1 supporter has a result",
        )
    result = support_result(pair=pair, stage="final")
    if result.minimum is None:
        raise SupportRefused("no_basis", "KPU has not set the last DPT total (the basis)")
    if result.meets:
        raise SupportRefused("not_short", f"{pair.name} meets the minimum and the spread")
    if Supporter.objects.filter(pair=pair, round=2).exists():
        raise SupportRefused("perbaikan_done", "the pair has already submitted its perbaikan")
    return result.perbaikan_required or 0


# ---------------------------------------------------------------------------------------
# Verification inputs (files for the engine)
# ---------------------------------------------------------------------------------------


def _prior_frame(*, election, pair_from_batch: tuple[int, int] | None = None) -> pl.DataFrame:
    """Every supporter on record for the election (the listings an upload is compared with).
    ``pair_from_batch=(pair_id, batch_id)`` leaves out that pair's rows from that batch on:
    when a batch is verified again, only the pair's *earlier* listings precede it."""
    table = Supporter._meta.db_table
    sql = f"SELECT nik, pair_id, id, vermin_status FROM {table} WHERE election_id = %s"
    params: list = [election.pk]
    if pair_from_batch is not None:
        sql += " AND NOT (pair_id = %s AND batch_id >= %s)"
        params += list(pair_from_batch)
    return read_frame(
        sql, {"nik": pl.String, "pair_id": pl.Int64, "supporter_id": pl.Int64,
              "status": pl.String}, params,
    )  # fmt: skip


def _barred(*, election) -> pl.DataFrame:
    frame = barred_frame(election=election, categories=list(BARRED_LISTS))
    return frame.with_columns(pl.col("category").replace_strict(BARRED_LISTS, default=None))


def _verify_inputs(
    *, election, staged: Path | pl.DataFrame, work: Path, pair_from_batch=None
) -> dict:
    """Write the register rows of the staged NIKs, the prior supporters and the barred lists
    as Parquet files for the engine; returns their paths (and the register frame)."""
    if isinstance(staged, pl.DataFrame):
        niks = staged["nik"]
    else:
        niks = pl.read_parquet(staged, columns=["nik"])["nik"]
    register = register_rows_for(election=election, niks=niks)
    paths = {
        "register": work / "register.parquet",
        "prior": work / "prior.parquet",
        "barred": work / "barred.parquet",
    }
    # Scratch files read once by the engine: fast codec, no statistics.
    register.write_parquet(paths["register"], compression="lz4", statistics=False)
    _prior_frame(election=election, pair_from_batch=pair_from_batch).write_parquet(paths["prior"])
    _barred(election=election).write_parquet(paths["barred"])
    return {"paths": paths, "register": register.select("nik", "voter_id", "kelurahan_code")}


def _deciding_voter_ids(result: pl.DataFrame, register: pl.DataFrame) -> pl.Series:
    """The register row the engine decided by, for each result row: the voter with the NIK
    in the result's register kelurahan (first by id); null when not found."""
    register = register.rename({"kelurahan_code": "register_kelurahan_code"})
    # Most NIKs have one register row: only the others are grouped.
    several = pl.col("nik").is_duplicated()
    ids = pl.concat(
        [
            register.filter(~several).select("nik", "register_kelurahan_code", "voter_id"),
            register.filter(several)
            .group_by("nik", "register_kelurahan_code")
            .agg(pl.col("voter_id").min()),
        ]
    )
    joined = result.select("nik", "register_kelurahan_code").join(
        ids, on=["nik", "register_kelurahan_code"], how="left", maintain_order="left"
    )
    return joined["voter_id"]


def _known_kelurahan(election) -> set[str]:
    return set(
        Region.objects.filter(level="kelurahan", code__startswith=election.region_code).values_list(
            "code", flat=True
        )
    )


def _result_columns(result: pl.DataFrame, known: set[str]) -> list[pl.Expr]:
    """Supporter columns from the engine's result: statuses, reason, region, voter."""
    vermin = pl.col("status")
    return [
        vermin.alias("vermin_status"),
        pl.col("reason").fill_null("").alias("vermin_reason"),
        pl.when(vermin.is_in(["ms", "held"])).then(pl.lit("pending")).otherwise(pl.lit("na"))
        .alias("verfak_status"),
        pl.when(vermin == "tms").then(pl.lit("tms")).otherwise(pl.lit("pending")).alias("status"),
        pl.when(pl.col("kelurahan_code").is_in(list(known))).then(pl.col("kelurahan_code"))
        .otherwise(pl.lit("")).alias("region_code"),
    ]  # fmt: skip


# ---------------------------------------------------------------------------------------
# Upload
# ---------------------------------------------------------------------------------------


def upload_support_file(
    *,
    election,
    pair: Pair,
    path: str | Path,
    actor,
    round: int = 1,
    progress: Callable[[Progress], None] | None = None,
    file_name: str = "",
    check_window: bool = True,
) -> SupportUploadResult:
    """Read, verify and load one supporter file of ``pair`` (see the module docstring)."""
    started = time.perf_counter()
    decision = check_upload(
        election=election, pair=pair, actor=actor, round=round, check_window=check_window
    )
    work = _work_dir(election, pair) / f"upload-{uuid.uuid4().hex[:12]}"
    work.mkdir(parents=True)
    rejects = _work_dir(election, pair) / f"round{round}-{work.name}-rejects.csv"
    stages: dict[str, float] = {}
    try:
        mark = time.perf_counter()
        outcome = read_supporters(
            path,
            reference_date=election.voting_day,
            rejects_path=rejects,
            staging_path=None,  # the rows stay in memory (outcome.frame())
            region_code=election.region_code,
            kelurahan_codes=_known_kelurahan(election),
            progress=progress,
        )
        stages["read"] = time.perf_counter() - mark
        with transaction.atomic():
            if check_window:  # again inside the transaction: the window may have moved
                decision = require_open(
                    election=election, action=UPLOAD_ACTION if round == 1 else PERBAIKAN_ACTION
                )
            # One upload or verification of an election at a time (PostgreSQL; SQLite
            # transactions are serialised already).
            type(election).objects.select_for_update().filter(pk=election.pk).first()
            batch, verification, held = _load_verified(
                election=election, pair=pair, round=round, outcome=outcome, work=work,
                actor=actor, file_name=file_name or Path(path).name, rejects=rejects,
                decision=decision, stages=stages,
            )  # fmt: skip
        stages["total"] = time.perf_counter() - started
    except BaseException:
        rejects.unlink(missing_ok=True)
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return SupportUploadResult(
        batch=batch,
        outcome=outcome,
        verification=verification,
        held_other_pairs=held,
        seconds=time.perf_counter() - started,
        stages=stages,
    )


def _load_verified(
    *, election, pair, round, outcome, work, actor, file_name, rejects,
    decision: Decision | None, stages: dict,
):  # fmt: skip
    batch = SupportBatch.objects.create(
        election=election,
        pair=pair,
        round=round,
        file_name=file_name[:255],
        sha256=outcome.sha256,
        file_format=outcome.file_format,
        read=outcome.read,
        accepted=outcome.accepted,
        flagged=outcome.flagged,
        rejected=outcome.rejected,
        blank=outcome.blank,
        repeated_headers=outcome.repeated_headers,
        rejects_file=_relative(rejects),
        uploaded_by=actor_name(actor)[:150],
    )
    # The staged rows as read (in memory; the staging file is the same rows).
    rows = outcome.frame()
    mark = time.perf_counter()
    inputs = _verify_inputs(election=election, staged=rows, work=work)
    stages["register"] = time.perf_counter() - mark
    mark = time.perf_counter()
    verified = verify_support(
        rows,
        pair_id=pair.pk,
        register=inputs["paths"]["register"],
        prior=inputs["paths"]["prior"],
        barred=inputs["paths"]["barred"],
        reference_date=election.voting_day,
        out_path=None,  # the rows stay in memory (verified.result)
    )
    stages["verify"] = time.perf_counter() - mark
    mark = time.perf_counter()
    result = verified.result
    if result is None:  # pragma: no cover - verify_support always returns its rows
        raise AssertionError("verify_support returned no rows")
    if result.height != rows.height:  # pragma: no cover - a bug in the engine
        raise AssertionError(f"{rows.height} rows staged, {result.height} verified")
    decided = result.select(
        "line", *_result_columns(result, _known_kelurahan(election))
    ).with_columns(register_voter_id=_deciding_voter_ids(result, inputs["register"]))
    if rows["line"].equals(decided["line"]):  # both in file order (the usual case)
        frame = pl.concat([rows, decided.drop("line")], how="horizontal")
    else:
        frame = rows.join(decided, on="line", how="left", maintain_order="left")
    frame = frame.with_columns(
        kelurahan_code=pl.col("kode_kelurahan").fill_null(""),
        nama=pl.col("nama").fill_null(""),
    )
    frame = frame.with_columns(
        [pl.col(c).fill_null("") for c in ("tempat_lahir", "jenis_kelamin", "alamat", "rt", "rw",
                                          "pekerjaan", "quality_flags")]
    )  # fmt: skip
    # The same on every row: written into the statement, not row by row.
    constants = {"election_id": election.pk, "pair_id": pair.pk, "batch_id": batch.pk,
                 "round": round, "verfak_outcome": "", "objected": False}  # fmt: skip
    table = Supporter._meta.db_table
    # Parts of the load stage (they add up to it with the holds): frame, rows, indexes.
    stages["load_prepare"] = time.perf_counter() - mark
    # A first large list goes into a (nearly) empty table: its indexes and foreign keys are
    # dropped and built once afterwards, in this transaction (voters' bulk_load).
    with bulk_load(table=table, incoming_rows=frame.height):
        connection.ensure_connection()
        with connection.wrap_database_errors:
            loaded = insert_frames(
                connection.connection,
                connection.vendor,
                table,
                [c for c in SUPPORTER_COLUMNS if c not in constants],
                frame.iter_slices(200_000),
                constants=constants,
            )
        stages["load_insert"] = time.perf_counter() - mark - stages["load_prepare"]
    stages["load_rebuild"] = (
        time.perf_counter() - mark - stages["load_prepare"] - stages["load_insert"]
    )
    if loaded != outcome.persons:  # pragma: no cover - a bug
        raise AssertionError(f"loaded {loaded} of {outcome.persons} rows")
    held = _hold_other_pairs(verified.hold_supporter_ids)
    stages["load"] = time.perf_counter() - mark
    summary = _verification_summary(verified)
    batch.state = SupportBatch.State.VERIFIED
    batch.verified_at = timezone.now()
    batch.verification = summary
    batch.save(update_fields=["state", "verified_at", "verification"])
    record_audit(
        actor=actor,
        action="candidacy.support_upload",
        object_type="candidacy.SupportBatch",
        object_id=batch.pk,
        new={
            "pair": pair.pk,
            "round": round,
            "file": batch.file_name,
            "sha256": batch.sha256,
            "read": outcome.read,
            "accepted": outcome.accepted,
            "flagged": outcome.flagged,
            "rejected": outcome.rejected,
            "rejects_file": batch.rejects_file,
            "verification": summary,
            "held_other_pairs": held,
            "window": decision.as_dict()["stage"] if decision else "not checked (seed)",
        },
    )
    return batch, summary, held


def _hold_other_pairs(ids: list[int]) -> int:
    """Other pairs' rows listing a NIK this upload also lists: held for verfak (only rows
    that were MS or pending; a TMS listing stays TMS)."""
    if not ids:
        return 0
    total = 0
    for start in range(0, len(ids), 5_000):
        chunk = ids[start : start + 5_000]
        total += Supporter.objects.filter(pk__in=chunk, vermin_status__in=("ms", "pending")).update(
            vermin_status="held",
            vermin_reason="double_other_pair",
            verfak_status="pending",
            status="pending",
        )
    return total


def _verification_summary(verified) -> dict:
    return {
        "reference_date": verified.reference_date.isoformat(),
        "rows": verified.rows,
        "by_status": verified.by_status,
        "by_reason": verified.by_reason,
        "ms_by_kabkota": {k or "": v for k, v in verified.ms_by("kabkota").items()},
        "reconciles": verified.reconciles,
    }


def shortfall_summary(*, pair: Pair) -> dict:
    """What the pair's support amounts to now (both stages), for pages and commands."""
    out = {}
    for stage in ("vermin", "final"):
        r = support_result(pair=pair, stage=stage)
        out[stage] = {
            "minimum": r.minimum,
            "counted": r.counted,
            "shortfall": r.shortfall,
            "areas_with_support": r.areas_with_support,
            "areas_total": r.areas_total,
            "spread_needed": r.spread_needed,
            "spread_ok": r.spread_ok,
            "meets": r.meets,
            "perbaikan_required": r.perbaikan_required,
        }
    out["percent"] = (
        str(rules.persentase_dukungan_perseorangan(
            dpt_total=r.previous_dpt_total, level=r.level))
        if r.previous_dpt_total is not None else None
    )  # fmt: skip
    return out


def reference_day(election) -> dt.date:
    """The day the age rule counts to: the voting day (who is 17 by then is on the DPT)."""
    return election.voting_day


# ---------------------------------------------------------------------------------------
# Verifying again
# ---------------------------------------------------------------------------------------

_UPDATE_TEMP = "candidacy_tmp_supporter_result"
#: The columns verifying again writes, with the SQL type of their temporary column.
_UPDATED = {
    "vermin_status": "varchar(8)", "vermin_reason": "varchar(30)",
    "region_code": "varchar(10)", "register_voter_id": "bigint",
    "verfak_status": "varchar(8)", "status": "varchar(8)",
}  # fmt: skip


def _batch_staged(batch: SupportBatch, path: Path) -> pl.DataFrame:
    """The batch's rows as the engine's staged input (the NIK judged again)."""
    from pilkada.engine.nik import validate_nik_frame

    table = Supporter._meta.db_table
    frame = read_frame(
        f"SELECT id, line, nik, tanggal_lahir, kelurahan_code, pekerjaan, verfak_status, "
        f"objected FROM {table} WHERE batch_id = %s ORDER BY line",
        {"id": pl.Int64, "line": pl.Int64, "nik": pl.String, "tanggal_lahir": pl.Date,
         "kode_kelurahan": pl.String, "pekerjaan": pl.String, "verfak_status": pl.String,
         "objected": pl.Boolean},
        [batch.pk],
    )  # fmt: skip
    checked = validate_nik_frame(frame, "nik", reference_date=batch.election.voting_day)
    staged = checked.select(
        "line", "nik", pl.col("nik_error").cast(pl.String), "tanggal_lahir", "kode_kelurahan",
        "pekerjaan",
    )  # fmt: skip
    staged.write_parquet(path)
    return frame


def _overall_status(frame: pl.DataFrame) -> pl.Series:
    """Each row's overall status by :func:`rules.status_dukungan`, evaluated once per
    distinct (vermin, verfak, objected) combination (the rule stays in one function)."""
    combos = frame.select("vermin_status", "verfak_status", "objected").unique()
    combos = combos.with_columns(
        pl.Series(
            "status",
            [rules.status_dukungan(vermin_status=a, verfak_status=b, objected=bool(c))
             for a, b, c in combos.iter_rows()],
            dtype=pl.String,
        )
    )  # fmt: skip
    return frame.join(
        combos, on=["vermin_status", "verfak_status", "objected"], how="left", maintain_order="left"
    )["status"]


def _write_back(frame: pl.DataFrame) -> int:
    """UPDATE the supporter rows of ``frame`` (id + _UPDATED) in one statement."""
    return update_from_frame(Supporter._meta.db_table, frame, _UPDATED, temp=_UPDATE_TEMP)


def reverify_batch(*, batch: SupportBatch, actor, check_window: bool = True) -> dict:
    """Run verifikasi administrasi again on a loaded batch and write the results back.

    A row's verifikasi faktual result stays; its overall status is recomputed from both. A
    row another pair also lists is held again (both sides). Audited with the counts before
    and after."""
    election, pair = batch.election, batch.pair
    if check_window:
        require_open(election=election, action=VERIFY_ACTION)
    if actor is not None and not isinstance(actor, str):
        require_for_pair(actor, VERIFY_ACTION, pair)
    work = _work_dir(election, pair) / f"verify-{uuid.uuid4().hex[:12]}"
    work.mkdir(parents=True)
    try:
        with transaction.atomic():
            type(election).objects.select_for_update().filter(pk=election.pk).first()
            before = dict(batch.verification or {})
            current = _batch_staged(batch, work / "staged.parquet")
            inputs = _verify_inputs(
                election=election, staged=work / "staged.parquet", work=work,
                pair_from_batch=(pair.pk, batch.pk),
            )  # fmt: skip
            verified = verify_support(
                work / "staged.parquet", pair_id=pair.pk, register=inputs["paths"]["register"],
                prior=inputs["paths"]["prior"], barred=inputs["paths"]["barred"],
                reference_date=election.voting_day, out_path=None,
            )  # fmt: skip
            result = verified.result
            if result is None:  # pragma: no cover - verify_support always returns its rows
                raise AssertionError("verify_support returned no rows")
            decided = result.select("line", *_result_columns(result, _known_kelurahan(election)))
            decided = decided.with_columns(
                register_voter_id=_deciding_voter_ids(result, inputs["register"])
            ).drop("verfak_status", "status")
            frame = current.join(decided, on="line", how="inner")
            # A row verfak has judged keeps that result; otherwise it follows vermin.
            frame = frame.with_columns(
                verfak_status=pl.when(pl.col("verfak_status").is_in(["ms", "tms"]))
                .then(pl.col("verfak_status"))
                .when(pl.col("vermin_status").is_in(["ms", "held"]))
                .then(pl.lit("pending"))
                .otherwise(pl.lit("na"))
            )
            frame = frame.with_columns(status=_overall_status(frame))
            updated = _write_back(frame.select("id", *_UPDATED))
            held = _hold_other_pairs(verified.hold_supporter_ids)
            summary = _verification_summary(verified)
            batch.verification = summary
            batch.state = SupportBatch.State.VERIFIED
            batch.verified_at = timezone.now()
            batch.save(update_fields=["verification", "state", "verified_at"])
            record_audit(
                actor=actor,
                action="candidacy.support_reverify",
                object_type="candidacy.SupportBatch",
                object_id=batch.pk,
                old={"by_status": before.get("by_status"), "by_reason": before.get("by_reason")},
                new={"by_status": summary["by_status"], "by_reason": summary["by_reason"],
                     "rows_updated": updated, "held_other_pairs": held},
            )  # fmt: skip
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"batch_id": batch.pk, "rows_updated": updated, "held_other_pairs": held, **summary}


def reverify_pair(*, pair: Pair, actor, check_window: bool = True) -> dict:
    """:func:`reverify_batch` on every batch of the pair, oldest first; returns the pair's
    counts per status and reason (all its rows) and the per-batch results."""
    from ..selectors.support import status_counts

    batches = list(SupportBatch.objects.filter(pair=pair).order_by("round", "id"))
    if not batches:
        raise SupportRefused("no_batches", f"{pair.name} has no supporter list on record")
    results = [reverify_batch(batch=b, actor=actor, check_window=check_window) for b in batches]
    return {
        "pair_id": pair.pk,
        "pair": pair.name,
        "batches": results,
        "counts": status_counts(Supporter.objects.filter(pair=pair)),
        "support": shortfall_summary(pair=pair),
    }


# ---------------------------------------------------------------------------------------
# From the web: an upload becomes a background job
# ---------------------------------------------------------------------------------------

#: Where uploaded files wait for their job, relative to settings.DATA_DIR.
UPLOAD_DIR = "uploads"
#: Largest accepted upload (1.2 million B.1.1-KWK rows as CSV are about 200 MB).
MAX_UPLOAD_BYTES = 1 << 30


def start_support_upload_job(*, election, pair: Pair, actor, upload, round: int = 1):
    """Check, store and queue an uploaded supporter file (job kind
    ``candidacy.support_upload``). The cheap refusals happen here, before the upload is
    kept: closed window, no permission (an LO for another pair), perbaikan not due, an
    empty or oversized file. The job runs :func:`upload_support_file` with the same actor."""
    from pilkada.jobs.services import start_job

    check_upload(election=election, pair=pair, actor=actor, round=round)
    size = getattr(upload, "size", None)
    if not size:
        raise SupportRefused("empty_upload", "the uploaded file is empty; nothing was imported")
    if size > MAX_UPLOAD_BYTES:
        raise SupportRefused(
            "upload_too_large",
            f"the uploaded file has {size:,} bytes, more than {MAX_UPLOAD_BYTES:,}; upload it "
            "from the command line (pilkada candidacy support import)",
        )
    name = Path(upload.name or "upload").name
    safe = "".join(c if c.isalnum() or c in "._-" else "_" for c in name)[-120:] or "upload"
    target = Path(settings.DATA_DIR) / UPLOAD_DIR / str(election.pk) / f"{uuid.uuid4().hex}-{safe}"
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return start_job(
        kind="candidacy.support_upload",
        actor=actor,
        params={
            "election_id": election.pk,
            "pair_id": pair.pk,
            "round": round,
            "path": _relative(target),
            "file_name": name,
        },
        region_code=election.region_code,
    )

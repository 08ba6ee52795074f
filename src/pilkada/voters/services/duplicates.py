"""Writes of the duplicates review queue (ganda): detection runs and officers' decisions.

* :func:`detect_duplicates` exports the election's register set-based to Parquet, runs
  :func:`pilkada.engine.dedup.find_duplicates` with the remembered rejections and, when the
  DP4 was synchronised with the previous DPT (PKPU 7/2024: before duplicates are reviewed),
  each voter's outcome of that synchronisation (:func:`sync_outcomes`), and stores
  the suggestions set-based, replacing the previous run's *open* groups in one transaction
  (decided groups stay).
* :func:`confirm_duplicate` keeps one record of a group and gives the others TMS 2 with a
  note naming the kept voter (each decision row links removed -> kept);
  :func:`undo_confirm` restores them.
* :func:`reject_duplicate` records "not the same person": the pairs are remembered and
  never suggested or grouped again.

All of them ask the stage gate (``voters.review_duplicates``) and the permission
``voters.review_duplicates`` for the group's region (a KPU kab/kota decides only groups
whose members all lie in its kab/kota; groups across kab/kota belong to the KPU provinsi),
and write their audit entry in the same transaction as the change.
"""

from __future__ import annotations

import itertools
import shutil
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import connection, transaction
from django.utils import timezone

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit
from pilkada.engine.dbload import insert_frames
from pilkada.schedule.gate import require_open

from ..models import (
    DuplicateDecision,
    DuplicateGroup,
    DuplicateMember,
    DuplicatePair,
    DuplicateRejection,
    DuplicateRun,
    SyncMatch,
    SyncRun,
    Voter,
)
from .common import actor_name as _actor_name
from .common import read_frame

__all__ = [
    "DuplicateRefused",
    "confirm_duplicate",
    "detect_duplicates",
    "read_frame",
    "register_frame",
    "reject_duplicate",
    "remembered_rejections",
    "sync_outcomes",
    "undo_confirm",
]

#: The stage action and the permission of every write here.
STAGE_ACTION = "voters.review_duplicates"
PERMISSION = "voters.review_duplicates"
#: The sources of the register that are this election's voters (the previous DPT is a
#: reference list, never examined for duplicates).
REGISTER_SOURCES = (Voter.Source.DP4, Voter.Source.COKLIT)
#: Region code lengths a group's region can take (kelurahan, kecamatan, kab/kota, province).
REGION_LEVELS = (10, 6, 4, 2)

Progress = Callable[[int, int | None, str], None]


class DuplicateRefused(Exception):
    """The decision was not made, for the reason given; nothing changed."""

    def __init__(self, code: str, message: str):
        self.code = code
        super().__init__(message)


def _require(actor, region_code: str | None) -> None:
    """A User needs the permission for the region; the system (None) and named components
    (a str: the CLI without --as, a job) act as operators."""
    if actor is None or isinstance(actor, str):
        return
    permissions.require(actor, PERMISSION, region_code)


# ============================================================================================
# Reading the register set-based
# ============================================================================================


REGISTER_SCHEMA = {
    "voter_id": pl.Int64,
    "nik": pl.String,
    "nkk": pl.String,
    "nama": pl.String,
    "tempat_lahir": pl.String,
    "tanggal_lahir": pl.Date,
    "jenis_kelamin": pl.String,
    "alamat": pl.String,
    "rt": pl.String,
    "rw": pl.String,
    "kelurahan_code": pl.String,
    "status_kawin": pl.String,
    "quality_flags": pl.String,
}


def register_frame(*, election, sources: Iterable[str] = REGISTER_SOURCES,
                   exclude_tms: bool = True) -> pl.DataFrame:  # fmt: skip
    """The election's voters of ``sources`` (default DP4 and coklit; TMS rows left out) as a
    frame of :data:`REGISTER_SCHEMA`, the voter id as row id. One set-based read."""
    table = Voter._meta.db_table
    source_list = ", ".join(f"'{Voter.Source(s).value}'" for s in sources)
    where = f"election_id = {int(election.pk)} AND source IN ({source_list})"
    if exclude_tms:
        where += f" AND status <> '{Voter.Status.TMS.value}'"
    sql = (
        f"SELECT id, nik, nkk, nama, tempat_lahir, tanggal_lahir, jenis_kelamin, alamat, rt, "
        f"rw, kelurahan_code, status_kawin, quality_flags FROM {table} WHERE {where} ORDER BY id"
    )
    return read_frame(sql, REGISTER_SCHEMA)


def remembered_rejections(*, election) -> pl.DataFrame:
    """Every pair an officer rejected for ``election``: ``id_a, id_b`` and, when the two
    NIKs are different well-formed NIKs, ``nik_a, nik_b`` (so that the decision survives a
    re-imported register with new ids)."""
    rows = list(
        DuplicateRejection.objects.filter(election=election)
        .order_by("voter_a_id", "voter_b_id")
        .values_list("voter_a_id", "voter_b_id", "nik_a", "nik_b")
    )
    frame = pl.DataFrame(
        rows,
        schema={"id_a": pl.Int64, "id_b": pl.Int64, "nik_a": pl.String, "nik_b": pl.String},
        orient="row",
    )
    usable = (
        pl.col("nik_a").str.contains(r"^\d{16}$")
        & pl.col("nik_b").str.contains(r"^\d{16}$")
        & (pl.col("nik_a") != pl.col("nik_b"))
    )
    return frame.with_columns(
        nik_a=pl.when(usable).then(pl.col("nik_a")), nik_b=pl.when(usable).then(pl.col("nik_b"))
    )


SYNC_SCHEMA = {"voter_id": pl.Int64, "method": pl.String, "turns_17": pl.Boolean}


def sync_outcomes(*, election) -> pl.DataFrame | None:
    """Each DP4 voter's outcome in the election's last synchronisation with the previous DPT
    (``voter_id, method, turns_17`` of :class:`SyncMatch`: found by NIK / fuzzy, or new), or
    None when the DP4 was never synchronised. One set-based read. Voters without a row (added
    at coklit, or imported after the synchronisation) are unknown to the engine."""
    if not SyncRun.objects.filter(election=election).exists():
        return None
    sql = (
        f"SELECT voter_id, method, turns_17 FROM {SyncMatch._meta.db_table} "
        f"WHERE election_id = {int(election.pk)} AND NOT is_previous ORDER BY voter_id"
    )
    return read_frame(sql, SYNC_SCHEMA)


# ============================================================================================
# Detection
# ============================================================================================


def _work_dir(election) -> Path:
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%f")
    path = Path(settings.DATA_DIR) / "duplicates" / election.slug / stamp
    path.mkdir(parents=True, exist_ok=True)
    return path


def _group_region(kel: pl.Expr, fallback: str) -> list[pl.Expr]:
    """Aggregations giving the smallest region holding every member of a group."""
    valid = kel.str.contains(r"^\d{10}$").all()
    expr = pl.lit(fallback)
    for length in reversed(REGION_LEVELS):  # the longest common prefix wins
        expr = (
            pl.when(kel.str.slice(0, length).n_unique() == 1)
            .then(kel.first().str.slice(0, length))
            .otherwise(expr)
        )
    return [pl.when(valid).then(expr).otherwise(pl.lit(fallback)).alias("region_code")]


PAIR_COLUMNS = [
    "group_id", "voter_a_id", "voter_b_id", "kind", "conflict", "match_weight",
    "match_probability", "w_name", "w_birth", "w_nik_household", "w_birthplace",
    "nik_relation", "nik_positions", "name_relation", "name_similarity", "date_relation",
    "same_nkk", "same_address", "same_kelurahan", "same_birthplace", "evidence_for",
    "evidence_against",
]  # fmt: skip
TEXT_PAIR_COLUMNS = [
    "nik_relation", "nik_positions", "name_relation", "date_relation", "evidence_for",
    "evidence_against",
]  # fmt: skip
BOOL_PAIR_COLUMNS = ["same_nkk", "same_address", "same_kelurahan", "same_birthplace", "conflict"]
MEMBER_COLUMNS = [
    "group_id", "voter_id", "partner_id", "match_weight", "match_probability", "kelurahan_code",
]  # fmt: skip
GROUP_COLUMNS = [
    "election_id", "run_id", "group_key", "kind", "size", "max_weight", "max_probability",
    "region_code", "status", "decided_by",
]  # fmt: skip


def suggestion_frames(result, register: pl.DataFrame, *, fallback_region: str):
    """(groups, members, pairs) frames to store, from a :class:`DedupResult`."""
    kel = register.select(pl.col("voter_id").alias("id"), "kelurahan_code")
    members = (
        result.members.select(
            group_key="group_id",
            id="id",
            partner_id="partner",
            match_weight="match_weight",
            match_probability="match_probability",
            kind="kind",
        )
        .unique(subset=["group_key", "id"], keep="first", maintain_order=True)
        .join(kel, on="id", how="left")
        .with_columns(pl.col("kelurahan_code").fill_null(""))
    )
    groups = members.group_by("group_key").agg(
        *_group_region(pl.col("kelurahan_code"), fallback_region),
        kind=pl.col("kind").first(),
        size=pl.len(),
        max_weight=pl.col("match_weight").max(),
        max_probability=pl.col("match_probability").max(),
    )
    # Pairs inside a group: suggested probable pairs, and exact-NIK pairs (same person or
    # conflict), each with its evidence.
    columns = [c for c in PAIR_COLUMNS if c not in ("group_id", "voter_a_id", "voter_b_id")]
    scored = pl.concat(
        [
            result.suggested_pairs.with_columns(conflict=pl.lit(False)),
            result.exact_pairs.with_columns(conflict=pl.col("status") == "conflict"),
        ],
        how="diagonal_relaxed",
    )
    for column in columns:
        if column not in scored.columns:
            scored = scored.with_columns(pl.lit(None).alias(column))
    where = members.select("group_key", "id")
    pairs = (
        scored.select("id_a", "id_b", *columns)
        .join(where.rename({"id": "id_a"}), on="id_a")
        .join(where.rename({"id": "id_b", "group_key": "group_b"}), on="id_b")
        .filter(pl.col("group_key") == pl.col("group_b"))
        .drop("group_b")
        .with_columns(pl.col(TEXT_PAIR_COLUMNS).cast(pl.String).fill_null(""))
        .with_columns(pl.col(BOOL_PAIR_COLUMNS).cast(pl.Boolean).fill_null(False))
        .rename({"id_a": "voter_a_id", "id_b": "voter_b_id"})
    )
    return groups.sort("group_key"), members, pairs


def _job_progress(progress: Progress | None):
    if progress is None:
        return None

    def report(stage: str, fraction: float) -> None:
        progress(round(fraction * 100), 100, stage)

    return report


def detect_duplicates(*, election, actor, progress: Progress | None = None,
                      dedup_settings=None, check_window: bool = True) -> DuplicateRun:  # fmt: skip
    """Run duplicate detection over ``election``'s register and store the review queue.

    ``progress(done, total, message)`` (the jobs' ProgressWriter signature) is told the
    engine's stages in percent. ``dedup_settings`` (a :class:`DedupSettings`) overrides the
    engine's defaults (reference date and province are the election's). When the DP4 was
    synchronised with the previous DPT, each voter's outcome is passed as evidence (one
    record a new voter although an adult and the other found: for; both found: against).
    Refused with
    :class:`~pilkada.schedule.gate.StageClosed` outside the window, PermissionDenied without
    ``voters.review_duplicates`` over the whole election region. The previous run's open
    groups are replaced atomically; decided groups stay. ``check_window=False`` is for
    seeding demo and training data only.
    """
    from pilkada.engine.dedup import DedupSettings, find_duplicates

    started = time.perf_counter()
    if check_window:
        require_open(election=election, action=STAGE_ACTION)
    _require(actor, election.region_code)
    if progress:
        progress(0, 100, "ekspor register")
    register = register_frame(election=election)
    work = _work_dir(election)
    try:
        voters_path = work / "voters.parquet"
        register.drop("quality_flags").write_parquet(voters_path)
        rejections = remembered_rejections(election=election)
        outcomes = sync_outcomes(election=election)
        if dedup_settings is None:
            dedup_settings = DedupSettings(
                reference_date=election.voting_day,
                province_codes=(election.region_code[:2],),
            )
        result = find_duplicates(
            voters_path,
            work_dir=work / "engine",
            settings=dedup_settings,
            progress=_job_progress(progress),
            remembered_rejections=rejections if rejections.height else None,
            sync_outcomes=outcomes,
        )
        groups, members, pairs = suggestion_frames(
            result, register, fallback_region=election.region_code
        )
        if progress:
            progress(100, 100, "menyimpan saran")
        run = _store(
            election=election,
            actor=actor,
            groups=groups,
            members=members,
            pairs=pairs,
            stats=result.stats,
            rows=register.height,
            started=started,
            check_window=check_window,
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return run


def _store(
    *, election, actor, groups, members, pairs, stats, rows, started, check_window=True
) -> DuplicateRun:
    g_table = DuplicateGroup._meta.db_table
    m_table = DuplicateMember._meta.db_table
    p_table = DuplicatePair._meta.db_table
    d_table = DuplicateDecision._meta.db_table
    with transaction.atomic():
        if check_window:  # again inside the transaction: the window may have moved
            require_open(election=election, action=STAGE_ACTION)
        # Serialise two runs of one election (PostgreSQL; SQLite transactions are IMMEDIATE).
        type(election).objects.select_for_update().filter(pk=election.pk).first()
        open_groups = DuplicateGroup.objects.filter(
            election=election, status=DuplicateGroup.Status.OPEN
        )
        replaced = {
            "open_groups": open_groups.count(),
            "runs": sorted(set(open_groups.values_list("run_id", flat=True))),
        }
        subquery = f"SELECT id FROM {g_table} WHERE election_id = %s AND status = %s"
        params = [election.pk, DuplicateGroup.Status.OPEN.value]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {d_table} SET group_id = NULL WHERE group_id IN ({subquery})", params
            )
            cursor.execute(f"DELETE FROM {p_table} WHERE group_id IN ({subquery})", params)
            cursor.execute(f"DELETE FROM {m_table} WHERE group_id IN ({subquery})", params)
            cursor.execute(f"DELETE FROM {g_table} WHERE election_id = %s AND status = %s", params)
        kinds = groups["kind"].value_counts() if groups.height else None
        count = {k: int(n) for k, n in kinds.iter_rows()} if kinds is not None else {}
        run = DuplicateRun.objects.create(
            election=election,
            started_by=_actor_name(actor)[:150],
            rows=rows,
            groups=groups.height,
            pairs=pairs.height,
            exact_groups=count.get("exact_nik", 0) + count.get("exact_nik+probable", 0),
            conflict_groups=count.get("nik_conflict", 0),
            probable_groups=count.get("probable", 0),
            rejections_applied=int(stats.get("rejections_applied") or 0),
            stats=_jsonable(stats),
        )
        connection.ensure_connection()
        raw, vendor = connection.connection, connection.vendor
        with connection.wrap_database_errors:
            insert_frames(
                raw, vendor, g_table, GROUP_COLUMNS,
                [groups.with_columns(
                    election_id=pl.lit(election.pk, pl.Int64), run_id=pl.lit(run.pk, pl.Int64),
                    status=pl.lit(DuplicateGroup.Status.OPEN.value), decided_by=pl.lit(""),
                )],
            )  # fmt: skip
            ids = read_frame(
                f"SELECT id, group_key FROM {g_table} WHERE run_id = {int(run.pk)}",
                {"group_id": pl.Int64, "group_key": pl.String},
            )
            insert_frames(
                raw, vendor, m_table, MEMBER_COLUMNS,
                [members.join(ids, on="group_key").rename({"id": "voter_id"})],
            )  # fmt: skip
            insert_frames(raw, vendor, p_table, PAIR_COLUMNS, [pairs.join(ids, on="group_key")])
        run.seconds = round(time.perf_counter() - started, 3)
        run.save(update_fields=["seconds"])
        record_audit(
            actor=actor,
            action="voters.duplicates.detect",
            object_type="voters.DuplicateRun",
            object_id=run.pk,
            old=replaced,
            new={
                "election": election.slug,
                "rows": rows,
                "groups": run.groups,
                "pairs": run.pairs,
                "exact_groups": run.exact_groups,
                "conflict_groups": run.conflict_groups,
                "probable_groups": run.probable_groups,
                "rejections_applied": run.rejections_applied,
            },
        )
    return run


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


# ============================================================================================
# Decisions
# ============================================================================================


def _locked_group(group) -> DuplicateGroup:
    pk = group.pk if isinstance(group, DuplicateGroup) else int(group)
    try:
        return DuplicateGroup.objects.select_for_update().select_related("election").get(pk=pk)
    except DuplicateGroup.DoesNotExist:
        raise DuplicateRefused("no_group", f"no duplicate group {pk}") from None


def _open_group(group, actor) -> DuplicateGroup:
    group = _locked_group(group)
    require_open(election=group.election, action=STAGE_ACTION)
    _require(actor, group.region_code)
    if group.status != DuplicateGroup.Status.OPEN:
        raise DuplicateRefused(
            "already_decided",
            f"group {group.group_key} was already decided ({group.get_status_display()} by "
            f"{group.decided_by or '-'}); nothing changed",
        )
    return group


def _members(group: DuplicateGroup) -> dict[int, Voter]:
    ids = list(group.members.values_list("voter_id", flat=True))
    return {v.pk: v for v in Voter.objects.select_for_update().filter(pk__in=ids).order_by("pk")}


def _ids(values, what: str) -> list[int]:
    try:
        return [int(v) for v in values]
    except (TypeError, ValueError):
        raise DuplicateRefused("bad_input", f"{what}: voter ids must be integers") from None


def default_keep(voters: Iterable[Voter]) -> Voter:
    """The record kept by default: one without data-quality flags before a flagged one, the
    earlier (lower id) before the later -- so the later or flagged copy is the one removed."""
    return min(voters, key=lambda v: (bool(v.quality_flags), v.pk))


def tms_note_for(kept: Voter) -> str:
    """The TMS 2 evidence note: the other record of the same person (PKPU 7/2024)."""
    return f"Ganda: orang yang sama dengan pemilih id {kept.pk} (baris {kept.line or '-'})"


def confirm_duplicate(*, group, actor, keep: int | None = None,
                      remove: Iterable[int] | None = None, note: str = "") -> list:  # fmt: skip
    """Confirm that a group's records are one person: ``keep`` stays (default
    :func:`default_keep`), each voter of ``remove`` (default: every other member) gets
    status TMS, tms_code 2 (ganda) and a note naming the kept voter; one
    :class:`DuplicateDecision` per removed voter links it to the kept one. One transaction,
    one audit entry. Refused (nothing changes) when the group is already decided, a voter is
    not a member or is already TMS, or keep is among the removed."""
    with transaction.atomic():
        group = _open_group(group, actor)
        voters = _members(group)
        if len(voters) < 2:
            raise DuplicateRefused(
                "stale_group", f"group {group.group_key} no longer has two voters in the register"
            )
        if keep is None:
            kept = default_keep(voters.values())
        else:
            (keep_id,) = _ids([keep], "keep")
            if keep_id not in voters:
                raise DuplicateRefused(
                    "not_a_member", f"voter {keep_id} is not in group {group.group_key}"
                )
            kept = voters[keep_id]
        removed_ids = (
            [pk for pk in voters if pk != kept.pk] if remove is None else _ids(remove, "remove")
        )
        if not removed_ids:
            raise DuplicateRefused("bad_input", "choose at least one record to remove")
        for pk in removed_ids:
            if pk not in voters:
                raise DuplicateRefused(
                    "not_a_member", f"voter {pk} is not in group {group.group_key}"
                )
            if pk == kept.pk:
                raise DuplicateRefused("bad_input", "the kept record cannot also be removed")
            if voters[pk].status == Voter.Status.TMS:
                raise DuplicateRefused(
                    "already_tms",
                    f"voter {pk} is already TMS (code {voters[pk].tms_code}); nothing changed",
                )
        if kept.status == Voter.Status.TMS:
            raise DuplicateRefused(
                "already_tms", f"the kept voter {kept.pk} is TMS: keep another record"
            )
        name = _actor_name(actor)[:150]
        note_text = tms_note_for(kept)
        decisions, old, new = [], {}, {}
        for pk in sorted(set(removed_ids)):
            voter = voters[pk]
            decisions.append(
                DuplicateDecision.objects.create(
                    election=group.election,
                    group=group,
                    group_key=group.group_key,
                    decision=DuplicateDecision.Decision.CONFIRM,
                    removed_voter_id=pk,
                    kept_voter_id=kept.pk,
                    previous_status=voter.status,
                    previous_tms_code=voter.tms_code,
                    previous_tms_note=voter.tms_note,
                    note=note,
                    actor=name,
                )
            )
            old[str(pk)] = {
                "status": voter.status, "tms_code": voter.tms_code, "tms_note": voter.tms_note,
            }  # fmt: skip
            new[str(pk)] = {"status": "tms", "tms_code": 2, "tms_note": note_text}
        Voter.objects.filter(pk__in=removed_ids).update(
            status=Voter.Status.TMS, tms_code=Voter.TmsCode.GANDA, tms_note=note_text
        )
        group.status = DuplicateGroup.Status.CONFIRMED
        group.decided_at = timezone.now()
        group.decided_by = name
        group.save(update_fields=["status", "decided_at", "decided_by"])
        record_audit(
            actor=actor,
            action="voters.duplicates.confirm",
            object_type="voters.DuplicateGroup",
            object_id=group.pk,
            old={"group": group.group_key, "status": "open", "voters": old},
            new={
                "group": group.group_key,
                "status": group.status,
                "kept": kept.pk,
                "removed": sorted(set(removed_ids)),
                "decisions": [d.pk for d in decisions],
                "voters": new,
                "note": note,
            },
        )
    return decisions


def reject_duplicate(*, group, actor, voters: Iterable[int] | None = None,
                     note: str = "") -> DuplicateDecision:  # fmt: skip
    """Record that the records of a group (or the chosen ``voters`` of it, at least two) are
    not the same person: every pair among them is remembered and passed to the next run as
    ``remembered_rejections`` (never suggested again, never grouped). The group is closed."""
    with transaction.atomic():
        group = _open_group(group, actor)
        members = _members(group)
        chosen = sorted(set(_ids(voters, "voters"))) if voters is not None else sorted(members)
        if len(chosen) < 2:
            raise DuplicateRefused("bad_input", "a rejection needs at least two records")
        for pk in chosen:
            if pk not in members:
                raise DuplicateRefused(
                    "not_a_member", f"voter {pk} is not in group {group.group_key}"
                )
        name = _actor_name(actor)[:150]
        decision = DuplicateDecision.objects.create(
            election=group.election,
            group=group,
            group_key=group.group_key,
            decision=DuplicateDecision.Decision.REJECT,
            note=note,
            actor=name,
        )
        existing = set(
            DuplicateRejection.objects.filter(
                election=group.election, voter_a_id__in=chosen, voter_b_id__in=chosen
            ).values_list("voter_a_id", "voter_b_id")
        )
        pairs = [p for p in itertools.combinations(chosen, 2) if p not in existing]
        DuplicateRejection.objects.bulk_create(
            [
                DuplicateRejection(
                    election=group.election,
                    decision=decision,
                    voter_a_id=a,
                    voter_b_id=b,
                    nik_a=members[a].nik,
                    nik_b=members[b].nik,
                )
                for a, b in pairs
            ]
        )
        group.status = DuplicateGroup.Status.REJECTED
        group.decided_at = timezone.now()
        group.decided_by = name
        group.save(update_fields=["status", "decided_at", "decided_by"])
        record_audit(
            actor=actor,
            action="voters.duplicates.reject",
            object_type="voters.DuplicateGroup",
            object_id=group.pk,
            old={"group": group.group_key, "status": "open"},
            new={
                "group": group.group_key,
                "status": group.status,
                "decision": decision.pk,
                "voters": chosen,
                "pairs_remembered": [list(p) for p in pairs],
                "note": note,
            },
        )
    return decision


def undo_confirm(*, group, actor, note: str = "") -> list:
    """Undo a group's confirm: each removed voter gets back the status it had before (only
    if nobody changed it since), the decisions are marked undone, the group is open again."""
    with transaction.atomic():
        group = _locked_group(group)
        require_open(election=group.election, action=STAGE_ACTION)
        _require(actor, group.region_code)
        decisions = list(
            group.decisions.filter(
                decision=DuplicateDecision.Decision.CONFIRM, undone_at__isnull=True
            ).order_by("pk")
        )
        if group.status != DuplicateGroup.Status.CONFIRMED or not decisions:
            raise DuplicateRefused(
                "not_confirmed", f"group {group.group_key} has no confirm to undo"
            )
        ids = [d.removed_voter_id for d in decisions]
        voters = {v.pk: v for v in Voter.objects.select_for_update().filter(pk__in=ids)}
        old, new = {}, {}
        for d in decisions:
            voter = voters.get(d.removed_voter_id)
            if voter is None or voter.status != Voter.Status.TMS or voter.tms_code != 2:
                raise DuplicateRefused(
                    "changed_since",
                    f"voter {d.removed_voter_id} was changed after the confirm; undo refused",
                )
            old[str(voter.pk)] = {"status": voter.status, "tms_code": voter.tms_code}
            new[str(voter.pk)] = {"status": d.previous_status, "tms_code": d.previous_tms_code}
            Voter.objects.filter(pk=voter.pk).update(
                status=d.previous_status or Voter.Status.PENDING,
                tms_code=d.previous_tms_code,
                tms_note=d.previous_tms_note,
            )
        name = _actor_name(actor)[:150]
        now = timezone.now()
        DuplicateDecision.objects.filter(pk__in=[d.pk for d in decisions]).update(
            undone_at=now, undone_by=name
        )
        group.status = DuplicateGroup.Status.OPEN
        group.decided_at = None
        group.decided_by = ""
        group.save(update_fields=["status", "decided_at", "decided_by"])
        record_audit(
            actor=actor,
            action="voters.duplicates.undo_confirm",
            object_type="voters.DuplicateGroup",
            object_id=group.pk,
            old={"group": group.group_key, "status": "confirmed", "voters": old},
            new={"group": group.group_key, "status": "open", "voters": new, "note": note},
        )
    return decisions


# Re-exported for callers that catch refusals of every kind in one place.
Refusals = (DuplicateRefused, PermissionDenied)

"""Reads of the duplicates review queue, scoped by role and region.

A group is visible to a user with ``voters.review_duplicates`` whose region holds the
group's region (the smallest region holding every member): a KPU kab/kota sees the groups
inside its city, cross-kab/kota groups only the KPU provinsi. Personal data is masked
unless the caller asks for it unmasked (and logs it with ``log_unmasked_access``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext

from pilkada.accounts import permissions
from pilkada.core.masking import (
    log_unmasked_access,
    mask_address,
    mask_birth_date,
    mask_nik,
    mask_nkk,
)

from ..models import (
    DuplicateDecision,
    DuplicateGroup,
    DuplicateMember,
    DuplicatePair,
    DuplicateRun,
    SyncMatch,
    SyncRun,
    Voter,
)

__all__ = [
    "EXPORT_COLUMNS",
    "FIELDS",
    "export_rows",
    "group_detail",
    "latest_run",
    "queue",
    "queue_counts",
]

VIEW_ACTION = "voters.review_duplicates"
KIND_FILTERS = {
    "exact": [DuplicateGroup.Kind.EXACT_NIK, DuplicateGroup.Kind.MIXED],
    "conflict": [DuplicateGroup.Kind.CONFLICT],
    "probable": [DuplicateGroup.Kind.PROBABLE, DuplicateGroup.Kind.MIXED],
}


def _scope(user) -> Q:
    if user is None or isinstance(user, str):
        return Q()
    if not permissions.can(user, VIEW_ACTION, None):
        return Q(pk__in=[])
    return permissions.scope_q(user, "region_code")


def latest_run(*, election) -> DuplicateRun | None:
    return DuplicateRun.objects.filter(election=election).first()


def queue(*, user, election, kind: str = "", kelurahan: str = "", min_weight=None,
          status: str = DuplicateGroup.Status.OPEN) -> QuerySet[DuplicateGroup]:  # fmt: skip
    """Groups of ``election`` in the user's scope, strongest first. ``kind``: exact /
    probable / conflict; ``kelurahan``: a member lies in it; ``min_weight``: the group's
    strongest pair reaches it; ``status``: open (default), confirmed, rejected or "" (all)."""
    groups = DuplicateGroup.objects.filter(election=election).filter(_scope(user))
    if status:
        groups = groups.filter(status=status)
    if kind in KIND_FILTERS:
        groups = groups.filter(kind__in=KIND_FILTERS[kind])
    if kelurahan:
        groups = groups.filter(
            Exists(DuplicateMember.objects.filter(group=OuterRef("pk"), kelurahan_code=kelurahan))
        )
    if min_weight is not None:
        groups = groups.filter(max_weight__gte=min_weight)
    return groups.order_by("-max_weight", "group_key", "pk")


def queue_counts(*, user, election) -> dict:
    """Counts of the user's groups by status and, for open ones, by kind."""
    base = DuplicateGroup.objects.filter(election=election).filter(_scope(user))
    by_status = dict(base.values_list("status").annotate(n=Count("pk")).order_by())
    by_kind = dict(
        base.filter(status=DuplicateGroup.Status.OPEN)
        .values_list("kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {
        "open": by_status.get("open", 0),
        "confirmed": by_status.get("confirmed", 0),
        "rejected": by_status.get("rejected", 0),
        "exact": by_kind.get("exact_nik", 0) + by_kind.get("exact_nik+probable", 0),
        "probable": by_kind.get("probable", 0) + by_kind.get("exact_nik+probable", 0),
        "conflict": by_kind.get("nik_conflict", 0),
    }


#: Fields compared side by side on the detail page: (field, label, pair relation column,
#: weight column of the comparison that uses it).
FIELDS = (
    ("nik", "NIK", "nik_relation", "w_nik_household"),
    ("nkk", "NKK", "same_nkk", "w_nik_household"),
    ("nama", "Nama", "name_relation", "w_name"),
    ("tanggal_lahir", "Tanggal lahir", "date_relation", "w_birth"),
    ("jenis_kelamin", "Jenis kelamin", "", ""),
    ("tempat_lahir", "Tempat lahir", "same_birthplace", "w_birthplace"),
    ("alamat", "Alamat", "same_address", ""),
    ("kelurahan_code", "Kelurahan", "same_kelurahan", ""),
)


def _shown(voter: Voter, unmasked: bool) -> dict:
    if unmasked:
        return {
            "nik": voter.nik,
            "nkk": voter.nkk,
            "nama": voter.nama,
            "tanggal_lahir": voter.tanggal_lahir.isoformat() if voter.tanggal_lahir else "",
            "alamat": f"{voter.alamat} RT {voter.rt}/RW {voter.rw}",
        }
    return {
        "nik": mask_nik(voter.nik),
        "nkk": mask_nkk(voter.nkk),
        "nama": voter.nama,
        "tanggal_lahir": mask_birth_date(voter.tanggal_lahir),
        "alamat": mask_address(voter.alamat, voter.rt, voter.rw),
    }


@dataclass
class MemberView:
    voter: Voter
    member: DuplicateMember
    shown: dict
    decision: DuplicateDecision | None = None
    #: The voter's outcome in the last synchronisation with the previous DPT, in words
    #: ("" when the DP4 was never synchronised, or the voter has no outcome).
    sync: str = ""


@dataclass
class GroupDetail:
    group: DuplicateGroup
    members: list[MemberView]
    pairs: list[DuplicatePair]
    decisions: list[DuplicateDecision]
    rows: list[dict] = field(default_factory=list)  # the side-by-side table
    unmasked: bool = False
    can_decide: bool = False
    can_unmask: bool = False
    #: The DP4 was synchronised with the previous DPT: the page shows each member's outcome.
    sync_shown: bool = False


def _agree(pair: DuplicatePair | None, relation: str, a_value, b_value) -> str | None:
    """ "agree" / "differ" / "partial" for a field, from the pair's evidence (or the values)."""
    if pair is None or not relation:
        return None if a_value is None else ("agree" if a_value == b_value else "differ")
    value = getattr(pair, relation)
    if isinstance(value, bool):
        return "agree" if value else "differ"
    if value in ("equal",):
        return "agree"
    if value in ("equal_normalised", "spelling_variant", "abbreviated_or_shortened", "similar",
                 "day_month_swapped", "one_digit", "transposition",
                 "same_birth_part_other_serial"):  # fmt: skip
        return "partial"
    if value in ("unknown", "unusable", ""):
        return None
    return "differ"


def sync_label(method: str | None, turns_17: bool) -> str:
    """A voter's outcome in the synchronisation with the previous DPT, in words: what the
    duplicate review reads as evidence (a record new on the list although its person is an
    adult, beside one found there, is how a second registration looks)."""
    if method == SyncMatch.Method.NIK:
        return gettext("Ada di DPT sebelumnya (NIK sama)")
    if method == SyncMatch.Method.FUZZY:
        return gettext("Ada di DPT sebelumnya (nama dan tanggal lahir)")
    if method == SyncMatch.Method.NEW and turns_17:
        return gettext("Pemilih baru (genap 17 tahun)")
    if method == SyncMatch.Method.NEW:
        return gettext("Tidak ada di DPT sebelumnya, padahal sudah cukup umur")
    return gettext("Tidak ikut sinkronisasi")


def _sync_labels(election, voter_ids: list[int]) -> dict[int, str] | None:
    """voter id -> :func:`sync_label` for the voters of a group; None when the election's DP4
    was never synchronised."""
    if not SyncRun.objects.filter(election=election).exists():
        return None
    rows = SyncMatch.objects.filter(
        election=election, voter_id__in=voter_ids, is_previous=False
    ).values_list("voter_id", "method", "turns_17")
    found = {voter_id: sync_label(method, turns_17) for voter_id, method, turns_17 in rows}
    return {pk: found.get(pk, sync_label(None, False)) for pk in voter_ids}


def group_detail(*, user, group_id: int, unmask: bool = False) -> GroupDetail:
    """A group in the user's scope with its members side by side (masked unless ``unmask``,
    which needs ``voters.view_unmasked`` and is logged), its pairs and decisions.
    Raises DuplicateGroup.DoesNotExist outside the scope, PermissionDenied for an unmask
    the user may not do."""
    group = (
        DuplicateGroup.objects.filter(_scope(user))
        .select_related("election", "run")
        .get(pk=group_id)
    )
    can_unmask = (
        user is None
        or isinstance(user, str)
        or permissions.can(user, "voters.view_unmasked", group.region_code)
    )
    if unmask and not can_unmask:
        raise PermissionDenied("voters.view_unmasked: you may not see unmasked personal data")
    members = list(group.members.order_by("voter_id"))
    voters = Voter.objects.in_bulk([m.voter_id for m in members])
    decisions = list(group.decisions.order_by("pk"))
    by_removed = {
        d.removed_voter_id: d for d in decisions if d.removed_voter_id and not d.undone_at
    }
    views = [
        MemberView(
            voter=voters[m.voter_id],
            member=m,
            shown=_shown(voters[m.voter_id], unmask),
            decision=by_removed.get(m.voter_id),
        )
        for m in members
        if m.voter_id in voters
    ]
    sync = _sync_labels(group.election, [v.voter.pk for v in views])
    for view in views:
        view.sync = (sync or {}).get(view.voter.pk, "")
    pairs = list(group.pairs.order_by("-match_weight", "voter_a_id", "voter_b_id"))
    if unmask:
        log_unmasked_access(
            actor=user,
            what="voters.duplicate_detail",
            object_type="voters.Voter",
            object_ids=[v.voter.pk for v in views],
            reason=f"duplicate group {group.group_key} ({group.pk})",
        )
    # Side by side: each field of each member against the first member (the strongest pair
    # touching both, when there is one).
    pair_of = {(p.voter_a_id, p.voter_b_id): p for p in pairs}
    rows = []
    first = views[0] if views else None
    for name, label, relation, weight in FIELDS:
        cells = []
        for view in views:
            value = view.shown.get(name, getattr(view.voter, name, ""))
            if first is None or view is first:
                cells.append({"value": value, "agree": None, "weight": None})
                continue
            key = tuple(sorted((first.voter.pk, view.voter.pk)))
            pair = pair_of.get(key)
            a_raw = getattr(first.voter, name, None)
            b_raw = getattr(view.voter, name, None)
            cells.append(
                {
                    "value": value,
                    "agree": _agree(pair, relation, a_raw, b_raw),
                    "weight": getattr(pair, weight) if pair is not None and weight else None,
                }
            )
        rows.append({"field": name, "label": label, "cells": cells})
    return GroupDetail(
        group=group,
        members=views,
        pairs=pairs,
        decisions=decisions,
        rows=rows,
        unmasked=unmask,
        can_decide=user is None
        or isinstance(user, str)
        or permissions.can(user, VIEW_ACTION, group.region_code),
        can_unmask=can_unmask,
        sync_shown=sync is not None,
    )


EXPORT_COLUMNS = (
    "group_id", "nik", "nama", "status", "voter_id", "kelurahan_code", "kind", "size",
    "match_weight", "match_probability", "decision", "voter_status", "tms_code",
)  # fmt: skip


def export_rows(*, user, election, unmasked: bool = False, status: str = ""):
    """One row per member of each group in the user's scope (every status unless ``status``),
    with :data:`EXPORT_COLUMNS`. ``status`` is the suggestion (``suggested`` or
    ``nik_conflict``), ``decision`` the group's (open / confirmed / rejected), voter_status
    the register's. NIKs masked unless ``unmasked`` (the caller logs it)."""
    groups = queue(user=user, election=election, status=status)
    members = (
        DuplicateMember.objects.filter(group__in=groups)
        .select_related("group")
        .order_by("group__group_key", "voter_id")
    )
    voter_rows = Voter.objects.filter(pk__in=members.values("voter_id")).values_list(
        "pk", "nik", "nama", "status", "tms_code"
    )
    voters = {row[0]: row for row in voter_rows}
    for m in members.iterator(chunk_size=2000):
        v = voters.get(m.voter_id)
        if v is None:
            continue
        g = m.group
        yield {
            "group_id": g.group_key,
            "nik": v[1] if unmasked else mask_nik(v[1]),
            "nama": v[2],
            "status": "nik_conflict" if g.is_conflict else "suggested",
            "voter_id": m.voter_id,
            "kelurahan_code": m.kelurahan_code,
            "kind": g.kind,
            "size": g.size,
            "match_weight": None if m.match_weight is None else round(m.match_weight, 3),
            "match_probability": (
                None if m.match_probability is None else round(m.match_probability, 6)
            ),
            "decision": g.status,
            "voter_status": v[3],
            "tms_code": v[4],
        }

"""Writing to the audit log.

Every service that changes election data calls :func:`record_audit` inside the same
``transaction.atomic()`` block as the change, so the entry and the change commit or roll
back together::

    with transaction.atomic():
        stage.save(update_fields=["start", "end"])
        record_audit(actor=user, action="schedule.stage.update",
                     object_type="schedule.stage", object_id=stage_key,
                     old={"start": old_start}, new={"start": stage.start})
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connections, router
from django.db.models import F
from django.utils import timezone

from pilkada.core.request_context import (
    current_request_id,
    new_request_id,
    reset_request_id,
    set_request_id,
)

from .chain import GENESIS_HASH, canonical_json, compute_hash, to_audit_value
from .models import AuditEntry, AuditHead

HEAD_PK = 1
SYSTEM_ACTOR = "system"
ANONYMOUS_ACTOR = "anonymous"


class AuditError(RuntimeError):
    """The audit log cannot be written as asked."""


class AuditOutsideTransaction(AuditError):
    """record_audit was called outside transaction.atomic()."""


@contextmanager
def audit_context(request_id: str | None = None) -> Iterator[str]:
    """Run the body under a request id, so its audit entries can be grouped.

    Management commands wrap their work in it (one id per run). Without an argument it
    keeps the id already set (a command called from a request or another command) or
    makes a new one. Yields the id.
    """
    request_id = request_id or current_request_id() or new_request_id()
    token = set_request_id(request_id)
    try:
        yield request_id
    finally:
        reset_request_id(token)


def _actor_fields(actor: Any) -> dict[str, Any]:
    """actor: a User, None (the system itself), AnonymousUser, or a str naming a component."""
    if actor is None:
        return {"actor_id": None, "actor": SYSTEM_ACTOR, "role": "", "region_code": ""}
    if isinstance(actor, str):
        if not actor:
            raise ValueError("actor name may not be empty")
        return {"actor_id": None, "actor": actor, "role": "", "region_code": ""}
    if not getattr(actor, "is_authenticated", False):
        return {"actor_id": None, "actor": ANONYMOUS_ACTOR, "role": "", "region_code": ""}
    return {
        "actor_id": actor.pk,
        "actor": actor.get_username(),
        "role": getattr(actor, "role", "") or "",
        "region_code": getattr(actor, "region_code", "") or "",
    }


def _audit_value(value: Any) -> Any:
    value = to_audit_value(value)
    canonical_json(value)  # refuse now what could not be hashed later
    return value


def _lock_head(using: str) -> AuditHead:
    """Take the writers' lock (an UPDATE of the head row) and read the head.

    PostgreSQL: the UPDATE locks the row until commit; a second writer waits on it and then
    reads the head the first one left. SQLite: transactions start IMMEDIATE (settings), so
    the write lock is already held; the UPDATE is harmless.
    """
    heads = AuditHead.objects.using(using)
    if heads.filter(pk=HEAD_PK).update(last_seq=F("last_seq")) == 0:
        # A fresh or flushed database (or a head removed behind our back). Create the head;
        # on PostgreSQL a concurrent first writer's uncommitted head makes this INSERT wait
        # for that writer and then do nothing, so both end up on the same, single chain.
        heads.bulk_create(
            [AuditHead(pk=HEAD_PK, last_seq=0, last_hash=GENESIS_HASH)], ignore_conflicts=True
        )
        heads.filter(pk=HEAD_PK).update(last_seq=F("last_seq"))
        head = heads.get(pk=HEAD_PK)
        if head.last_seq == 0 and AuditEntry.objects.using(using).exists():
            # A genesis head over existing entries: the head was removed. Refuse rather
            # than start a second chain (the transaction rolls the new head back).
            raise AuditError(
                "the audit head row is missing but the log has entries: "
                "run `pilkada audit verify` and investigate before writing"
            )
        return head
    return heads.get(pk=HEAD_PK)


def record_audit(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: Any,
    old: Any = None,
    new: Any = None,
    using: str | None = None,
) -> AuditEntry:
    """Append one entry to the log, in the caller's transaction.

    ``actor`` is the User acting, ``None`` for the system itself, or a str naming a
    component. ``old``/``new`` go through :func:`pilkada.audit.chain.to_audit_value`.
    ``request_id`` is the current request's (or command run's) id.

    Raises :class:`AuditOutsideTransaction` unless called inside ``transaction.atomic()``.
    """
    using = using or router.db_for_write(AuditEntry)
    if not connections[using].in_atomic_block:
        raise AuditOutsideTransaction(
            f"record_audit({action!r}) must run inside transaction.atomic(), in the same "
            "transaction as the change it records"
        )
    if not action or not object_type:
        raise ValueError("record_audit needs an action and an object_type")
    fields: dict[str, Any] = {
        **_actor_fields(actor),
        "action": action,
        "object_type": object_type,
        "object_id": "" if object_id is None else str(object_id),
        "old": _audit_value(old),
        "new": _audit_value(new),
        "request_id": current_request_id() or "",
    }
    head = _lock_head(using)
    # Taken after the lock, so `at` never runs backwards along the chain.
    fields.update(seq=head.last_seq + 1, at=timezone.now(), prev_hash=head.last_hash)
    entry = AuditEntry(**fields, hash=compute_hash(fields))
    entry.save(force_insert=True, using=using)
    AuditHead.objects.using(using).filter(pk=HEAD_PK).update(
        last_seq=entry.seq, last_hash=entry.hash
    )
    return entry

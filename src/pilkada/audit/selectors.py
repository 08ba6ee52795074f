"""Reading the audit log."""

from __future__ import annotations

from django.db.models import QuerySet

from pilkada.accounts import permissions

from .models import AuditEntry


def entries(*, user=None, action: str | None = None, last: int | None = None) -> list[AuditEntry]:
    """The log's entries, oldest first; with ``last``, only the newest ``last`` of them.

    ``action`` filters by action: exact, or a prefix when it ends with ``*``
    (``schedule.*``). With a ``user`` (web, API) the user needs "audit.view" and sees the
    entries of actors inside their region; without one (the command line, an operator
    with database access anyway) every entry.
    """
    qs: QuerySet[AuditEntry] = AuditEntry.objects.all()
    if user is not None:
        permissions.require(user, "audit.view")
        qs = qs.filter(permissions.scope_q(user, "region_code"))
    if action:
        if action.endswith("*"):
            qs = qs.filter(action__startswith=action[:-1])
        else:
            qs = qs.filter(action=action)
    if last is not None:
        return list(reversed(qs.order_by("-seq")[:last]))
    return list(qs.order_by("seq"))


def entries_for_request(request_id: str) -> QuerySet[AuditEntry]:
    """What one request (or command run) wrote."""
    return AuditEntry.objects.filter(request_id=request_id).order_by("seq")

"""Reading the audit log."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from pilkada.accounts import permissions

from .models import AuditEntry


def entry_queryset(*, user=None, action: str | None = None) -> QuerySet[AuditEntry]:
    """The entries a user may read (all of them without a user), filtered by ``action``:
    exact, or a prefix when it ends with ``*`` (``schedule.*``)."""
    qs: QuerySet[AuditEntry] = AuditEntry.objects.all()
    if user is not None:
        permissions.require(user, "audit.view")
        qs = qs.filter(visible_q(user))
    if action:
        if action.endswith("*"):
            qs = qs.filter(action__startswith=action[:-1])
        else:
            qs = qs.filter(action=action)
    return qs


def entries(*, user=None, action: str | None = None, last: int | None = None) -> list[AuditEntry]:
    """The log's entries, oldest first; with ``last``, only the newest ``last`` of them.

    With a ``user`` (web, API) the user needs "audit.view" and sees what ``visible_q``
    allows; without one (the command line, an operator with database access anyway) every
    entry.
    """
    qs = entry_queryset(user=user, action=action)
    if last is not None:
        return list(reversed(qs.order_by("-seq")[:last]))
    return list(qs.order_by("seq"))


def visible_q(user) -> Q:
    """Entries a user may read: those of actors inside the user's region; a province-level
    user also reads the entries of the system and of operators (no region), which act for
    the whole installation (imports, setup, schedule loads)."""
    q = permissions.scope_q(user, "region_code")
    if permissions.is_operator(user) or permissions.level_of(user.region_code or "") == "provinsi":
        q |= Q(region_code="")
    return q


def entries_for_request(request_id: str) -> QuerySet[AuditEntry]:
    """What one request (or command run) wrote."""
    return AuditEntry.objects.filter(request_id=request_id).order_by("seq")

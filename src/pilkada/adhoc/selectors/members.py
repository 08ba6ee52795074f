"""Seated members: the list per body and area, one member, and how many selected applicants
still wait for their seat -- scoped by role and region (``adhoc.view``).

Members' names, body, area and decision (SK) are public (the SK is announced); their NIK is
masked here, always (no page of this area shows it unmasked).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count

from pilkada.accounts.permissions import can, require, scope_q
from pilkada.core.masking import mask_nik
from pilkada.regions.codes import InvalidRegionCode, normalize_region_code

from ..models import Application, Body, Member

__all__ = [
    "PAGE_SIZE",
    "MemberRow",
    "member_for",
    "member_row",
    "members_page",
    "scoped_prefix",
    "waiting",
]

VIEW = "adhoc.view"
PAGE_SIZE = 100


def scoped_prefix(*, user, election, region_code: str = "", action: str = VIEW) -> str:
    """The region a read covers: ``region_code`` when the user may read it, else
    ``PermissionDenied``; without one the user's own region (the election's for the system:
    ``user`` None, or an operator)."""
    code = (region_code or "").strip()
    if code:
        try:
            code = normalize_region_code(code, allow_tps=True)
        except InvalidRegionCode as exc:
            raise PermissionDenied(f"{action}: {exc.raw!r} is not a region code") from None
        if user is not None:
            require(user, action, code)
        return code
    if user is None or not getattr(user, "role", ""):
        if user is not None:
            require(user, action, None)
        return election.region_code
    require(user, action, user.region_code)
    return user.region_code


@dataclass
class MemberRow:
    id: int
    body: str
    body_label: str
    region_code: str
    number: str
    nama: str
    jenis_kelamin: str
    nik: str  # masked
    sk_number: str
    state: str
    state_label: str
    end_reason: str
    username: str
    has_password: bool
    seated_at: object
    ended_at: object
    replaced_by: int | None


def _row(m: Member) -> MemberRow:
    a = m.application
    return MemberRow(
        id=m.pk,
        body=m.body,
        body_label=Body(m.body).label,
        region_code=m.region_code,
        number=a.number,
        nama=a.nama,
        jenis_kelamin=a.jenis_kelamin,
        nik=mask_nik(a.nik),
        sk_number=m.sk_number,
        state=m.state,
        state_label=m.get_state_display(),
        end_reason=m.get_end_reason_display() if m.end_reason else "",
        username=m.user.username if m.user else "",
        has_password=bool(m.user and m.user.has_usable_password()),
        seated_at=m.seated_at,
        ended_at=m.ended_at,
        replaced_by=m.replaced_by_id,
    )


def _members(*, user, election):
    qs = Member.objects.filter(election=election).select_related("application", "user")
    if user is not None:
        qs = qs.filter(scope_q(user, "region_code"))
    return qs


def members_page(
    *, user, election, body: str = "", region_code: str = "", state: str = "active",
    page: int = 1,
):  # fmt: skip
    """A page of members (``PAGE_SIZE``) of ``body`` (all bodies when empty) inside
    ``region_code`` (default: the user's region), ``state`` "active", "ended" or "" (all).
    Returns ``(paginator page of MemberRow, prefix)``."""
    prefix = scoped_prefix(user=user, election=election, region_code=region_code)
    qs = _members(user=user, election=election).filter(region_code__startswith=prefix)
    if body:
        qs = qs.filter(body=body)
    if state:
        qs = qs.filter(state=state)
    qs = qs.order_by("body", "region_code", "seated_at", "id")
    paginator = Paginator(qs, PAGE_SIZE)
    current = paginator.get_page(page)
    current.object_list = [_row(m) for m in current.object_list]
    return current, prefix


def member_for(*, user, member_id: int) -> Member:
    """One member, when inside the user's scope (else ``Member.DoesNotExist``: a member out
    of scope is not shown to exist)."""
    member = Member.objects.select_related("election", "application", "user", "replaced_by").get(
        pk=member_id
    )
    if user is not None and not can(user, VIEW, member.region_code):
        raise Member.DoesNotExist(f"member {member_id}")
    return member


def member_row(member: Member) -> MemberRow:
    return _row(member)


def waiting(*, user, election, region_code: str = "") -> dict[str, int]:
    """Per body, the selected applicants inside the region not seated yet."""
    prefix = scoped_prefix(user=user, election=election, region_code=region_code)
    qs = Application.objects.filter(
        election=election, region_code__startswith=prefix,
        result=Application.Result.SELECTED, member__isnull=True,
    )  # fmt: skip
    if user is not None:
        qs = qs.filter(scope_q(user, "region_code"))
    counts = dict(qs.values_list("body").annotate(n=Count("id")).values_list("body", "n"))
    return {b: counts.get(b, 0) for b in Body.values}

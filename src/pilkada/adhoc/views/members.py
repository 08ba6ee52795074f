"""Pages of seating and replacement (issue 5 part 5), under ``adhoc/anggota/``.

- the members of the officer's region per body and area, and the seating form (body, area,
  SK number) for those who seat; the result page lists the accounts made, with the
  set-password links the officer hands over (members without an email address), and the
  applicants refused with the reason;
- one member: details, the replacement (PAW) form, a new set-password link;
- the member's one-time page to set the first password (public: the link is the key).

Views only parse input and call the members services and selectors.
"""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.urls import path, reverse_lazy
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from pilkada.accounts.permissions import can
from pilkada.core.selectors import current_election_or_404 as _election
from pilkada.schedule.gate import StageClosed, is_open

from ..access import can_for_body
from ..models import Body, Member
from ..selectors import members as selectors
from ..services import members as services

#: (url name, label, what it is for, permission action; None = public), for the hub.
MENU: list[tuple] = [
    (
        "adhoc:members",
        _("Anggota dan penetapan"),
        _("menetapkan yang terpilih menjadi anggota dengan akunnya, dan penggantian antarwaktu"),
        "adhoc.view",
    ),
]


def _errors(exc) -> list[str]:
    if isinstance(exc, StageClosed):
        return [exc.decision.reason]
    return list(getattr(exc, "messages", None) or [str(exc)])


def _status(exc) -> int:
    return 403 if isinstance(exc, PermissionDenied) else 400


def _int(value, default=1):
    try:
        return max(1, int(value))
    except (TypeError, ValueError):
        return default


def _link_base(request) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _list_context(request, election, *, body="", region="", state="active", page=1) -> dict:
    members, prefix = selectors.members_page(
        user=request.user, election=election, body=body, region_code=region, state=state,
        page=page,
    )  # fmt: skip
    return {
        "election": election,
        "members": members,
        "prefix": prefix,
        "body": body,
        "region": region,
        "state": state,
        "bodies": Body.choices,
        "states": [("active", _("Aktif")), ("ended", _("Berhenti")), ("", _("Semua"))],
        "waiting": selectors.waiting(user=request.user, election=election, region_code=prefix),
        "window": is_open(election=election, action=services.APPOINT_ACTION),
        "may_seat": can(request.user, services.SEAT_PERMISSION, prefix),
    }


@login_required
@require_GET
def members(request):
    election = _election()
    get = request.GET
    body = get.get("badan", "")
    if body and body not in Body.values:
        raise Http404("no such body")
    context = _list_context(
        request, election, body=body, region=get.get("wilayah", ""),
        state=get.get("status", "active"), page=_int(get.get("halaman")),
    )  # fmt: skip
    return render(request, "adhoc/members/list.html", context)


@login_required
@require_POST
def seat(request):
    election = _election()
    post = request.POST
    body = post.get("body", "")
    region = post.get("region_code", "").strip()
    try:
        result = services.seat_members(
            election=election, actor=request.user, body=body, region_code=region,
            sk_number=post.get("sk_number", ""), link_base=_link_base(request),
        )  # fmt: skip
    except (services.MembersRefused, PermissionDenied) as exc:
        context = _list_context(request, election, body=body if body in Body.values else "")
        context.update(errors=_errors(exc), posted=post)
        return render(request, "adhoc/members/list.html", context, status=_status(exc))
    return render(request, "adhoc/members/seated.html", {"election": election, "result": result})


def _member_or_404(request, member_id) -> Member:
    try:
        return selectors.member_for(user=request.user, member_id=member_id)
    except Member.DoesNotExist:
        raise Http404("no such member") from None


def _detail(request, member, **extra):
    context = {
        "member": member,
        "row": selectors.member_row(member),
        "reasons": Member.EndReason.choices,
        "window": is_open(election=member.election, action=services.APPOINT_ACTION),
        "may_seat": can_for_body(
            request.user, services.SEAT_PERMISSION, body=member.body,
            region_code=member.region_code,
        ),
        **extra,
    }  # fmt: skip
    return render(request, "adhoc/members/detail.html", context, status=extra.get("status", 200))


@login_required
@require_GET
def member_detail(request, member_id):
    return _detail(request, _member_or_404(request, member_id))


@login_required
@require_POST
def member_replace(request, member_id):
    member = _member_or_404(request, member_id)
    post = request.POST
    try:
        out = services.replace_member(
            member_id=member.pk, actor=request.user, reason=post.get("reason", ""),
            note=post.get("note", ""), sk_number=post.get("sk_number", ""),
            link_base=_link_base(request),
        )  # fmt: skip
    except (services.MembersRefused, PermissionDenied) as exc:
        return _detail(request, member, errors=_errors(exc), posted=post, status=_status(exc))
    return render(request, "adhoc/members/replaced.html", {"out": out})


@login_required
@require_POST
def member_link(request, member_id):
    member = _member_or_404(request, member_id)
    try:
        account = services.new_account_link(
            member_id=member.pk, actor=request.user, link_base=_link_base(request)
        )
    except (services.MembersRefused, PermissionDenied) as exc:
        return _detail(request, member, errors=_errors(exc), status=_status(exc))
    return _detail(request, _member_or_404(request, member_id), account=account)


class SetPassword(auth_views.PasswordResetConfirmView):
    """The new member's first password, through the one-time link (Django's reset page with
    the members' own tokens; an ended member's deactivated account gets no password)."""

    template_name = "adhoc/members/set_password.html"
    token_generator = services.set_password_tokens
    success_url = reverse_lazy("adhoc:member_password_set")
    reset_url_token = "buat-sandi"  # noqa: S105 - the URL's word, not a secret

    def get_user(self, uidb64):
        user = super().get_user(uidb64)
        if user is None or not user.is_active or not hasattr(user, "adhoc_member"):
            return None
        return user


def password_set(request):
    return render(request, "adhoc/members/password_set.html")


urlpatterns = [
    path("adhoc/anggota/", members, name="members"),
    path("adhoc/anggota/tetapkan/", seat, name="members_seat"),
    path("adhoc/anggota/<int:member_id>/", member_detail, name="member_detail"),
    path("adhoc/anggota/<int:member_id>/ganti/", member_replace, name="member_replace"),
    path("adhoc/anggota/<int:member_id>/tautan/", member_link, name="member_link"),
    path(
        "adhoc/anggota/sandi/<uidb64>/<token>/",
        SetPassword.as_view(),
        name="member_set_password",
    ),
    path("adhoc/anggota/sandi/selesai/", password_set, name="member_password_set"),
]

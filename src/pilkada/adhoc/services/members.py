"""Seating the selected applicants as members of their body, each with an account, and
replacing a member who leaves (penggantian antarwaktu, PAW) from the area's ranked reserve
(issue 5 part 5).

Seating (:func:`seat_members`): in the areas of one body inside a region, the applications
whose result is "selected" (written by the ranking) become :class:`Member` rows with the
decision's (SK) number, best rank first, while the area has a free seat. Someone already an
active member of another body or area is refused, and so is a marriage tie with a member of
the same body in the same area (:func:`pilkada.adhoc.rules_members.ikatan_perkawinan`); each
refusal carries its reason and the rest are seated. Every seated member gets an account
(:func:`pilkada.accounts.services.create_user`, audited like any other): role
``BODY_ROLE[body]``, scoped to the member's area (for KPPS and Pantarlih the TPS), username
``<body>-<area code>-<n>`` (the lowest free n), no usable password, and a one-time link to set
one (Django's password-reset token: it dies once the password is set). The link is mailed
after commit when the applicant gave an email address and the installation sends mail and
knows its own address (``PILKADA_SITE_URL``, or the page's); otherwise it is shown to the
officer, who hands it over.

Replacement (:func:`replace_member`): the member ends (resigned, died or dismissed, with a
note), the account is deactivated, and the area's reserve with the lowest rank who is still
eligible, not seated anywhere and without a marriage tie in the body is seated with an
account; the ones passed over are listed with their reasons. With no such reserve the seat
stays open (the overview shows it).

Both need the stage action ``adhoc.appoint`` open and the permission ``adhoc.seat`` on the
body and area (:func:`pilkada.adhoc.access.require_for_body`); ``actor`` None is the system
(the operator's command line). Each runs in one transaction with its audit entry (ids and
codes only: names and NIKs stay in the tables).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pilkada.accounts.permissions import is_operator
from pilkada.accounts.services import create_user
from pilkada.audit.services import record_audit
from pilkada.core.mail import mail_enabled, send_after_commit
from pilkada.regions.codes import InvalidRegionCode, normalize_region_code
from pilkada.schedule.gate import require_open

from ..access import require_for_body
from ..models import Application, Body, Member, Opening
from ..models.applications import REASONS
from ..models.bodies import BODY_ROLE
from ..rules_members import ikatan_perkawinan

__all__ = [
    "APPOINT_ACTION",
    "SEAT_PERMISSION",
    "SKIP_REASONS",
    "Account",
    "MembersRefused",
    "Replacement",
    "Seating",
    "account_link",
    "new_account_link",
    "replace_member",
    "seat_members",
    "set_password_tokens",
]

log = logging.getLogger("pilkada.adhoc.members")

APPOINT_ACTION = "adhoc.appoint"  # the stage action (schedule)
SEAT_PERMISSION = "adhoc.seat"  # the permission (accounts.permissions)
MAX_SK = 100
MAX_NOTE = 2000


class SetPasswordTokens(PasswordResetTokenGenerator):
    """One-time links to set a new member's first password (Django's reset tokens with their
    own salt: a token for one purpose is no good for the other). A token dies when the
    password is set, and after ``PASSWORD_RESET_TIMEOUT``; the officer can make a new one."""

    key_salt = "pilkada.adhoc.members.SetPasswordTokens"


set_password_tokens = SetPasswordTokens()

#: Why a selected applicant is not seated, or a reserve is passed over.
SKIP_REASONS: dict[str, str] = {
    "no_seat": gettext_lazy("kursi di wilayah ini sudah penuh"),
    "no_opening": gettext_lazy("wilayah ini tidak mempunyai formasi"),
    "withdrawn": gettext_lazy("pendaftaran ditarik"),
    "ineligible": gettext_lazy("tidak lagi memenuhi syarat"),
    "documents_rejected": gettext_lazy("berkas dinyatakan tidak lengkap atau tidak sah"),
    "seated_elsewhere": REASONS["seated_elsewhere"],
    "marriage_tie": REASONS["marriage_tie"],
}


class MembersRefused(ValidationError):
    """The request was refused as a whole and nothing was written. ``code`` is stable (for
    tests and the command line); the message says why."""

    def __init__(self, code: str, message: str):
        self.refusal = code
        super().__init__(message, code=code)


@dataclass
class Account:
    """A member seated now, the account made for them and how its set-password link goes:
    ``mail`` is "none" (no address, no mail service or no site address: the officer hands
    ``link`` over), "pending" (sent after commit), "sent" or "failed" (hand it over)."""

    member: Member
    user: object
    link: str
    mail: str = "none"

    @property
    def hand_over(self) -> bool:
        """Whether the officer must give the link to the member."""
        return self.mail in ("none", "failed")

    def as_dict(self, *, with_link: bool = True) -> dict:
        out = {
            "member": self.member.pk,
            "application": self.member.application.number,
            "nama": self.member.application.nama,
            "region_code": self.member.region_code,
            "username": self.user.username,
            "mail": self.mail,
        }
        if with_link and self.hand_over:
            out["link"] = self.link
        return out


@dataclass
class Skipped:
    application: Application
    reason: str
    detail: str = ""

    @property
    def message(self) -> str:
        text = str(SKIP_REASONS[self.reason])
        return f"{text} ({self.detail})" if self.detail else text

    def as_dict(self) -> dict:
        return {
            "application": self.application.number,
            "region_code": self.application.region_code,
            "reason": self.reason,
            "message": self.message,
        }


@dataclass
class Seating:
    body: str
    region_code: str
    sk_number: str
    areas: int = 0
    seated: list[Account] = field(default_factory=list)
    refused: list[Skipped] = field(default_factory=list)
    #: Reserves seated (also in ``seated``) where a selected applicant could not be.
    from_reserve: list[Account] = field(default_factory=list)
    #: Seats still free in the areas after this seating.
    open_seats: int = 0

    def as_dict(self) -> dict:
        return {
            "body": self.body,
            "region_code": self.region_code,
            "sk_number": self.sk_number,
            "areas": self.areas,
            "seated": [a.as_dict() for a in self.seated],
            "refused": [s.as_dict() for s in self.refused],
            "from_reserve": [a.member.application.number for a in self.from_reserve],
            "open_seats": self.open_seats,
        }


@dataclass
class Replacement:
    ended: Member
    new: Account | None = None
    skipped: list[Skipped] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "ended": self.ended.pk,
            "reason": self.ended.end_reason,
            "body": self.ended.body,
            "region_code": self.ended.region_code,
            "new": self.new.as_dict() if self.new else None,
            "skipped": [s.as_dict() for s in self.skipped],
            "seat_open": self.new is None,
        }


# -- helpers -------------------------------------------------------------------------------


def _body(body: str) -> str:
    if str(body) not in Body.values:
        raise MembersRefused(
            "bad_body",
            _("Badan %(body)s tidak dikenal; pilih salah satu: %(bodies)s.")
            % {"body": body, "bodies": ", ".join(Body.values)},
        )
    return str(body)


def _prefix(*, election, actor, region_code: str) -> str:
    """The region to seat in: ``region_code``, else the actor's region, else the
    election's; it must lie inside the election's region."""
    code = (region_code or "").strip()
    if not code:
        if actor is not None and not is_operator(actor) and getattr(actor, "region_code", ""):
            code = actor.region_code
        else:
            code = election.region_code
    try:
        code = normalize_region_code(code, allow_tps=True)
    except InvalidRegionCode as exc:
        raise MembersRefused(
            "bad_region", _("Kode wilayah %(code)r tidak sah: %(reason)s.")
            % {"code": code, "reason": exc.reason}
        ) from None  # fmt: skip
    if not code.startswith(election.region_code):
        raise MembersRefused(
            "outside_election",
            _("Wilayah %(code)s di luar wilayah pemilihan %(election)s.")
            % {"code": code, "election": election.name},
        )
    return code


def _site_url(link_base: str) -> str:
    return (link_base or getattr(settings, "PILKADA_SITE_URL", "") or "").rstrip("/")


def account_link(user, *, link_base: str = "") -> str:
    """The one-time set-password link of ``user`` (absolute when the site's address is
    known, else the path)."""
    path = reverse(
        "adhoc:member_set_password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": set_password_tokens.make_token(user),
        },
    )
    return _site_url(link_base) + path


def _next_username(body: str, area: str, taken: dict[str, set[str]]) -> str:
    base = f"{body}-{area}-"
    if base not in taken:
        User = get_user_model()
        taken[base] = set(
            User.objects.filter(username__startswith=base).values_list("username", flat=True)
        )
    n = 1
    while f"{base}{n}" in taken[base]:
        n += 1
    username = f"{base}{n}"
    taken[base].add(username)
    return username


def _new_account(*, application: Application, body: str, area: str, taken) -> object:
    """The member's account: made by :func:`create_user` (its own audit entry, actor the
    system: the seating entry names the officer), without a usable password (the member
    sets theirs through the one-time link; no password hashing per seat)."""
    return create_user(
        actor=None,
        username=_next_username(body, area, taken),
        password=None,
        role=BODY_ROLE[body],
        region_code=area,
        full_name=application.nama,
        email=application.email or "",
    )


def _queue_mail(account: Account, *, email: str, election, link_base: str) -> None:
    """Mail the link once the seating is committed (never for a rolled-back one)."""
    if not email or not mail_enabled() or not _site_url(link_base):
        account.mail = "none"
        return
    context = {
        "nama": account.member.application.nama,
        "body": Body(account.member.body).label,
        "region_code": account.member.region_code,
        "election": election.name,
        "username": account.user.username,
        "link": account.link,
        "sk_number": account.member.sk_number,
    }
    subject = _("Akun %(body)s Anda: buat kata sandi") % {"body": context["body"]}
    body = render_to_string("adhoc/members/account_mail.txt", context)
    send_after_commit(
        subject=subject, text=body, to=email, record=account, what="member account", log=log
    )


def _seat_one(
    *, election, application: Application, sk_number: str, taken, link_base: str
) -> Account:
    user = _new_account(
        application=application, body=application.body, area=application.region_code,
        taken=taken,
    )  # fmt: skip
    member = Member.objects.create(
        election=election,
        nik=application.nik,
        body=application.body,
        region_code=application.region_code,
        application=application,
        user=user,
        sk_number=sk_number,
    )
    account = Account(member=member, user=user, link=account_link(user, link_base=link_base))
    _queue_mail(account, email=application.email, election=election, link_base=link_base)
    return account


class _Seated:
    """Who sits where now (active members), to refuse a second seat and marriage ties."""

    def __init__(self, *, election, body: str, prefix: str, niks):
        active = Member.objects.filter(election=election, state=Member.State.ACTIVE)
        self.where: dict[str, tuple[str, str]] = {
            nik: (b, area)
            for nik, b, area in active.filter(application__nik__in=niks).values_list(
                "application__nik", "body", "region_code"
            )
        }
        #: area -> NKK of the married members of the body there.
        self.married: dict[str, set[str]] = {}
        for area, nkk in (
            active.filter(body=body, region_code__startswith=prefix, application__status_kawin="S")
            .exclude(application__nkk="")
            .values_list("region_code", "application__nkk")
        ):
            self.married.setdefault(area, set()).add(nkk)

    def why_not(self, application: Application) -> Skipped | None:
        where = self.where.get(application.nik)
        if where is not None:
            return Skipped(application, "seated_elsewhere", f"{Body(where[0]).label} {where[1]}")
        nkk = application.nkk
        if nkk in self.married.get(application.region_code, ()) and ikatan_perkawinan(
            nkk_a=nkk, status_kawin_a=application.status_kawin, nkk_b=nkk, status_kawin_b="S"
        ):
            return Skipped(application, "marriage_tie")
        return None

    def add(self, application: Application) -> None:
        self.where[application.nik] = (application.body, application.region_code)
        if application.nkk and application.status_kawin == "S":
            self.married.setdefault(application.region_code, set()).add(application.nkk)


#: Refusals that leave no seat to fill from the reserve (the area is full, or has no opening).
NO_FILL = frozenset({"no_seat", "no_opening"})


def _ranked(queryset):
    return queryset.order_by("region_code", F("rank").asc(nulls_last=True), "number")


# -- seating -------------------------------------------------------------------------------


def seat_members(
    *, election, actor, body: str, sk_number: str, region_code: str = "", link_base: str = ""
) -> Seating:
    """Seat the selected applicants of ``body`` in the areas inside ``region_code`` (default:
    the actor's region, for the system the election's) under decision ``sk_number``.

    Returns a :class:`Seating`: the accounts made (with the links to hand over), the
    applicants refused with the reason, the seats still open. Raises
    :class:`MembersRefused` (bad input, no openings there),
    :class:`pilkada.schedule.gate.StageClosed` or ``PermissionDenied``; then nothing changed.
    """
    body = _body(body)
    sk = " ".join((sk_number or "").split())
    if not sk:
        raise MembersRefused("sk_missing", _("Nomor SK penetapan wajib diisi."))
    if len(sk) > MAX_SK:
        raise MembersRefused("sk_too_long", _("Nomor SK terlalu panjang."))
    prefix = _prefix(election=election, actor=actor, region_code=region_code)
    with transaction.atomic():
        require_open(election=election, action=APPOINT_ACTION)
        if actor is not None:
            require_for_body(actor, SEAT_PERMISSION, body=body, region_code=prefix)
        openings = {
            o.region_code: o
            for o in Opening.objects.select_for_update().filter(
                election=election, body=body, region_code__startswith=prefix
            )
        }
        if not openings:
            raise MembersRefused(
                "no_openings",
                _("Belum ada formasi %(body)s di wilayah %(code)s: bentuk formasi dahulu.")
                % {"body": Body(body).label, "code": prefix},
            )
        filled = dict.fromkeys(openings, 0)
        for area in Member.objects.filter(
            election=election, body=body, region_code__startswith=prefix,
            state=Member.State.ACTIVE,
        ).values_list("region_code", flat=True):  # fmt: skip
            filled[area] = filled.get(area, 0) + 1
        waiting = Application.objects.filter(
            election=election, body=body, region_code__startswith=prefix,
            result=Application.Result.SELECTED, member__isnull=True,
        )  # fmt: skip
        seated = _Seated(election=election, body=body, prefix=prefix, niks=waiting.values("nik"))
        waiting = waiting.select_for_update(of=("self",))
        result = Seating(body=body, region_code=prefix, sk_number=sk, areas=len(openings))
        taken: dict[str, set[str]] = {}
        for application in _ranked(waiting):
            area = application.region_code
            skip = None
            if area not in openings:
                skip = Skipped(application, "no_opening")
            elif application.state != Application.State.SUBMITTED:
                skip = Skipped(application, "withdrawn")
            elif application.eligibility == Application.Check.INELIGIBLE:
                skip = Skipped(application, "ineligible")
            elif application.documents_ok is False:
                skip = Skipped(application, "documents_rejected")
            else:
                skip = seated.why_not(application)
            if skip is None and filled[area] >= openings[area].seats:
                skip = Skipped(application, "no_seat", f"{openings[area].seats}")
            if skip is not None:
                result.refused.append(skip)
                continue
            result.seated.append(
                _seat_one(
                    election=election, application=application, sk_number=sk, taken=taken,
                    link_base=link_base,
                )
            )  # fmt: skip
            seated.add(application)
            filled[area] += 1
        # A selected applicant who cannot be seated leaves the seat to the area's reserve, in
        # the order of the ranking, as a replacement does.
        short = {s.application.region_code for s in result.refused if s.reason not in NO_FILL}
        for area in sorted(short):
            while filled[area] < openings[area].seats:
                reserve, _passed = _next_reserve(
                    election=election, body=body, region_code=area, seated=seated
                )
                if reserve is None:
                    break
                account = _seat_one(
                    election=election, application=reserve, sk_number=sk, taken=taken,
                    link_base=link_base,
                )  # fmt: skip
                result.seated.append(account)
                result.from_reserve.append(account)
                seated.add(reserve)
                filled[area] += 1
        result.open_seats = sum(max(0, o.seats - filled[a]) for a, o in openings.items())
        record_audit(
            actor=actor,
            action="adhoc.seat",
            object_type="adhoc.Opening",
            object_id=f"{body}:{prefix}",
            new={
                "sk_number": sk,
                "areas": len(openings),
                "seated": [
                    {
                        "member": a.member.pk,
                        "application": a.member.application_id,
                        "user": a.user.pk,
                        "area": a.member.region_code,
                    }
                    for a in result.seated
                ],
                "refused": [
                    {"application": s.application.pk, "reason": s.reason} for s in result.refused
                ],
                "from_reserve": [a.member.application_id for a in result.from_reserve],
                "open_seats": result.open_seats,
            },
        )
    return result


# -- replacement (PAW) ---------------------------------------------------------------------


def _next_reserve(
    *, election, body: str, region_code: str, seated: _Seated
) -> tuple[Application | None, list]:
    """The area's best-ranked reserve who may be seated, and the ones passed over."""
    skipped: list[Skipped] = []
    reserves = _ranked(
        Application.objects.select_for_update(of=("self",)).filter(
            election=election, body=body, region_code=region_code,
            result=Application.Result.RESERVE, member__isnull=True,
        )
    )  # fmt: skip
    for application in reserves:
        if application.state != Application.State.SUBMITTED:
            skipped.append(Skipped(application, "withdrawn"))
        elif application.eligibility != Application.Check.ELIGIBLE:
            skipped.append(Skipped(application, "ineligible"))
        elif application.documents_ok is False:
            skipped.append(Skipped(application, "documents_rejected"))
        elif (why := seated.why_not(application)) is not None:
            skipped.append(why)
        else:
            return application, skipped
    return None, skipped


def replace_member(
    *, member_id: int, actor, reason: str, note: str = "", sk_number: str = "",
    link_base: str = "",
) -> Replacement:  # fmt: skip
    """End member ``member_id`` (``reason``: resigned, died or dismissed; ``note`` says more)
    and seat the area's next eligible reserve in the place (decision ``sk_number``, the PAW
    SK; default the ended member's). Returns a :class:`Replacement` (``new`` None: no
    reserve, the seat stays open). Raises :class:`MembersRefused`, ``Member.DoesNotExist``,
    ``StageClosed`` or ``PermissionDenied``; then nothing changed."""
    if reason not in Member.EndReason.values:
        raise MembersRefused(
            "bad_reason",
            _("Alasan berhenti %(reason)r tidak dikenal; pilih salah satu: %(reasons)s.")
            % {"reason": reason, "reasons": ", ".join(Member.EndReason.values)},
        )
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise MembersRefused(
            "note_too_long", _("Keterangan paling banyak %(n)d karakter.") % {"n": MAX_NOTE}
        )
    sk = " ".join((sk_number or "").split())
    if len(sk) > MAX_SK:
        raise MembersRefused("sk_too_long", _("Nomor SK terlalu panjang."))
    with transaction.atomic():
        member = (
            Member.objects.select_for_update(of=("self",))
            .select_related("election", "application", "user")
            .get(pk=member_id)
        )
        election = member.election
        require_open(election=election, action=APPOINT_ACTION)
        if actor is not None:
            require_for_body(
                actor, SEAT_PERMISSION, body=member.body, region_code=member.region_code
            )
        if member.state != Member.State.ACTIVE:
            raise MembersRefused(
                "not_active",
                _("Anggota ini sudah berhenti (%(reason)s, %(when)s).")
                % {
                    "reason": member.get_end_reason_display(),
                    "when": timezone.localtime(member.ended_at).strftime("%Y-%m-%d")
                    if member.ended_at else "-",
                },
            )  # fmt: skip
        old = {"state": member.state, "user": member.user_id,
               "user_active": bool(member.user and member.user.is_active)}  # fmt: skip
        member.state = Member.State.ENDED
        member.end_reason = reason
        member.end_note = note
        member.ended_at = timezone.now()
        member.save(update_fields=["state", "end_reason", "end_note", "ended_at"])
        if member.user is not None and member.user.is_active:
            member.user.is_active = False
            member.user.save(update_fields=["is_active"])
        out = Replacement(ended=member)
        # Locked: two replacements in one area take turns (PostgreSQL), so the second sees
        # the first's new member and never picks the same reserve.
        opening = (
            Opening.objects.select_for_update()
            .filter(election=election, body=member.body, region_code=member.region_code)
            .first()
        )
        active = Member.objects.filter(
            election=election, body=member.body, region_code=member.region_code,
            state=Member.State.ACTIVE,
        ).count()  # fmt: skip
        if opening is not None and active < opening.seats:
            seated = _Seated(
                election=election, body=member.body, prefix=member.region_code,
                niks=Application.objects.filter(
                    election=election, body=member.body, region_code=member.region_code,
                    result=Application.Result.RESERVE, member__isnull=True,
                ).values("nik"),
            )  # fmt: skip
            reserve, out.skipped = _next_reserve(
                election=election, body=member.body, region_code=member.region_code,
                seated=seated,
            )  # fmt: skip
            if reserve is not None:
                out.new = _seat_one(
                    election=election, application=reserve,
                    sk_number=sk or member.sk_number, taken={}, link_base=link_base,
                )  # fmt: skip
                member.replaced_by = out.new.member
                member.save(update_fields=["replaced_by"])
        record_audit(
            actor=actor,
            action="adhoc.replace",
            object_type="adhoc.Member",
            object_id=member.pk,
            old=old,
            new={
                "state": member.state,
                "end_reason": reason,
                "end_note": note,
                "user_active": False,
                "replaced_by": out.new.member.pk if out.new else None,
                "new_application": out.new.member.application_id if out.new else None,
                "new_user": out.new.user.pk if out.new else None,
                "sk_number": out.new.member.sk_number if out.new else None,
                "skipped": [
                    {"application": s.application.pk, "reason": s.reason} for s in out.skipped
                ],
                "seat_open": out.new is None,
            },
        )
    return out


def new_account_link(*, member_id: int, actor, link_base: str = "") -> Account:
    """A new set-password link for an active member whose account has no password yet (the
    first expired or was lost); mailed like the first. Earlier links stay valid until the
    password is set or they expire (Django's tokens cannot be revoked one by one)."""
    with transaction.atomic():
        member = Member.objects.select_related("election", "application", "user").get(pk=member_id)
        if actor is not None:
            require_for_body(
                actor, SEAT_PERMISSION, body=member.body, region_code=member.region_code
            )
        user = member.user
        if member.state != Member.State.ACTIVE or user is None or not user.is_active:
            raise MembersRefused("not_active", _("Anggota ini tidak aktif."))
        if user.has_usable_password():
            raise MembersRefused(
                "password_set", _("Anggota ini sudah membuat kata sandi; tautan tidak diperlukan.")
            )
        account = Account(member=member, user=user, link=account_link(user, link_base=link_base))
        _queue_mail(
            account, email=member.application.email, election=member.election, link_base=link_base
        )
        record_audit(
            actor=actor,
            action="adhoc.member_link",
            object_type="adhoc.Member",
            object_id=member.pk,
            new={"user": user.pk, "mail": account.mail},
        )
    return account

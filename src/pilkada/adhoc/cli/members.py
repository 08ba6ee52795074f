"""`pilkada adhoc seat | replace | overview`: seat the selected applicants with their
accounts, replace a member from the reserve (PAW), and the overview of seats and the TPS
still without a full KPPS or Pantarlih.

The set-password links of members without an email address (or when no mail goes out) are
printed: the officer hands them over. Without ``--as`` the command acts as the system."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from ..models import Body, Member
from ..selectors.overview import overview, urgent_tps
from ..services.members import MembersRefused, replace_member, seat_members
from .common import EXIT_REFUSED, EXIT_USAGE, election_of, user_of


def add_parsers(sub) -> dict:
    p = sub.add_parser("seat", help="seat the selected applicants of a body (SK) with accounts")
    p.add_argument("--body", required=True, choices=Body.values)
    p.add_argument("--region", default="", help="a region code (default: the whole election)")
    p.add_argument("--sk", required=True, metavar="NUMBER", help="the decision (SK) number")
    p.add_argument("--site-url", default="", help="address of the site for the links")
    p.add_argument("--election", metavar="SLUG")
    p.add_argument("--as", dest="username", metavar="USERNAME")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("replace", help="end a member and seat the next reserve (PAW)")
    p.add_argument("member_id", type=int, metavar="MEMBER_ID")
    p.add_argument("--reason", required=True, choices=Member.EndReason.values)
    p.add_argument("--note", default="")
    p.add_argument("--sk", default="", metavar="NUMBER", help="the PAW decision (SK) number")
    p.add_argument("--site-url", default="", help="address of the site for the links")
    p.add_argument("--as", dest="username", metavar="USERNAME")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("overview", help="seats filled and open, women, TPS still short")
    p.add_argument("--body", default="", choices=["", *Body.values])
    p.add_argument("--region", default="")
    p.add_argument("--areas", action="store_true", help="every area's row (JSON: always)")
    p.add_argument("--limit", type=int, default=20, help="urgent TPS printed (text only)")
    p.add_argument("--election", metavar="SLUG")
    p.add_argument("--as", dest="username", metavar="USERNAME")
    p.add_argument("--json", action="store_true")
    return {"seat": _seat, "replace": _replace, "overview": _overview}


#: Refusals for the state of things (not bad input): exit code 3 like a closed window.
_STATE_REFUSALS = {"no_openings", "not_active", "password_set"}


def _refused(exc) -> CommandError:
    if isinstance(exc, MembersRefused):
        code = EXIT_REFUSED if exc.refusal in _STATE_REFUSALS else EXIT_USAGE
        return CommandError(f"refused ({exc.refusal}): {exc.messages[0]}", returncode=code)
    return CommandError(f"refused: {exc}", returncode=EXIT_REFUSED)


def _seat(command, options):
    election = election_of(options["election"])
    try:
        out = seat_members(
            election=election, actor=user_of(options["username"]), body=options["body"],
            region_code=options["region"], sk_number=options["sk"],
            link_base=options["site_url"],
        )  # fmt: skip
    except (MembersRefused, PermissionDenied) as exc:
        raise _refused(exc) from None
    data = out.as_dict()
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2))
        return
    command.stdout.write(
        f"{out.body} {out.region_code} SK {out.sk_number}: {len(out.seated):,} seated, "
        f"{len(out.refused):,} refused, {out.open_seats:,} seats still open in {out.areas:,} areas"
    )
    for a in data["seated"]:
        line = f"  seated {a['application']} {a['region_code']} -> {a['username']}"
        command.stdout.write(line + (f"  link: {a['link']}" if "link" in a else "  (mailed)"))
    for r in data["refused"]:
        command.stdout.write(f"  refused {r['application']} {r['region_code']}: {r['message']}")


def _replace(command, options):
    try:
        out = replace_member(
            member_id=options["member_id"], actor=user_of(options["username"]),
            reason=options["reason"], note=options["note"], sk_number=options["sk"],
            link_base=options["site_url"],
        )  # fmt: skip
    except Member.DoesNotExist:
        raise CommandError(f"no member {options['member_id']}", returncode=EXIT_USAGE) from None
    except (MembersRefused, PermissionDenied) as exc:
        raise _refused(exc) from None
    data = out.as_dict()
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2))
        return
    command.stdout.write(f"member {out.ended.pk} ended ({out.ended.end_reason})")
    for s in data["skipped"]:
        command.stdout.write(f"  passed over {s['application']}: {s['message']}")
    if out.new is None:
        command.stdout.write("no eligible reserve: the seat stays open")
        return
    new = data["new"]
    line = f"seated {new['application']} as member {new['member']} -> {new['username']}"
    command.stdout.write(line + (f"  link: {new['link']}" if "link" in new else "  (mailed)"))


def _overview(command, options):
    election = election_of(options["election"])
    user = user_of(options["username"])
    try:
        data = overview(
            user=user, election=election, body=options["body"], region_code=options["region"],
            areas=options["areas"] or options["json"],
        )  # fmt: skip
        urgent, total = urgent_tps(
            user=user, election=election, body=options["body"], region_code=options["region"],
            limit=None if options["json"] else options["limit"],
        )  # fmt: skip
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    if options["json"]:
        out = {
            "region_code": data["region_code"],
            "bodies": [r.as_dict() for r in data["bodies"]],
            "areas": [r.as_dict() for r in data["areas"]],
            "urgent_tps_total": total,
            "urgent_tps": [u.as_dict() for u in urgent],
        }
        command.stdout.write(json.dumps(out, indent=2))
        return
    command.stdout.write(f"region {data['region_code']}")
    for r in data["bodies"]:
        command.stdout.write(
            f"{r.body:<10} {r.areas:>7,} areas {r.seats:>8,} seats {r.filled:>8,} filled "
            f"{r.open:>8,} open  women {r.women:,}, 30% met in {r.women_met:,} areas, "
            f"missed in {r.women_missed:,}"
        )
    for r in data.get("areas", []):
        command.stdout.write(
            f"  {r.body:<10} {r.region_code:<13} {r.filled}/{r.seats} women {r.women}"
            + ("" if r.women_met else "  (30% women missed)")
        )
    command.stdout.write(f"TPS without a full KPPS or Pantarlih: {total:,}")
    for u in urgent:
        days = "no deadline" if u.days_left is None else f"{u.days_left} days left"
        command.stdout.write(
            f"  {u.tps_code} {u.body:<10} {u.filled}/{u.seats} ({u.missing} missing), "
            f"deadline {u.deadline or '-'}, {days}"
        )

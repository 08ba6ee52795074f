"""`pilkada voters eligibility`: mark TMS 3 (under age), 6 (TNI) and 7 (Polri) from data."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.schedule.gate import StageClosed

from ..services.eligibility import MemberListRejected, check_eligibility, read_member_list

EXIT_BAD_FILE = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3


def add_parsers(sub) -> dict:
    p = sub.add_parser(
        "eligibility",
        help="mark pending voters TMS 3 (under age on voting day), 6 (TNI), 7 (Polri)",
        description=(
            "Applies the eligibility rules that data alone can decide to the rows still "
            "pending: under 17 on the election's voting day and never married (TMS 3); NIK "
            "on the list of active TNI (TMS 6) or Polri (TMS 7) members. A list file is a "
            "CSV with a nik column or one NIK per line; invalid lines are reported."
        ),
    )
    p.add_argument("--tni", metavar="FILE", help="NIKs of active TNI members")
    p.add_argument("--polri", metavar="FILE", help="NIKs of active Polri members")
    p.add_argument("--election", metavar="SLUG")
    p.add_argument("--as", dest="username", metavar="USERNAME")
    p.add_argument("--json", action="store_true")
    return {"eligibility": run}


def run(command, options):
    election = command._election(options["election"])
    actor = command._user(options["username"])
    lists = {}
    for name in ("tni", "polri"):
        if options[name]:
            try:
                lists[name] = read_member_list(options[name])
            except MemberListRejected as exc:
                raise CommandError(
                    f"{exc}. Nothing was marked.", returncode=EXIT_BAD_FILE
                ) from None
    try:
        result = check_eligibility(election=election, actor=actor, **lists)
    except StageClosed as exc:
        raise CommandError(
            f"refused: {exc.decision.reason}. Nothing was marked.", returncode=EXIT_REFUSED
        ) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    data = result.as_dict()
    data["rejected_lines"] = {k: v.rejected for k, v in lists.items()}
    if options["json"]:
        command.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        return
    out = command.stdout.write
    out(command.style.SUCCESS(f"eligibility checked as of voting day {result.voting_day}"))
    out(f"  TMS 3 di bawah umur {result.di_bawah_umur:>10,}")
    out(f"  TMS 6 TNI           {result.tni:>10,}")
    out(f"  TMS 7 Polri         {result.polri:>10,}")
    for name, members in lists.items():
        out(f"  {name} list {members.file_name}: {len(members.niks):,} NIKs, "
            f"{len(members.rejected):,} lines rejected")
        for row in members.rejected[:20]:
            out(f"    line {row['line']}: {row['value']!r} {row['reason']}")

"""`pilkada adhoc` subcommands of the applications area, through the same services and
selectors as the pages:

* ``check [--body B] [--region CODE] [--as USER] [--json]`` -- run the system's eligibility
  checks; prints the counts per outcome, reason and warning;
* ``applications [--body B] [--region CODE] [--status S] [--reason R] [--as USER] [--json]``
  -- the applications in scope, NIK and name masked, with their outcome and reasons.

Exit status: 0 done; 2 bad usage; 3 refused (no permission, outside the scope, or the
selection stage closed).
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.core.masking import mask_name, mask_nik
from pilkada.engine.adhoc_eligibility import REASONS

from ..models import Body
from ..selectors import applications as selectors
from ..services.eligibility import run_checks
from .common import EXIT_REFUSED, EXIT_USAGE, election_of, user_of

LIST_LIMIT = 1000


def add_parsers(sub) -> dict:
    chk = sub.add_parser(
        "check",
        help="run the system's eligibility checks of the applications (counts per reason)",
        description="Without --body, every body the user recruits (all for the system). "
        "Exit status: 0 done; 2 bad usage; 3 refused (permission, scope or stage window).",
    )
    chk.add_argument("--body", choices=Body.values)
    chk.add_argument("--region", default="", metavar="CODE", help="a region code prefix")
    chk.add_argument("--as", dest="username", metavar="USERNAME")
    chk.add_argument("--election", metavar="SLUG")
    chk.add_argument("--json", action="store_true")

    lst = sub.add_parser(
        "applications",
        help="the applications in scope (NIK and name masked), with the checks' outcome",
    )
    lst.add_argument("--body", choices=Body.values)
    lst.add_argument("--region", default="", metavar="CODE", help="a region code prefix")
    lst.add_argument("--status", choices=selectors.STATUS_FILTERS)
    lst.add_argument("--reason", choices=REASONS)
    lst.add_argument("--limit", type=int, default=LIST_LIMIT, help="rows (default %(default)s)")
    lst.add_argument("--as", dest="username", metavar="USERNAME")
    lst.add_argument("--election", metavar="SLUG")
    lst.add_argument("--json", action="store_true")
    return {"check": _check, "applications": _applications}


def _check(command, options):
    election = election_of(options["election"])
    try:
        outcome = run_checks(
            election=election,
            actor=user_of(options["username"]),
            body=options["body"],
            region_prefix=options["region"],
        )
    except PermissionDenied as exc:  # StageClosed is one too
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    out = outcome.as_dict()
    if options["json"]:
        command.stdout.write(json.dumps(out, indent=2))
        return
    command.stdout.write(
        f"checked {out['applications']:,} applications ({', '.join(out['bodies'])}) in "
        f"{out['region_prefix']}: {out['by_eligibility']['eligible']:,} eligible, "
        f"{out['by_eligibility']['ineligible']:,} ineligible ({out['stages']['total']} s)"
    )
    for reason, n in out["by_reason"].items():
        if n:
            command.stdout.write(f"  {reason:<26} {n:>8,}")
    for warning, n in out["by_warning"].items():
        if n:
            command.stdout.write(f"  warning {warning:<18} {n:>8,}")


def _applications(command, options):
    election = election_of(options["election"])
    user = user_of(options["username"])
    if options["limit"] < 1:
        raise CommandError("--limit must be at least 1", returncode=EXIT_USAGE)
    filters = {
        "body": options["body"] or "",
        "region": options["region"],
        "status": options["status"] or "",
        "reason": options["reason"] or "",
    }
    qs = selectors.applications_for(user, election=election, **filters)
    counts = selectors.check_counts(user, election=election, body=filters["body"],
                                    region=filters["region"])  # fmt: skip
    rows = [
        {
            "number": a.number, "body": a.body, "region_code": a.region_code,
            "nik": mask_nik(a.nik), "nama": mask_name(a.nama), "eligibility": a.eligibility,
            "reasons": a.reasons, "warnings": a.warnings, "documents_ok": a.documents_ok,
        }
        for a in qs[: options["limit"]]
    ]  # fmt: skip
    total = qs.count()
    if options["json"]:
        command.stdout.write(json.dumps({"total": total, "counts": counts, "rows": rows},
                                        indent=2))  # fmt: skip
        return
    for r in rows:
        command.stdout.write(
            f"{r['number']:<14} {r['body']:<9} {r['region_code']:<13} {r['nik']} "
            f"{r['eligibility']:<10} {','.join(r['reasons']) or '-'}"
        )
    command.stdout.write(f"{total:,} applications ({len(rows):,} shown)")

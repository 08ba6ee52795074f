"""`pilkada voters` subcommands: coklit -- `coklit-progress` prints the coklit counts per
region (the same selector as the progress page)."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.regions.codes import InvalidRegionCode

from ..selectors.coklit import coklit_progress

EXIT_REFUSED = 3
EXIT_USAGE = 2
TMS_CODES = range(1, 9)


def add_parsers(sub) -> dict:
    p = sub.add_parser(
        "coklit-progress",
        help="coklit progress per region: pending, MS, TMS by code, changed, new",
        description=(
            "Counts of the coklit per child region of --region (default: the election's "
            "region, or the --as officer's scope): voters, pending, MS, TMS and TMS per code "
            "1-8, changed data, moved TPS, new voters and pending flagged rows. "
            "Exit status: 0; 2 bad region; 3 outside the officer's scope."
        ),
    )
    p.add_argument("--region", metavar="CODE", help="a region or TPS code")
    p.add_argument("--election", metavar="SLUG", help="default: the only election")
    p.add_argument("--as", dest="username", metavar="USERNAME", help="show as this officer")
    p.add_argument("--json", action="store_true", help="print JSON")
    return {"coklit-progress": progress}


def progress(command, options):
    election = command._election(options["election"])
    actor = command._user(options["username"])
    try:
        page = coklit_progress(user=actor, election=election, region_code=options["region"])
    except (InvalidRegionCode, KeyError, ValueError) as exc:
        message = f"bad region {options['region']!r}: {exc}"
        raise CommandError(message, returncode=EXIT_USAGE) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    if options["json"]:
        command.stdout.write(json.dumps(page.as_dict(), ensure_ascii=False, indent=2))
        return
    out = command.stdout.write
    tms_head = " ".join(f"{'T' + str(c):>5}" for c in TMS_CODES)
    out(f"coklit progress {election.slug} {page.region_code} {page.name}")
    out(
        f"{'region':<15} {'name':<24} {'voters':>8} {'pending':>8} {'MS':>8} {'TMS':>6} "
        f"{tms_head} {'changed':>7} {'moved':>6} {'new':>5} {'flagged':>7} {'done%':>5}"
    )
    for r in [*page.rows, page.total]:
        by_code = " ".join(f"{r.tms_by_code.get(c, 0):>5}" for c in TMS_CODES)
        label = "TOTAL" if r is page.total else (r.code or "(no TPS)")
        out(
            f"{label:<15} {r.name[:24]:<24} {r.total:>8,} {r.pending:>8,} {r.ms:>8,} "
            f"{r.tms:>6,} {by_code} {r.changed:>7,} {r.moved:>6,} {r.new:>5,} "
            f"{r.flagged:>7,} {r.percent:>5}"
        )

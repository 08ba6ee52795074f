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
    a = sub.add_parser(
        "coklit-apply",
        help="apply coklit results from a CSV (nik,hasil,kode_tms,catatan)",
        description=(
            "Applies coklit marks collected offline (e.g. a PPS typing up the Pantarlih's "
            "forms): one row per voter with columns nik, hasil (MS or TMS), kode_tms (1-8 "
            "for TMS) and catatan (the evidence note, required for TMS). Every row goes "
            "through the same service as the coklit page, with the --as officer's scope and "
            "the coklit window; each row is applied or rejected with its line and reason, "
            "and the counts reconcile. All in one transaction: an interrupted run changes "
            "nothing. Exit status: 0 all applied; 1 some rows rejected (the others applied); "
            "2 bad usage or unreadable file; 3 refused (window closed, no permission)."
        ),
    )
    a.add_argument("file", metavar="FILE")
    a.add_argument("--as", dest="username", metavar="USERNAME", required=True)
    a.add_argument("--election", metavar="SLUG", help="default: the only election")
    a.add_argument("--rejects", metavar="FILE", help="write the rejected rows here (CSV)")
    a.add_argument("--json", action="store_true", help="print a JSON summary")
    return {"coklit-progress": progress, "coklit-apply": apply_file}


def apply_file(command, options):
    from ..services.coklit_file import CoklitFileRefused, apply_coklit_file

    election = command._election(options["election"])
    actor = command._user(options["username"])
    try:
        result = apply_coklit_file(election=election, actor=actor, path=options["file"])
    except CoklitFileRefused as exc:
        raise CommandError(f"{exc} Nothing was applied.", returncode=exc.returncode) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    if options["rejects"]:
        result.write_rejects(options["rejects"])
    if options["json"]:
        command.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
    else:
        out = command.stdout.write
        out(f"rows {result.rows:,}: applied {result.applied:,} (MS {result.ms:,}, TMS "
            f"{result.tms:,}), rejected {len(result.rejected):,}")  # fmt: skip
        for row in result.rejected[:50]:
            out(f"  line {row['line']}: {row['reason']}")
    if result.rejected:
        raise CommandError(
            f"{len(result.rejected):,} rows rejected (the others were applied)", returncode=1
        )


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

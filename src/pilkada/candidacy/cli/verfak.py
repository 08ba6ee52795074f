"""`pilkada candidacy verfak ...`: verifikasi faktual from the command line, through the same
services and selectors as the pages.

* ``verfak import FILE --as USER`` -- apply a CSV of outcomes (``nik,outcome,method,
  denial_form,note``; optional ``paslon`` for a held supporter's choice);
* ``verfak record --supporter ID --outcome OUTCOME --as USER`` -- one record (``--choose
  PAIR`` or ``--choose none`` for a supporter listed by several pairs);
* ``verfak progress [--paslon N] [--region CODE] [--json]`` -- counts per area;
* ``verfak expire --as USER`` -- not-found supporters past the deadline become TMS.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.regions.codes import InvalidRegionCode
from pilkada.schedule.gate import StageClosed

from ..models import FactualCheck
from ..selectors import verfak as selectors
from ..services import verfak as services
from .common import EXIT_BAD_FILE, EXIT_REFUSED, EXIT_USAGE, election_of, user_of


def add_parsers(sub) -> dict:
    v = sub.add_parser(
        "verfak",
        help="verifikasi faktual: import outcomes, record one, progress, close deadlines",
        description=(
            "Verifikasi faktual of supporters (PKPU 8/2024): the PPS of the supporter's "
            "kelurahan records met_confirms (MS), met_denies (TMS, with the denial form "
            "number), not_found (the pair may bring them within "
            "PILKADA_VERFAK_NOT_FOUND_DAYS days, then TMS) or deceased (TMS). "
            "Exit status: 0 done; 1 some rows rejected / unreadable file; 2 bad usage; "
            "3 refused (window closed, no permission)."
        ),
    )
    vs = v.add_subparsers(dest="verfak_command", required=True, metavar="COMMAND")

    imp = vs.add_parser(
        "import",
        help="apply a CSV of outcomes: nik,outcome,method,denial_form,note[,paslon]",
        description=(
            "Each row is applied through the same service as the page (the --as officer's "
            "scope, the stage window, the deadline) or rejected with its line and reason; "
            "rows = applied + rejected. One transaction: an interrupted run changes nothing. "
            "Column paslon: the id of the pair a supporter listed by several pairs chose "
            "(with outcome met_confirms); met_denies without it denies every pair."
        ),
    )
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--as", dest="username", metavar="USERNAME", required=True)
    imp.add_argument("--paslon", type=int, metavar="N", help="only this pair's supporters")
    imp.add_argument("--election", metavar="SLUG")
    imp.add_argument("--rejects", metavar="FILE", help="write the rejected rows here (CSV)")
    imp.add_argument("--json", action="store_true")

    rec = vs.add_parser("record", help="record one outcome for one supporter")
    rec.add_argument("--supporter", type=int, required=True, metavar="ID")
    rec.add_argument("--outcome", choices=[str(o) for o in services.RECORDABLE_OUTCOMES])
    rec.add_argument(
        "--choose",
        metavar="PAIR|none",
        help="a supporter listed by several pairs: the id of the pair they support, or none",
    )
    rec.add_argument("--method", default="visit", choices=FactualCheck.Method.values)
    rec.add_argument("--denial-form", default="", metavar="NUMBER")
    rec.add_argument("--note", default="")
    rec.add_argument("--as", dest="username", metavar="USERNAME", required=True)
    rec.add_argument("--json", action="store_true")

    prog = vs.add_parser("progress", help="pending, MS and TMS per outcome per area")
    prog.add_argument("--paslon", type=int, metavar="N", help="one pair (default: all)")
    prog.add_argument("--region", metavar="CODE", help="default: the election's region")
    prog.add_argument("--election", metavar="SLUG")
    prog.add_argument("--as", dest="username", metavar="USERNAME", help="show as this officer")
    prog.add_argument("--json", action="store_true")

    exp = vs.add_parser("expire", help="not-found supporters past the deadline become TMS")
    exp.add_argument("--as", dest="username", metavar="USERNAME")
    exp.add_argument("--election", metavar="SLUG")
    exp.add_argument("--json", action="store_true")
    return {"verfak": _dispatch}


def _dispatch(command, options):
    handler = {"import": _import, "record": _record, "progress": _progress, "expire": _expire}
    return handler[options["verfak_command"]](command, options)


def _import(command, options):
    election = election_of(options["election"])
    actor = user_of(options["username"])
    try:
        result = services.apply_verfak_file(
            election=election, actor=actor, data=options["file"], pair=options["paslon"]
        )
    except services.VerfakFileRefused as exc:
        code = EXIT_REFUSED if exc.returncode == 3 else EXIT_BAD_FILE
        raise CommandError(f"{options['file']}: {exc} Nothing was applied.",
                           returncode=code) from None  # fmt: skip
    if options["rejects"]:
        result.write_rejects(options["rejects"])
    data = result.as_dict()
    if options["json"]:
        command.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        out = command.stdout.write
        by = ", ".join(f"{k} {n:,}" for k, n in data["by_outcome"].items()) or "-"
        out(f"rows {data['rows']:,}: applied {data['applied']:,} ({by}), "
            f"rejected {data['rejected']:,}")  # fmt: skip
        for row in result.rejected[:50]:
            out(f"  line {row['line']}: {row['reason']}")
    if result.rejected:
        raise CommandError(
            f"{len(result.rejected):,} rows rejected (the others were applied)", returncode=1
        )


def _record(command, options):
    actor = user_of(options["username"])
    if bool(options["outcome"]) == bool(options["choose"]):
        raise CommandError("give either --outcome or --choose", returncode=EXIT_USAGE)
    kwargs = {
        "supporter": options["supporter"],
        "actor": actor,
        "method": options["method"],
        "denial_form": options["denial_form"],
        "note": options["note"],
    }
    try:
        if options["choose"]:
            checks = services.record_held_choice(pair=options["choose"], **kwargs)
        else:
            checks = services.record_factual_check(outcome=options["outcome"], **kwargs)
    except services.VerfakRefused as exc:
        raise CommandError(f"refused [{exc.code}]: {' '.join(exc.messages)}",
                           returncode=EXIT_USAGE) from None  # fmt: skip
    except StageClosed as exc:
        raise CommandError(f"refused: {exc.decision.reason}", returncode=EXIT_REFUSED) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    rows = [
        {"check": c.pk, "supporter": c.supporter_id, "outcome": c.outcome,
         "verfak_status": c.supporter.verfak_status, "status": c.supporter.status}
        for c in checks
    ]  # fmt: skip
    if options["json"]:
        command.stdout.write(json.dumps(rows, indent=2))
        return
    for r in rows:
        command.stdout.write(
            f"supporter {r['supporter']}: {r['outcome']} -> verfak {r['verfak_status']}, "
            f"status {r['status']} (record {r['check']})"
        )


def _progress(command, options):
    election = election_of(options["election"])
    actor = user_of(options["username"])
    try:
        page = selectors.verfak_progress(
            user=actor, election=election, region_code=options["region"],
            pair_id=options["paslon"],
        )  # fmt: skip
    except (InvalidRegionCode, KeyError, ValueError) as exc:
        raise CommandError(f"bad region {options['region']!r}: {exc}",
                           returncode=EXIT_USAGE) from None  # fmt: skip
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    if options["json"]:
        command.stdout.write(json.dumps(page.as_dict(), ensure_ascii=False, indent=2))
        return
    out = command.stdout.write
    heads = " ".join(f"{o[:12]:>12}" for o in selectors.TMS_OUTCOMES)
    out(f"verfak progress {election.slug} {page.region_code} {page.name}"
        + (f" pair {page.pair_id}" if page.pair_id else ""))  # fmt: skip
    out(f"{'region':<11} {'name':<24} {'listed':>8} {'pending':>8} {'awaiting':>8} "
        f"{'MS':>8} {'TMS':>8} {heads} {'done%':>5}")  # fmt: skip
    for r in [*page.rows, page.total]:
        label = "TOTAL" if r is page.total else (r.code or "(none)")
        tms = " ".join(f"{n:>12,}" for n in r.tms_columns)
        out(f"{label:<11} {r.name[:24]:<24} {r.total:>8,} {r.pending:>8,} {r.awaiting:>8,} "
            f"{r.ms:>8,} {r.tms:>8,} {tms} {r.percent:>5}")  # fmt: skip


def _expire(command, options):
    election = election_of(options["election"])
    actor = user_of(options["username"])
    try:
        result = services.expire_not_found(election=election, actor=actor)
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    data = result.as_dict()
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2))
        return
    command.stdout.write(
        f"not found and pending: {data['checked']:,}; past the {data['deadline_days']}-day "
        f"deadline, now TMS: {data['expired']:,}"
    )

"""`pilkada candidacy` subcommands of cek NIK dukungan (issue 4 part 7):

* ``cek-nik NIK [--json]``: the public answer for a NIK (the same selector and the same
  masked answer as the page), for a help desk taking a citizen's call;
* ``objections [--paslon N] [--region CODE] [--json]``: objections per pair and status;
* ``objection resolve RECEIPT --status upheld|dismissed --note TEXT``: KPU's decision.

The command line is for operators and has no rate limit, so ``cek-nik`` leaves a trace
the public page does not: each run writes an audit entry ``candidacy.cek_nik.lookup``
naming the operator, the outcome and the ids of the supporter rows it showed -- never the
NIK. An operator answering calls is visible to Bawaslu; one walking through NIKs (the
insider path of a leak) is visible too. It prints nothing the public page would not
(masked name, pair, status), plus the row ids and receipts the operator needs to act.
"""

from __future__ import annotations

import getpass
import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django.db import transaction

from pilkada.audit.services import record_audit

from ..models import Pair, SupportObjection
from ..selectors import cek_nik as selectors
from ..selectors import objections as objection_selectors
from ..services import objections as services
from .common import election_of as _election
from .common import user_of as _user

EXIT_NOT_LISTED = 1  # cek-nik: the NIK is listed for no pair
EXIT_USAGE = 2  # bad usage, bad NIK, unknown pair/receipt/user
EXIT_REFUSED = 3  # no permission, objection already decided or refused

STATUS_WORDS = {
    selectors.PENDING: "sedang diverifikasi",
    selectors.MS: "memenuhi syarat",
    selectors.TMS: "tidak memenuhi syarat",
    selectors.OBJECTION_OPEN: "keberatan sedang diproses",
    selectors.OBJECTION_UPHELD: "keberatan dibenarkan (dukungan tidak sah)",
}


def add_parsers(sub) -> dict:
    c = sub.add_parser(
        "cek-nik",
        help="is this NIK listed as a supporter of a pair (masked, as the public page)",
        description=(
            "Prints what the public cek NIK dukungan page shows for a NIK: per pair the "
            "pair, the masked name and the status of the support; with the supporter row "
            "ids and the objection receipts for the operator. Each run is recorded in the "
            "audit log (operator, outcome, row ids; never the NIK). Exit status: 0 listed; "
            "1 not listed; 2 not a well-formed NIK or bad usage."
        ),
    )
    c.add_argument("nik", metavar="NIK")
    c.add_argument("--election", metavar="SLUG", help="default: the only election")
    c.add_argument("--as", dest="username", metavar="USERNAME", help="the officer asking")
    c.add_argument("--json", action="store_true", help="print JSON")

    o = sub.add_parser(
        "objections",
        help="objections to listed support, per pair and status",
        description=(
            "Counts of objections (open, upheld, dismissed, withdrawn) per independent "
            "pair, optionally for one pair and one area (a region code: the objections of "
            "supporters counted inside it). --as USERNAME scopes the counts to that "
            "user's region (they need candidacy.objection_view)."
        ),
    )
    o.add_argument("--paslon", metavar="N", type=int, help="the pair id")
    o.add_argument("--region", metavar="CODE", help="a kab/kota, kecamatan or kelurahan")
    o.add_argument("--election", metavar="SLUG", help="default: the only election")
    o.add_argument("--as", dest="username", metavar="USERNAME", help="scope as this user")
    o.add_argument("--json", action="store_true", help="print JSON")

    r = sub.add_parser("objection", help="act on one objection (resolve)")
    rsub = r.add_subparsers(dest="objection_command", required=True, metavar="ACTION")
    res = rsub.add_parser(
        "resolve",
        help="KPU's decision on an objection: upheld or dismissed, with the reason",
        description=(
            "upheld: the support is not valid (its rows stay objected and TMS); dismissed: "
            "the support stands and its status follows the checks again. Audited. Exit "
            "status: 0 resolved; 2 unknown receipt or bad usage; 3 refused (already "
            "decided, no permission, or verfak recorded the supporter confirming)."
        ),
    )
    res.add_argument("receipt", metavar="RECEIPT")
    res.add_argument("--status", required=True, choices=[s.value for s in services.RESOLUTIONS])
    res.add_argument("--note", required=True, help="the reason (required)")
    res.add_argument("--election", metavar="SLUG", help="default: the only election")
    res.add_argument("--as", dest="username", metavar="USERNAME", help="the KPU officer")
    res.add_argument("--json", action="store_true", help="print JSON")
    return {"cek-nik": do_cek_nik, "objections": do_objections, "objection": do_objection}


def _operator_name() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:
        return "cli"


def _write_json(command, data) -> None:
    command.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))


def do_cek_nik(command, options):
    election = _election(options["election"])
    user = _user(options["username"])
    nik, error = selectors.check_nik_format(options["nik"])
    if nik is None:
        if options["json"]:
            command.stdout.write(json.dumps({"outcome": selectors.INVALID, "error": error}))
        raise CommandError(f"not a well-formed NIK: {error}", returncode=EXIT_USAGE)
    answer = selectors.cek_nik(election=election, nik=nik)
    ids = [i for s in answer.supports for i in s.supporter_ids]
    receipts = dict(
        SupportObjection.objects.filter(supporter_id__in=ids)
        .order_by("created_at", "id")
        .values_list("pair_id", "receipt")
    )  # the latest receipt per pair
    with transaction.atomic():
        record_audit(
            actor=user or _operator_name(),
            action="candidacy.cek_nik.lookup",
            object_type="candidacy.Supporter",
            object_id="cli",
            new={"outcome": answer.outcome, "supporters": ids},
        )
    supports = [
        {
            "pair": s.pair_id,
            "pair_name": s.pair_name,
            "ballot_number": s.ballot_number,
            "masked_name": s.masked_name,
            "status": s.status,
            "objection": s.objection or None,
            "objection_receipt": receipts.get(s.pair_id),
            "objectable": s.objectable,
            "supporter_ids": list(s.supporter_ids),
        }
        for s in answer.supports
    ]
    if options["json"]:
        _write_json(command, {"outcome": answer.outcome, "supports": supports})
    else:
        out = command.stdout.write
        out(f"outcome   {answer.outcome}")
        for s in supports:
            number = f" (nomor urut {s['ballot_number']})" if s["ballot_number"] else ""
            out(f"paslon    {s['pair']} {s['pair_name']}{number}")
            out(f"  nama    {s['masked_name']}")
            out(f"  status  {s['status']}: {STATUS_WORDS[s['status']]}")
            if s["objection_receipt"]:
                out(f"  keberatan {s['objection_receipt']} ({s['objection']})")
            out(f"  rows    {', '.join(str(i) for i in s['supporter_ids'])}")
    if not answer.found:
        raise CommandError("NIK not listed as a supporter", returncode=EXIT_NOT_LISTED)


def do_objections(command, options):
    election = _election(options["election"])
    user = _user(options["username"])
    if (
        options["paslon"]
        and not Pair.objects.filter(election=election, pk=options["paslon"]).exists()
    ):
        raise CommandError(f"no pair {options['paslon']}", returncode=EXIT_USAGE)
    try:
        counts = objection_selectors.objection_counts(
            user=user, election=election, region_code=options["region"], pair_id=options["paslon"]
        )
    except objection_selectors.BadFilter as exc:
        raise CommandError(str(exc), returncode=EXIT_USAGE) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    rows = [c.as_dict() for c in counts]
    if options["json"]:
        data = {"election": election.slug, "region": options["region"], "pairs": rows}
        _write_json(command, data)
        return
    out = command.stdout.write
    head = ("paslon", "open", "upheld", "dismissed", "withdrawn", "total")
    out(f"{head[0]:<40} {head[1]:>8} {head[2]:>8} {head[3]:>10} {head[4]:>10} {head[5]:>8}")
    for r in rows:
        name = f"{r['pair']} {r['name']}"[:40]
        out(
            f"{name:<40} {r['open']:>8,} {r['upheld']:>8,} {r['dismissed']:>10,} "
            f"{r['withdrawn']:>10,} {r['total']:>8,}"
        )


def do_objection(command, options):
    # One action today ("resolve"); argparse has refused anything else.
    election = _election(options["election"])
    user = _user(options["username"])
    try:
        item = objection_selectors.get_objection(
            user=user, election=election, receipt=options["receipt"]
        )
    except SupportObjection.DoesNotExist:
        raise CommandError(f"no objection {options['receipt']!r}", returncode=EXIT_USAGE) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    try:
        resolved = services.resolve_objection(
            objection=item, actor=user, status=options["status"], note=options["note"]
        )
    except services.ObjectionRefused as exc:
        code = EXIT_USAGE if set(exc.codes) & {"bad_status", "note_missing"} else EXIT_REFUSED
        raise CommandError(f"refused: {'; '.join(exc.messages)}", returncode=code) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    data = {
        "receipt": resolved.receipt,
        "pair": resolved.pair_id,
        "status": resolved.status,
        "note": resolved.resolution_note,
        "resolved_by": resolved.resolved_by,
        "resolved_on": resolved.resolved_on.isoformat(),
    }
    if options["json"]:
        _write_json(command, data)
    else:
        command.stdout.write(f"objection {data['receipt']} {data['status']}: {data['note']}")

"""`pilkada candidacy support ...` and `pilkada candidacy verify`: supporter lists of
independent pairs from the command line (the same services as the web).

    pilkada candidacy support import FILE --paslon N [--round 1|2] [--json] [--as USERNAME]
    pilkada candidacy support status --paslon N [--json]
    pilkada candidacy verify --paslon N [--json] [--as USERNAME]

``support import`` reads the file (CSV, XLSX or Parquet, B.1.1-KWK columns), verifies every
row (verifikasi administrasi) and loads it: every row accepted, flagged or rejected (rejects
file with line, column and reason), counts per status and reason. ``verify`` runs
verifikasi administrasi again on every list of the pair (after a NIK list was uploaded or
the register changed) and prints the counts per status and reason code.

Exit status: 0 done; 1 the file cannot be used; 2 bad usage; 3 refused (window closed, no
permission, perbaikan not due ...).
"""

from __future__ import annotations

import json
import time

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.engine.tabular_read import FileRejected
from pilkada.schedule.gate import StageClosed

from ..models import Pair, Supporter
from ..selectors.support import status_counts
from ..services.support import (
    SupportRefused,
    reverify_pair,
    shortfall_summary,
    upload_support_file,
)
from .common import EXIT_BAD_FILE, EXIT_REFUSED, EXIT_USAGE, election_of, user_of


def add_parsers(sub) -> dict:
    support = sub.add_parser("support", help="supporter lists of independent pairs")
    inner = support.add_subparsers(dest="support_command", required=True, metavar="ACTION")
    imp = inner.add_parser("import", help="upload and verify a supporter list (B.1.1-KWK)")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--paslon", type=int, required=True, metavar="N", help="the pair's id")
    imp.add_argument("--round", type=int, choices=(1, 2), default=1,
                     help="1 penyerahan (default), 2 perbaikan")  # fmt: skip
    _common(imp)
    imp.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    status = inner.add_parser("status", help="counts, minimum, shortfall and spread of a pair")
    status.add_argument("--paslon", type=int, required=True, metavar="N")
    _common(status)
    verify = sub.add_parser(
        "verify", help="run verifikasi administrasi again on a pair's lists; counts per reason"
    )
    verify.add_argument("--paslon", type=int, required=True, metavar="N")
    _common(verify)
    return {"support": _support, "verify": _verify}


def _common(parser) -> None:
    parser.add_argument("--election", metavar="SLUG", help="default: the only election")
    parser.add_argument("--as", dest="username", metavar="USERNAME", help="the officer or LO")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")


def _pair(election, pair_id: int) -> Pair:
    try:
        return Pair.objects.get(election=election, pk=pair_id)
    except Pair.DoesNotExist:
        raise CommandError(
            f"no pair {pair_id} in {election.slug} (pilkada candidacy pair list)",
            returncode=EXIT_USAGE,
        ) from None


def _refused(exc) -> CommandError:
    if isinstance(exc, StageClosed):
        d = exc.decision
        return CommandError(f"refused: {d.reason} (action {d.action}). Nothing changed.",
                            returncode=EXIT_REFUSED)  # fmt: skip
    code = EXIT_USAGE if getattr(exc, "code", "") in ("bad_round", "wrong_election") else 3
    return CommandError(f"refused: {exc}. Nothing changed.", returncode=code)


class _Progress:
    def __init__(self, stream, interval: float = 2.0):
        self.stream, self.interval, self.last = stream, interval, 0.0

    def __call__(self, event) -> None:
        now = time.monotonic()
        if now - self.last < self.interval and (event.fraction or 0) < 1:
            return
        self.last = now
        pct = f" ({event.fraction:.0%} of the file)" if event.fraction is not None else ""
        self.stream.write(f"reading: {event.rows:,} rows read{pct}")
        self.stream.flush()


def _support(command, options):
    election = election_of(options["election"])
    pair = _pair(election, options["paslon"])
    if options["support_command"] == "status":
        return _print(command, options, _status(pair))
    actor = user_of(options["username"])
    try:
        result = upload_support_file(
            election=election,
            pair=pair,
            path=options["file"],
            actor=actor,
            round=options["round"],
            progress=None if options["quiet"] or options["json"] else _Progress(command.stderr),
        )
    except FileRejected as exc:
        raise CommandError(f"{options['file']}: {exc} [{exc.code}] Nothing was imported.",
                           returncode=EXIT_BAD_FILE) from None  # fmt: skip
    except (StageClosed, SupportRefused, PermissionDenied) as exc:
        raise _refused(exc) from None
    data = result.as_dict()
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2))
        return
    out = command.stdout.write
    out(command.style.SUCCESS(
        f"imported {data['file']} for {pair.name} (round {data['round']}, batch "
        f"{data['batch_id']}) in {data['seconds']:.1f} s"))  # fmt: skip
    out(f"  rows read {data['read']:>12,}  accepted {data['accepted']:,}, flagged "
        f"{data['flagged']:,}, rejected {data['rejected']:,} (reconciles: "
        f"{'yes' if data['reconciles'] else 'NO'})")  # fmt: skip
    v = data["verification"]
    out(f"  verifikasi administrasi: {v['by_status']}")
    for code, n in v["by_reason"].items():
        if n:
            out(f"    {code:<20} {n:>10,}")
    if data["held_other_pairs"]:
        out(f"  held for verfak on other pairs' lists: {data['held_other_pairs']:,}")
    out(f"  rejects file {data['rejects_file']}")


def _status(pair: Pair) -> dict:
    return {
        "pair_id": pair.pk,
        "pair": pair.name,
        "counts": status_counts(Supporter.objects.filter(pair=pair)),
        "support": shortfall_summary(pair=pair),
    }


def _verify(command, options):
    election = election_of(options["election"])
    pair = _pair(election, options["paslon"])
    try:
        data = reverify_pair(pair=pair, actor=user_of(options["username"]))
    except (StageClosed, SupportRefused, PermissionDenied) as exc:
        raise _refused(exc) from None
    _print(command, options, data)


def _print(command, options, data: dict) -> None:
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2, default=str))
        return
    out = command.stdout.write
    c = data["counts"]
    out(f"{data['pair']}: {c['listed']:,} listed; MS {c['ms']:,}, TMS {c['tms']:,}, "
        f"pending {c['pending']:,}")  # fmt: skip
    out(f"  verifikasi administrasi: MS {c['vermin_ms']:,}, TMS {c['vermin_tms']:,}, "
        f"held {c['vermin_held']:,}, pending {c['vermin_pending']:,}")  # fmt: skip
    for code, n in c["reasons"].items():
        out(f"    {code:<20} {n:>10,}")
    out(f"  verifikasi faktual: MS {c['verfak_ms']:,}, TMS {c['verfak_tms']:,}, "
        f"pending {c['verfak_pending']:,}")  # fmt: skip
    for stage, s in data["support"].items():
        if not isinstance(s, dict):
            continue
        if s["minimum"] is None:
            out(f"  {stage}: no minimum yet (KPU has not set the last DPT total)")
            continue
        out(f"  {stage}: {s['counted']:,} of {s['minimum']:,} (short {s['shortfall']:,}); "
            f"spread {s['areas_with_support']} of {s['areas_total']} (needs "
            f"{s['spread_needed']}); meets: {'yes' if s['meets'] else 'no'}")  # fmt: skip

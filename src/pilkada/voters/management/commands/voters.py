"""`pilkada voters`: the voter register from the command line (same services as the web)."""

from __future__ import annotations

import importlib
import json
import time

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.audit.services import audit_context
from pilkada.core.commands import PilkadaCommand
from pilkada.engine.dp4_import import KINDS, Progress
from pilkada.engine.tabular_read import FileRejected
from pilkada.schedule import selectors as schedule_selectors
from pilkada.schedule.gate import StageClosed
from pilkada.schedule.models import Election
from pilkada.voters.cli import AREAS
from pilkada.voters.services import ImportRefused, import_voter_file

#: Exit codes of `pilkada voters import` (argparse itself exits 2 on bad usage).
EXIT_BAD_FILE = 1  # the file cannot be imported (unreadable, empty, missing columns ...)
EXIT_REFUSED = 3  # the stage window is closed, no permission, or the register is in use
EXIT_USAGE = 2


class ProgressPrinter:
    """Progress lines on stderr: at most one every ``interval`` seconds, plus the last."""

    def __init__(self, stream, interval: float = 2.0):
        self.stream = stream
        self.interval = interval
        self.last = 0.0
        self.stage = ""

    def __call__(self, event: Progress) -> None:
        now = time.monotonic()
        if event.stage == self.stage and now - self.last < self.interval:
            return
        self.last, self.stage = now, event.stage
        if event.stage == "read":
            pct = f" ({event.fraction:.0%} of the file)" if event.fraction is not None else ""
            self.stream.write(f"reading: {event.rows:,} rows read{pct}")
        else:
            total = f" of {event.total:,}" if event.total else ""
            self.stream.write(f"loading: {event.rows:,}{total} rows written")
        self.stream.flush()


class Command(PilkadaCommand):
    help = (
        "The voter register: import DP4 and previous-DPT files.\n\n"
        "  pilkada voters import FILE --kind dp4|dpt-lama [--election SLUG] [--json]\n"
        "                             [--as USERNAME] [--quiet]\n\n"
        "FILE is CSV (comma, semicolon or tab; UTF-8 or Windows-1252), XLSX or Parquet in the\n"
        "DP4 format (docs/formats/dp4.md). Every row is accepted, flagged (kept with its\n"
        "data-quality flags, for coklit) or rejected (written to the rejects file with its\n"
        "line, column and reason). Importing the same kind again replaces the previous batch.\n"
        "Allowed only while the stage that opens voters.import_dp4 (DP4 handover) is open.\n\n"
        "Exit status: 0 imported; 1 the file cannot be imported; 2 bad usage; 3 refused\n"
        "(stage window closed, no permission, or the register already has coklit work)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        imp = sub.add_parser("import", help="import a DP4 or previous-DPT file")
        imp.add_argument("file", metavar="FILE")
        imp.add_argument("--kind", required=True, help=f"one of: {', '.join(KINDS)}")
        imp.add_argument("--election", metavar="SLUG", help="default: the only election")
        imp.add_argument("--json", action="store_true", help="print a JSON summary")
        imp.add_argument("--as", dest="username", metavar="USERNAME", help="the officer importing")
        imp.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
        self.handlers = {}
        for area in AREAS:
            module = importlib.import_module(f"pilkada.voters.cli.{area}")
            self.handlers.update(module.add_parsers(sub))

    def handle(self, *args, **options):
        name = options["subcommand"]
        with audit_context():
            if name == "import":
                return self.do_import(options)
            return self.handlers[name](self, options)

    # --- helpers ----------------------------------------------------------------------
    def _election(self, slug) -> Election:
        try:
            return schedule_selectors.get_election(slug=slug)
        except (Election.DoesNotExist, Election.MultipleObjectsReturned) as exc:
            raise CommandError(str(exc), returncode=EXIT_USAGE) from None

    def _user(self, username):
        if not username:
            return None
        User = get_user_model()
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"no user {username!r}", returncode=EXIT_USAGE) from None

    # --- import -----------------------------------------------------------------------
    def do_import(self, options):
        kind = options["kind"]
        if kind not in KINDS:
            raise CommandError(
                f"unknown kind {kind!r}: use --kind {' or --kind '.join(KINDS)}",
                returncode=EXIT_USAGE,
            )
        election = self._election(options["election"])
        actor = self._user(options["username"])
        progress = None if options["quiet"] else ProgressPrinter(self.stderr)
        try:
            result = import_voter_file(
                election=election,
                path=options["file"],
                kind=kind,
                actor=actor,
                progress=progress,
            )
        except FileRejected as exc:
            raise CommandError(
                f"{options['file']}: {exc} [{exc.code}] Nothing was imported.",
                returncode=EXIT_BAD_FILE,
            ) from None
        except StageClosed as exc:
            decision = exc.decision
            raise CommandError(
                f"refused: {decision.reason} (action {decision.action}). Nothing was imported.",
                returncode=EXIT_REFUSED,
            ) from None
        except PermissionDenied as exc:
            raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
        except ImportRefused as exc:
            code = EXIT_USAGE if exc.code == "unknown_kind" else EXIT_REFUSED
            raise CommandError(f"refused: {exc}", returncode=code) from None
        data = result.as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
            return
        self._summary(result, data)

    def _summary(self, result, data):
        o = result.outcome
        out = self.stdout.write
        out(
            self.style.SUCCESS(
                f"imported {data['file']} as {data['kind']} into {data['election']} "
                f"(batch {data['batch_id']}) in {data['seconds']:.1f} s"
            )
        )
        out(f"  format      {o.file_format}, {o.encoding or '-'}, delimiter {o.delimiter!r}")
        out(f"  rows read   {o.read:>12,}")
        out(f"    accepted  {o.accepted:>12,}")
        out(f"    flagged   {o.flagged:>12,}  (kept, to be corrected in coklit)")
        out(f"    rejected  {o.rejected:>12,}  (not imported; see the rejects file)")
        out(f"  blank lines {o.blank:>12,}")
        out(f"  repeated headers {o.repeated_headers:>7,}")
        status = "yes" if o.reconciles else "NO"
        out(f"  reconciles  read = accepted + flagged + rejected: {status}")
        for code, n in sorted(o.flag_counts.items(), key=lambda kv: -kv[1]):
            out(f"    flag   {code:<28} {n:>10,}")
        for code, n in sorted(o.reject_counts.items(), key=lambda kv: -kv[1]):
            out(f"    reject {code:<28} {n:>10,}")
        for note in o.notes:
            out(f"  note: {note}")
        if result.replaced:
            out(
                f"  replaced batch {result.replaced['batch_id']} ({result.replaced['file']}, "
                f"{result.replaced['rows']:,} rows)"
            )
        out(f"  rejects file {data['rejects_file']}")
        out(f"  sha256 {data['sha256']}")

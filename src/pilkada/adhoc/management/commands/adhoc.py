"""`pilkada adhoc`: the ad hoc bodies' recruitment from the command line (the same services as
the web): openings, checks, scores, ranking, seating."""

from __future__ import annotations

import importlib

from pilkada.adhoc.cli import AREAS
from pilkada.audit.services import audit_context
from pilkada.core.commands import PilkadaCommand


class Command(PilkadaCommand):
    help = (
        "Ad hoc bodies: openings, applications and their checks, selection, seating.\n\n"
        "Run `pilkada adhoc SUBCOMMAND --help` for each subcommand. Every subcommand exits\n"
        "non-zero with a clear message on bad input; --json prints a machine-readable summary."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        self.handlers = {}
        for area in AREAS:
            module = importlib.import_module(f"pilkada.adhoc.cli.{area}")
            self.handlers.update(module.add_parsers(sub))

    def handle(self, *args, **options):
        with audit_context():
            return self.handlers[options["subcommand"]](self, options)

"""`pilkada candidacy`: candidate pairs, supporter lists and their verification from the
command line (the same services as the web)."""

from __future__ import annotations

import importlib

from pilkada.audit.services import audit_context
from pilkada.candidacy.cli import AREAS
from pilkada.core.commands import PilkadaCommand


class Command(PilkadaCommand):
    help = (
        "Candidacy: candidate pairs, independent support and its verification.\n\n"
        "Run `pilkada candidacy SUBCOMMAND --help` for each subcommand. Every subcommand exits\n"
        "non-zero with a clear message on bad input; --json prints a machine-readable summary."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        self.handlers = {}
        for area in AREAS:
            module = importlib.import_module(f"pilkada.candidacy.cli.{area}")
            self.handlers.update(module.add_parsers(sub))

    def handle(self, *args, **options):
        with audit_context():
            return self.handlers[options["subcommand"]](self, options)

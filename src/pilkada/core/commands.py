"""What pilkada's management commands share."""

import argparse

from django.core.management.base import BaseCommand, DjangoHelpFormatter


class HelpFormatter(DjangoHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Keeps the layout of a command's help text (its usage lines), as written."""


class PilkadaCommand(BaseCommand):
    """A management command whose help text is printed with its own line breaks."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        kwargs.setdefault("formatter_class", HelpFormatter)
        return super().create_parser(prog_name, subcommand, **kwargs)


class AreaCommand(PilkadaCommand):
    """A command whose subcommands come from one module per area of an app: ``cli_package``
    names the package, whose ``AREAS`` lists the modules; each defines
    ``add_parsers(sub) -> {name: handler(command, options)}``. Every subcommand runs inside
    one audit context (one request id for all its entries)."""

    cli_package = ""

    def add_arguments(self, parser):
        import importlib

        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="SUBCOMMAND")
        self.handlers = {}
        for area in importlib.import_module(self.cli_package).AREAS:
            module = importlib.import_module(f"{self.cli_package}.{area}")
            self.handlers.update(module.add_parsers(sub))

    def handle(self, *args, **options):
        from pilkada.audit.services import audit_context

        with audit_context():
            return self.handlers[options["subcommand"]](self, options)

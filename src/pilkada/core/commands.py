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

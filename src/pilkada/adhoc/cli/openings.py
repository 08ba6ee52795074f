"""`pilkada adhoc openings`: derive the openings (seats per body and area) from the regions,
the TPS and the register, and show them."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from ..selectors.openings import openings_summary
from ..services.openings import derive_openings
from .common import EXIT_REFUSED, election_of, user_of


def add_parsers(sub) -> dict:
    p = sub.add_parser(
        "openings",
        help="derive the seats of PPK, PPS, KPPS and Pantarlih from the data (--derive) or "
        "show them",
    )
    p.add_argument("--derive", action="store_true", help="create or update the openings first")
    p.add_argument("--election", metavar="SLUG")
    p.add_argument("--as", dest="username", metavar="USERNAME")
    p.add_argument("--json", action="store_true")
    return {"openings": _openings}


def _openings(command, options):
    election = election_of(options["election"])
    out: dict = {}
    if options["derive"]:
        try:
            out["derived"] = derive_openings(election=election, actor=user_of(options["username"]))
        except PermissionDenied as exc:
            raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    out["openings"] = openings_summary(election=election)
    if options["json"]:
        command.stdout.write(json.dumps(out, indent=2))
        return
    if "derived" in out:
        d = out["derived"]
        command.stdout.write(
            f"derived: {d['created']:,} created, {d['updated']:,} updated, "
            f"{d['unchanged']:,} unchanged, {d['removed']:,} removed, {len(d['kept'])} kept"
        )
    for row in out["openings"]:
        command.stdout.write(f"{row['body']:<10} {row['areas']:>7,} areas {row['seats']:>8,} seats")

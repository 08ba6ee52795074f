"""`pilkada voters` subcommands: tps -- `tps-form` forms the TPS of the register."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.schedule.gate import StageClosed

from ..services.tps import TpsFormRefused, form_tps_for_election

EXIT_REFUSED = 3
EXIT_USAGE = 2


def add_parsers(sub) -> dict:
    p = sub.add_parser(
        "tps-form",
        help="form the TPS of the register (at most --cap voters per TPS, per kelurahan)",
        description=(
            "Assign the register's voters to TPS of at most CAP voters (default: the "
            "setting PILKADA_TPS_MAX_VOTERS, 600) within each kelurahan, keeping families "
            "and RTs together where the cap allows; a re-run moves as few voters as "
            "possible. Exit status: 0 formed; 2 bad usage; 3 refused (stage window closed, "
            "no permission, no voters)."
        ),
    )
    p.add_argument("--cap", type=int, help="voters per TPS (default: the setting)")
    p.add_argument("--region", metavar="CODE", help="only this region (kab/kota, kecamatan...)")
    p.add_argument("--election", metavar="SLUG", help="default: the only election")
    p.add_argument("--as", dest="username", metavar="USERNAME", help="the KPU officer")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    return {"tps-form": tps_form}


def tps_form(command, options):
    election = command._election(options["election"])
    actor = command._user(options["username"])
    cap = options["cap"]
    if cap is not None and cap < 1:
        raise CommandError(f"--cap must be at least 1, not {cap}", returncode=EXIT_USAGE)
    try:
        result = form_tps_for_election(
            election=election, actor=actor, cap=cap, region_code=options["region"]
        )
    except StageClosed as exc:
        raise CommandError(
            f"refused: {exc.decision.reason} (action {exc.decision.action}). Nothing changed.",
            returncode=EXIT_REFUSED,
        ) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}. Nothing changed.", returncode=EXIT_REFUSED) from None
    except TpsFormRefused as exc:
        code = EXIT_USAGE if exc.code in {"bad_region", "bad_cap"} else EXIT_REFUSED
        raise CommandError(f"refused: {exc}. Nothing changed.", returncode=code) from None
    if options["json"]:
        command.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        return
    out = command.stdout.write
    out(command.style.SUCCESS(result.summary()))
    out(f"  region          {result.region_code}")
    out(f"  cap             {result.cap:>10,} voters per TPS")
    out(f"  voters          {result.voters:>10,}")
    out(f"  TPS             {result.tps:>10,}")
    out(f"  sum ceil(n/cap) {result.tps_minimum:>10,}  (kelurahan by kelurahan)")
    out(f"  TPS created     {result.tps_created:>10,}")
    out(f"  moved voters    {result.moved_voters:>10,}" + ("" if result.rerun else "  (first run)"))
    split = result.voters_in_split_families
    out(f"  split families  {result.families_split:>10,}  ({split:,} voters)")
    out(f"  split RTs       {result.rts_split:>10,}  of {result.rts:,}")
    out(f"  TMS not formed  {result.tms_skipped:>10,}")
    out(f"  not placed      {result.unplaced:>10,}  (damaged or unknown kelurahan code)")
    out(f"  assignments written {result.assignments_written:,} in {result.seconds:.1f} s")

"""`pilkada voters cek-dpt NIK`: the public cek DPT answer from the command line (for a help
desk or a call centre; the same selector as the public page, the same masked answer)."""

from __future__ import annotations

import json
from dataclasses import asdict

from django.core.management.base import CommandError

from ..selectors.lookup import INVALID, cek_dpt, check_nik_format

EXIT_NOT_LISTED = 1
EXIT_USAGE = 2


def add_parsers(sub) -> dict:
    p = sub.add_parser(
        "cek-dpt",
        help="is this NIK on the list, and at which TPS (masked, as the public page)",
        description=(
            "Prints what the public cek DPT page shows for a NIK: the outcome, the masked "
            "name and the TPS. Exit status: 0 on the list; 1 not on the list (TMS or "
            "unknown); 2 not a well-formed NIK or bad usage."
        ),
    )
    p.add_argument("nik", metavar="NIK")
    p.add_argument("--election", metavar="SLUG")
    p.add_argument("--json", action="store_true")
    return {"cek-dpt": run}


def run(command, options):
    election = command._election(options["election"])
    nik, error = check_nik_format(options["nik"])
    if nik is None:
        if options["json"]:
            command.stdout.write(json.dumps({"outcome": INVALID, "error": error}))
        raise CommandError(f"not a well-formed NIK: {error}", returncode=EXIT_USAGE)
    answer = cek_dpt(election=election, nik=nik)
    if options["json"]:
        command.stdout.write(json.dumps(asdict(answer), ensure_ascii=False))
    else:
        out = command.stdout.write
        out(f"outcome   {answer.outcome}")
        if answer.found:
            out(f"nama      {answer.masked_name}")
            where = ", ".join(x for x in (answer.kelurahan, answer.kecamatan, answer.kabkota) if x)
            out(f"wilayah   {where}")
            if answer.tps_number:
                out(f"TPS       {answer.tps_number} ({answer.tps_code}) {answer.tps_address}")
    if not answer.found:
        raise CommandError(f"NIK not on the list ({answer.outcome})", returncode=EXIT_NOT_LISTED)

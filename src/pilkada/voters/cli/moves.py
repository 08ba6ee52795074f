"""`pilkada voters` subcommands: moves -- `dptb add|cancel|list|counts` and `dpk add|list`.

Same services as the web pages. Exit status: 0 done; 1 refused by a rule (deadline, not on
the DPT, not entitled, twice, ...); 2 bad usage; 3 refused (stage window closed or no
permission). ``--json`` prints a machine-readable summary (also of a refusal, on stdout,
before the non-zero exit).
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.schedule.gate import StageClosed

from ..selectors import moves as selectors
from ..services import moves as services

EXIT_RULE = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
#: MoveRefused codes that are bad usage (malformed input) rather than a rule's refusal.
USAGE_CODES = {
    "unknown_reason",
    "invalid_nik",
    "invalid_destination",
    "invalid_destination_tps",
    "invalid_form_a",
    "invalid_tps",
    "invalid_sex",
    "invalid_birth_date",
    "invalid_name",
    "invalid_address",
    "invalid_status_kawin",
}


def _common(p, *, user_help: str) -> None:
    p.add_argument("--election", metavar="SLUG", help="default: the only election")
    p.add_argument("--as", dest="username", metavar="USERNAME", help=user_help)
    p.add_argument("--json", action="store_true", help="print a JSON summary")


def add_parsers(sub) -> dict:
    dptb = sub.add_parser(
        "dptb",
        help="DPTb: register, cancel and list moves (pindah memilih, form A)",
        description=__doc__,
    )
    dsub = dptb.add_subparsers(dest="dptb_command", required=True, metavar="ACTION")
    add = dsub.add_parser("add", help="register a move of a DPT voter")
    add.add_argument("--nik", required=True)
    reasons = ", ".join(code for code, _label, _sudden in _reason_codes())
    add.add_argument("--reason", required=True, help=f"one of: {reasons}")
    add.add_argument("--to", dest="destination", required=True, metavar="KELURAHAN")
    add.add_argument("--tps", dest="destination_tps", metavar="TPS", help="destination TPS")
    add.add_argument("--form-a", dest="form_a", required=True, metavar="NUMBER")
    _common(add, user_help="the PPS/KPU officer (origin or destination)")
    cancel = dsub.add_parser("cancel", help="cancel a move (before its deadline)")
    cancel.add_argument("move_id", type=int, metavar="ID")
    cancel.add_argument("--note", default="")
    _common(cancel, user_help="the PPS/KPU officer")
    lst = dsub.add_parser("list", help="list moves into (in) or out of (out) a region")
    lst.add_argument("--region", required=True, metavar="CODE")
    lst.add_argument("--direction", choices=("in", "out"), default="in")
    lst.add_argument("--cancelled", action="store_true", help="include cancelled moves")
    lst.add_argument("--unmasked", action="store_true", help="full NIK and name (logged)")
    _common(lst, user_help="the officer reading")
    counts = dsub.add_parser("counts", help="DPT, DPTb in/out and DPK per TPS of a region")
    counts.add_argument("--region", required=True, metavar="CODE")
    _common(counts, user_help="the officer reading")

    dpk = sub.add_parser("dpk", help="DPK: record and list voters on voting day")
    ksub = dpk.add_subparsers(dest="dpk_command", required=True, metavar="ACTION")
    kadd = ksub.add_parser("add", help="record a person on the DPK of a TPS")
    kadd.add_argument("--tps", required=True)
    kadd.add_argument("--nik", required=True)
    kadd.add_argument("--nama", required=True)
    kadd.add_argument("--sex", required=True, help="L or P")
    kadd.add_argument("--born", required=True, metavar="YYYY-MM-DD")
    kadd.add_argument("--married", choices=("B", "S", "P"), default="B", help="status kawin")
    kadd.add_argument("--address", required=True)
    kadd.add_argument("--address-kelurahan", required=True, metavar="CODE")
    kadd.add_argument("--rt", default="")
    kadd.add_argument("--rw", default="")
    _common(kadd, user_help="the KPPS of the TPS")
    klist = ksub.add_parser("list", help="the DPK of a TPS or region")
    klist.add_argument("--region", required=True, metavar="CODE", help="a TPS or region code")
    klist.add_argument("--unmasked", action="store_true", help="full NIK and name (logged)")
    _common(klist, user_help="the officer reading")
    return {"dptb": dptb_command, "dpk": dpk_command}


def _reason_codes():
    from pilkada.engine.moves import REASONS

    return [(r.code.value, r.label, r.sudden) for r in REASONS.values()]


def _emit(command, options, data) -> None:
    command.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _fail(command, options, code: str, message: str, returncode: int):
    if options.get("json"):
        _emit(command, options, {"ok": False, "code": code, "error": message})
    raise CommandError(f"refused: {message}", returncode=returncode)


def _run(command, options, call):
    try:
        return call()
    except services.MoveRefused as exc:
        returncode = EXIT_USAGE if exc.code in USAGE_CODES else EXIT_RULE
        _fail(command, options, exc.code, exc.message, returncode)
    except StageClosed as exc:
        _fail(command, options, "stage_closed", exc.decision.reason, EXIT_REFUSED)
    except PermissionDenied as exc:
        _fail(command, options, "permission_denied", str(exc), EXIT_REFUSED)
    except ValueError as exc:
        _fail(command, options, "bad_input", str(exc), EXIT_USAGE)


def dptb_command(command, options):
    election = command._election(options["election"])
    actor = command._user(options["username"])
    action = options["dptb_command"]
    out = command.stdout.write
    if action == "add":
        result = _run(
            command,
            options,
            lambda: services.register_move(
                actor=actor,
                election=election,
                nik=options["nik"],
                reason=options["reason"],
                destination_kelurahan=options["destination"],
                destination_tps=options["destination_tps"],
                form_a_number=options["form_a"],
            ),
        )
        data = {"ok": True, **result.as_dict()}
        if options["json"]:
            return _emit(command, options, data)
        out(
            command.style.SUCCESS(
                f"move {data['id']} registered: {data['nik']} from TPS {data['origin_tps']} to "
                f"{data['destination_tps'] or data['destination_kelurahan']} "
                f"({data['reason']}, form A {data['form_a_number']}, ballot {data['ballot']}, "
                f"deadline {data['deadline']})"
            )
        )
        return
    if action == "cancel":
        result = _run(
            command,
            options,
            lambda: services.cancel_move(
                actor=actor, move_id=options["move_id"], note=options["note"]
            ),
        )
        data = {"ok": True, **result.as_dict()}
        if options["json"]:
            return _emit(command, options, data)
        out(
            command.style.SUCCESS(
                f"move {data['id']} cancelled: the voter is back on TPS {data['origin_tps']}"
            )
        )
        return
    if action == "counts":
        rows = _run(
            command,
            options,
            lambda: selectors.voter_counts_per_tps(
                election=election, region_code=options["region"], actor=actor
            ),
        )
        if options["json"]:
            return _emit(command, options, {"ok": True, "rows": [r.as_dict() for r in rows]})
        out(f"{'TPS':<14} {'DPT':>7} {'out':>5} {'DPTb':>5} {'DPK':>5} {'here':>7}")
        for r in rows:
            out(
                f"{r.tps_code:<14} {r.dpt:>7} {r.dptb_out:>5} {r.dptb_in:>5} {r.dpk:>5} "
                f"{r.voters_here:>7}"
            )
        return
    rows = _run(
        command,
        options,
        lambda: selectors.dptb_rows(
            actor=actor,
            election=election,
            region_code=options["region"],
            direction=options["direction"],
            include_cancelled=options["cancelled"],
            unmasked=options["unmasked"],
        ),
    )
    if options["json"]:
        return _emit(command, options, {"ok": True, "count": len(rows), "rows": rows})
    for r in rows:
        out(
            f"{r['id']:>6} {r['status']:<9} {r['nik']} {r['nama']:<30} {r['origin_tps']} -> "
            f"{r['destination_tps'] or r['destination_kelurahan']:<13} {r['reason']:<20} "
            f"A {r['form_a_number']}"
        )
    out(f"{len(rows)} move(s)")


def dpk_command(command, options):
    election = command._election(options["election"])
    actor = command._user(options["username"])
    out = command.stdout.write
    if options["dpk_command"] == "add":
        person = services.DpkInput(
            nik=options["nik"],
            nama=options["nama"],
            jenis_kelamin=options["sex"],
            tanggal_lahir=options["born"],
            alamat=options["address"],
            alamat_kelurahan=options["address_kelurahan"],
            rt=options["rt"],
            rw=options["rw"],
            status_kawin=options["married"],
        )
        row = _run(
            command,
            options,
            lambda: services.record_dpk(
                actor=actor, election=election, tps_code=options["tps"], person=person
            ),
        )
        data = {"ok": True, "id": row.pk, "tps_code": row.tps_code, "nama": row.nama}
        if options["json"]:
            return _emit(command, options, data)
        out(command.style.SUCCESS(f"recorded on the DPK of TPS {row.tps_code}: {row.nama}"))
        return
    rows = _run(
        command,
        options,
        lambda: selectors.dpk_rows(
            actor=actor,
            election=election,
            tps_code=options["region"],
            unmasked=options["unmasked"],
        ),
    )
    if options["json"]:
        return _emit(command, options, {"ok": True, "count": len(rows), "rows": rows})
    for r in rows:
        out(f"{r['tps_code']} {r['nik']} {r['nama']:<30} {r['jenis_kelamin']} {r['alamat']}")
    out(f"{len(rows)} DPK voter(s)")

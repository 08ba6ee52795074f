"""`pilkada candidacy` subcommands of candidate pairs and the numbers they rest on:

  pilkada candidacy basis show|set ...          the basis (last DPT, threshold DPT, DPRD votes)
  pilkada candidacy parties import FILE | list  the last DPRD election's votes per party
  pilkada candidacy minimum                     minimum support and party threshold
  pilkada candidacy pair add|list|show|candidate|coalition|lo|register|document|check
  pilkada candidacy penetapan                   set every eligible pair
  pilkada candidacy ballot-draw --seed S | --number ID=N ...

Exit status: 0 done; 1 invalid input (bad file, NIK, unknown party ...); 2 bad usage;
3 refused (stage window closed, no permission, a requirement not met, wrong status).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError

from pilkada.schedule.gate import StageClosed

from ..models import Pair
from ..pair_documents import required_documents
from ..selectors import pairs as selectors
from ..services import basis as basis_services
from ..services import pairs as services
from .common import election_of as _election
from .common import user_of as _user

EXIT_INVALID = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3

#: PairRefused codes that mean the input is wrong (exit 1); the others are refusals (exit 3).
INVALID_CODES = {
    "bad_input",
    "nik_invalid",
    "nik_mismatch",
    "unknown_party",
    "name_taken",
    "nik_taken",
    "party_taken",
    "liaison_taken",
    "bad_numbers",
}


# ============================================================================================
# Parsers
# ============================================================================================


def _common(p, *, json_flag=True, as_flag=True):
    p.add_argument("--election", metavar="SLUG", help="default: the only election")
    if as_flag:
        p.add_argument("--as", dest="username", metavar="USERNAME", help="the KPU officer")
    if json_flag:
        p.add_argument("--json", action="store_true", help="print JSON")


def _optional_int(text: str):
    if text.lower() in ("none", "-", ""):
        return None
    try:
        value = int(text.replace(".", "").replace(",", "").replace("_", ""))
    except ValueError:
        raise CommandError(f"{text!r} is not a whole number", returncode=EXIT_USAGE) from None
    return value


def add_parsers(sub) -> dict:
    # --- basis -------------------------------------------------------------------------
    b = sub.add_parser(
        "basis",
        help="the numbers thresholds rest on (last DPT, DPT of the party band, DPRD votes)",
        description=(
            "Show or set the candidacy basis of the election. `basis set` without\n"
            "--previous-dpt on a new basis takes the register's previous-DPT rows (source\n"
            "dpt-lama) as the last DPT. --dpt sets the DPT the party threshold band is read\n"
            "from (none: use the last DPT). Refused once pairs have been set."
        ),
    )
    bs = b.add_subparsers(dest="basis_action", required=True, metavar="{show,set}")
    _common(bs.add_parser("show", help="print the basis and the suggestions"), as_flag=False)
    bset = bs.add_parser("set", help="set the basis")
    bset.add_argument(
        "--previous-dpt",
        type=_optional_int,
        default=argparse.SUPPRESS,
        metavar="N",
        help="DPT of the last election (base of the independent minimum)",
    )
    bset.add_argument("--source", metavar="TEXT", help="where the last DPT comes from")
    bset.add_argument(
        "--dpt",
        type=_optional_int,
        default=argparse.SUPPRESS,
        metavar="N|none",
        help="DPT for the party threshold band (none: the last DPT)",
    )
    bset.add_argument(
        "--dprd-valid-votes",
        type=_optional_int,
        default=argparse.SUPPRESS,
        metavar="N|none",
        help="valid votes of the last DPRD election",
    )
    bset.add_argument(
        "--dprd-from-parties",
        action="store_true",
        help="set the DPRD valid votes to the sum of the imported party votes",
    )
    _common(bset)
    # --- parties -----------------------------------------------------------------------
    pv = sub.add_parser(
        "parties",
        help="the last DPRD election's valid votes per party",
        description=(
            "`parties import FILE`: a CSV with the columns kode,nama,suara_sah,kursi (kursi\n"
            "may be empty), UTF-8 or Windows-1252, comma, semicolon or tab. The file is the\n"
            "whole list. All-or-nothing: every error is printed with its line and column\n"
            "and nothing is imported (exit 1)."
        ),
    )
    pvs = pv.add_subparsers(dest="parties_action", required=True, metavar="{import,list}")
    pimp = pvs.add_parser("import", help="import the party votes (all-or-nothing)")
    pimp.add_argument("file", metavar="FILE")
    _common(pimp)
    _common(pvs.add_parser("list", help="list the party votes"), as_flag=False)
    # --- minimum -----------------------------------------------------------------------
    mn = sub.add_parser(
        "minimum",
        help="the independent minimum support and the party threshold of the election",
        description="UU 10/2016 Pasal 41 (support, spread) and Pasal 40 jo. MK 60/2024.",
    )
    _common(mn, as_flag=False)
    # --- pair --------------------------------------------------------------------------
    pr = sub.add_parser(
        "pair",
        help="candidate pairs: add, list, show, candidates, LO, registration, checks",
        description=(
            "  pair add --name NAME (--independent | --party CODE [--party CODE ...])\n"
            "  pair list [--status S]\n"
            "  pair show ID\n"
            "  pair candidate ID --position head|deputy --nama N --nik NIK --tanggal-lahir\n"
            "                    YYYY-MM-DD --jenis-kelamin L|P [--tempat-lahir ..]\n"
            "                    [--pekerjaan ..] [--alamat ..]\n"
            "  pair coalition ID --party CODE [--party CODE ...]\n"
            "  pair lo ID --username U [--full-name ..] [--password-stdin | --existing]\n"
            "  pair register ID (--all-received | --received CODE ...)\n"
            "  pair documents ID          the checklist codes of the pair\n"
            "  pair document ID CODE ms|tms|received [--note TEXT]\n"
            "  pair check ID              rule checks and the eligible/ineligible decision\n"
        ),
    )
    ps = pr.add_subparsers(dest="pair_action", required=True, metavar="ACTION")
    add = ps.add_parser("add", help="a new pair (status prospective)")
    add.add_argument("--name", required=True)
    add.add_argument("--independent", action="store_true", help="jalur perseorangan")
    add.add_argument(
        "--party",
        action="append",
        default=[],
        metavar="CODE",
        help="a nominating party (repeat for a coalition)",
    )
    _common(add)
    lst = ps.add_parser("list", help="the pairs of the election")
    lst.add_argument("--status", choices=Pair.Status.values)
    _common(lst)
    show = ps.add_parser("show", help="one pair with its candidates and checklist")
    show.add_argument("pair_id", type=int, metavar="ID")
    _common(show)
    cand = ps.add_parser("candidate", help="enter or replace the head or deputy candidate")
    cand.add_argument("pair_id", type=int, metavar="ID")
    cand.add_argument("--position", required=True, choices=("head", "deputy"))
    cand.add_argument("--nama", required=True)
    cand.add_argument("--nik", required=True)
    cand.add_argument("--tanggal-lahir", required=True, metavar="YYYY-MM-DD")
    cand.add_argument("--jenis-kelamin", required=True, choices=("L", "P"))
    cand.add_argument("--tempat-lahir", default="")
    cand.add_argument("--pekerjaan", default="")
    cand.add_argument("--alamat", default="")
    _common(cand)
    coal = ps.add_parser("coalition", help="replace the nominating parties (before registration)")
    coal.add_argument("pair_id", type=int, metavar="ID")
    coal.add_argument("--party", action="append", default=[], metavar="CODE", required=True)
    _common(coal)
    lo = ps.add_parser("lo", help="create (or link) the LO account of a pair")
    lo.add_argument("pair_id", type=int, metavar="ID")
    lo.add_argument("--username", dest="lo_username", required=True, help="the LO account")
    lo.add_argument("--full-name", default="")
    lo.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input",
    )
    lo.add_argument(
        "--existing",
        action="store_true",
        help="link an existing account with the role lo instead of creating one",
    )
    _common(lo)
    reg = ps.add_parser("register", help="register the pair (stage candidacy.register)")
    reg.add_argument("pair_id", type=int, metavar="ID")
    reg.add_argument(
        "--received",
        action="append",
        default=[],
        metavar="CODE",
        help="a document received (repeat); see `pair documents ID`",
    )
    reg.add_argument(
        "--all-received", action="store_true", help="every document of the checklist was received"
    )
    _common(reg)
    docs = ps.add_parser("documents", help="the checklist codes of a pair")
    docs.add_argument("pair_id", type=int, metavar="ID")
    _common(docs, as_flag=False)
    doc = ps.add_parser("document", help="KPU's finding on one document (MS/TMS)")
    doc.add_argument("pair_id", type=int, metavar="ID")
    doc.add_argument("code", metavar="CODE")
    doc.add_argument("status", choices=("ms", "tms", "received"))
    doc.add_argument("--note", default="")
    _common(doc)
    chk = ps.add_parser("check", help="run the rule checks and decide (eligible/ineligible)")
    chk.add_argument("pair_id", type=int, metavar="ID")
    _common(chk)
    # --- penetapan and the draw --------------------------------------------------------
    pen = sub.add_parser(
        "penetapan",
        help="set every eligible pair (stage candidacy.set_pairs)",
        description="Penetapan pasangan calon: every eligible pair becomes 'set', at once.",
    )
    _common(pen)
    draw = sub.add_parser(
        "ballot-draw",
        help="ballot numbers: as drawn at the ceremony, or drawn from a public seed",
        description=(
            "  ballot-draw --number ID=N [--number ID=N ...]   the numbers drawn at the ceremony\n"
            "  ballot-draw --seed TEXT                         the system draws from the seed:\n"
            "      " + services.DRAW_ALGORITHM
        ),
    )
    g = draw.add_mutually_exclusive_group(required=True)
    g.add_argument("--number", action="append", metavar="ID=N")
    g.add_argument("--seed", metavar="TEXT")
    _common(draw)
    return {
        "basis": basis_cmd,
        "parties": parties_cmd,
        "minimum": minimum_cmd,
        "pair": pair_cmd,
        "penetapan": penetapan_cmd,
        "ballot-draw": draw_cmd,
    }


# ============================================================================================
# Helpers
# ============================================================================================


def _pair(election, pair_id: int) -> Pair:
    try:
        return Pair.objects.select_related("election").get(pk=pair_id, election=election)
    except Pair.DoesNotExist:
        raise CommandError(f"no pair {pair_id} in {election.slug}", returncode=EXIT_USAGE) from None


def _out_json(command, data) -> None:
    command.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def _call(command, fn, **kwargs):
    """Run a service; turn its refusals into CommandError with the exit codes above."""
    try:
        return fn(**kwargs)
    except StageClosed as exc:
        raise CommandError(
            f"refused: {exc.decision.reason} (action {exc.decision.action}). Nothing changed.",
            returncode=EXIT_REFUSED,
        ) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}. Nothing changed.", returncode=EXIT_REFUSED) from None
    except services.PairRefused as exc:
        for reason in exc.reasons:
            command.stderr.write(f"  - {reason}")
        code = EXIT_INVALID if exc.code in INVALID_CODES else EXIT_REFUSED
        raise CommandError(f"{exc} Nothing changed. [{exc.code}]", returncode=code) from None
    except basis_services.BasisRefused as exc:
        code = EXIT_INVALID if exc.code == "bad_input" else EXIT_REFUSED
        raise CommandError(f"{exc} Nothing changed. [{exc.code}]", returncode=code) from None
    except basis_services.PartyImportRejected as exc:
        for error in exc.errors:
            command.stderr.write(f"  {error}")
        if exc.error_count > len(exc.errors):
            command.stderr.write(f"  ... and {exc.error_count - len(exc.errors)} more")
        raise CommandError(
            f"{exc.error_count} error(s); nothing was imported.", returncode=EXIT_INVALID
        ) from None
    except ValidationError as exc:
        messages = (
            [f"{f}: {m}" for f, ms in exc.message_dict.items() for m in ms]
            if hasattr(exc, "error_dict")
            else exc.messages
        )
        for message in messages:
            command.stderr.write(f"  {message}")
        raise CommandError("invalid input; nothing changed.", returncode=EXIT_INVALID) from None


def _fmt(n) -> str:
    return "-" if n is None else f"{n:,}"


# ============================================================================================
# basis, parties, minimum
# ============================================================================================


def _basis_data(election) -> dict:
    basis = selectors.basis_of(election)
    hint = selectors.basis_suggestion(election)
    return {
        "election": election.slug,
        "basis": None
        if basis is None
        else {
            "previous_dpt_total": basis.previous_dpt_total,
            "previous_dpt_source": basis.previous_dpt_source,
            "dpt_total": basis.dpt_total,
            "dprd_valid_votes": basis.dprd_valid_votes,
            "set_by": basis.set_by,
        },
        "suggestions": {
            "previous_dpt_register": hint.previous_dpt_register,
            "party_votes_sum": hint.party_votes_sum,
            "parties": hint.parties,
        },
    }


def basis_cmd(command, options):
    election = _election(options["election"])
    if options["basis_action"] == "set":
        kwargs = {}
        if options.get("previous_dpt") is not None:
            kwargs["previous_dpt_total"] = options["previous_dpt"]
        elif selectors.basis_of(election) is None:
            register = selectors.basis_suggestion(election).previous_dpt_register
            if not register:
                raise CommandError(
                    "no basis yet and no previous-DPT rows in the register: give --previous-dpt N",
                    returncode=EXIT_USAGE,
                )
            kwargs["previous_dpt_total"] = register
            if options["source"] is None:
                kwargs["previous_dpt_source"] = f"register: {register:,} rows dpt-lama"
        if options["source"] is not None:
            kwargs["previous_dpt_source"] = options["source"]
        if "dpt" in options:  # given: a number, or none to clear it
            kwargs["dpt_total"] = options["dpt"]
        if options["dprd_from_parties"]:
            kwargs["dprd_valid_votes"] = (
                selectors.basis_suggestion(election).party_votes_sum or None
            )
        elif "dprd_valid_votes" in options:
            kwargs["dprd_valid_votes"] = options["dprd_valid_votes"]
        _call(
            command,
            basis_services.set_basis,
            election=election,
            actor=_user(options["username"]),
            **kwargs,
        )
    data = _basis_data(election)
    if options["json"]:
        _out_json(command, data)
        return
    out = command.stdout.write
    b, s = data["basis"], data["suggestions"]
    if b is None:
        out("no basis set")
    else:
        out(
            f"last DPT (independent minimum)  {_fmt(b['previous_dpt_total']):>14}  "
            f"{b['previous_dpt_source']}"
        )
        out(
            f"DPT for the party band          {_fmt(b['dpt_total']):>14}"
            + ("" if b["dpt_total"] else "  (none: the last DPT is used)")
        )
        out(f"DPRD valid votes                {_fmt(b['dprd_valid_votes']):>14}")
    out(
        f"suggested: register dpt-lama rows {s['previous_dpt_register']:,}; "
        f"party votes {s['party_votes_sum']:,} over {s['parties']} parties"
    )


def parties_cmd(command, options):
    election = _election(options["election"])
    if options["parties_action"] == "import":
        result = _call(
            command,
            basis_services.import_party_votes,
            election=election,
            actor=_user(options["username"]),
            path=options["file"],
        )
        if options["json"]:
            _out_json(command, result.as_dict())
            return
        out = command.stdout.write
        out(
            command.style.SUCCESS(
                f"imported {result.parties} parties from {result.file_name}: {result.created} "
                f"new, {result.updated} changed, {result.unchanged} unchanged, {result.removed} "
                f"removed"
            )
        )
        out(f"  valid votes {result.total_valid_votes:,}; seats {result.total_seats:,}")
        out(f"  sha256 {result.sha256}")
        for note in result.notes:
            out(f"  note: {note}")
        return
    rows = [
        {
            "code": p.code,
            "name": p.name,
            "valid_votes": p.valid_votes,
            "seats": p.seats,
            "pair": next((pp.pair.name for pp in p.pairparty_set.all()), None),
        }
        for p in selectors.party_votes(election)
    ]
    if options["json"]:
        _out_json(command, rows)
        return
    for r in rows:
        command.stdout.write(
            f"{r['code']:<12} {r['valid_votes']:>12,} {_fmt(r['seats']):>5}  {r['name']}"
            + (f"  -> {r['pair']}" if r["pair"] else "")
        )
    command.stdout.write(f"{len(rows)} parties, {sum(r['valid_votes'] for r in rows):,} votes")


def minimum_cmd(command, options):
    election = _election(options["election"])
    m = selectors.minimum_support(election)
    if options["json"]:
        _out_json(command, m.as_dict())
        return
    out = command.stdout.write
    out(f"{m.election_name} ({m.level})")
    if not m.basis_set:
        out("  no basis set: `pilkada candidacy basis set --previous-dpt N`")
        return
    out(
        f"  independent: {m.percent} % of {m.previous_dpt_total:,} (last DPT) = "
        f"{m.minimum:,} supporters, in at least {m.spread_needed} of {m.areas_total} "
        f"{m.area_level}"
    )
    source = "threshold DPT" if m.party_dpt_source == "dpt_total" else "last DPT"
    out(
        f"  party:       {m.party_percent} % of the DPRD valid votes "
        f"({_fmt(m.dprd_valid_votes)}) = {_fmt(m.party_votes_needed)} votes; band from "
        f"{m.party_dpt_used:,} ({source})"
    )


# ============================================================================================
# pair
# ============================================================================================


def _pair_row(pair: Pair) -> dict:
    names = {c.position: c.nama for c in pair.candidates.all()}
    return {
        "id": pair.pk,
        "name": pair.name,
        "path": pair.path,
        "status": pair.status,
        "ballot_number": pair.ballot_number,
        "head": names.get("head"),
        "deputy": names.get("deputy"),
        "parties": sorted(pp.party.code for pp in pair.parties.all()),
    }


def _read_password(options) -> str:
    if options["password_stdin"]:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password (again): ") != password:
            raise CommandError("the passwords differ", returncode=EXIT_INVALID)
    else:
        raise CommandError(
            "no password: use --password-stdin, or run in a terminal to be asked",
            returncode=EXIT_INVALID,
        )
    if not password:
        raise CommandError("empty password", returncode=EXIT_INVALID)
    return password


def pair_cmd(command, options):
    election = _election(options["election"])
    action = options["pair_action"]
    actor = _user(options.get("username"))
    out = command.stdout.write
    if action == "add":
        if options["independent"] == bool(options["party"]):
            raise CommandError(
                "give --independent, or --party CODE (repeat for a coalition)",
                returncode=EXIT_USAGE,
            )
        pair = _call(
            command,
            services.add_pair,
            election=election,
            actor=actor,
            name=options["name"],
            independent=options["independent"],
            party_codes=options["party"],
        )
        row = _pair_row(pair)
        if options["json"]:
            _out_json(command, row)
        else:
            out(command.style.SUCCESS(f"added pair {pair.pk}: {pair.name} ({pair.path})"))
        return
    if action == "list":
        pairs = (
            Pair.objects.filter(election=election)
            .prefetch_related("candidates", "parties__party")
            .order_by(selectors.BALLOT_ORDER, "id")
        )
        if options["status"]:
            pairs = pairs.filter(status=options["status"])
        rows = [_pair_row(p) for p in pairs]
        if options["json"]:
            _out_json(command, rows)
            return
        for r in rows:
            number = f"#{r['ballot_number']}" if r["ballot_number"] else "  "
            out(
                f"{r['id']:>4} {number:>3} {r['status']:<11} {r['path']:<11} {r['name']}"
                + (f"  [{', '.join(r['parties'])}]" if r["parties"] else "")
            )
        out(f"{len(rows)} pairs")
        return
    pair = _pair(election, options["pair_id"])
    if action == "show":
        detail = selectors.pair_detail(user=None, pair=pair)
        data = detail.as_dict()
        if options["json"]:
            _out_json(command, data)
            return
        _print_detail(command, data)
        return
    if action == "documents":
        lines = required_documents(path=pair.path, parties=pair.parties.count())
        rows = [{"code": line.code, "label": line.label} for line in lines]
        if options["json"]:
            _out_json(command, rows)
            return
        for r in rows:
            out(f"{r['code']:<40} {r['label']}")
        return
    if action == "candidate":
        c = _call(
            command,
            services.set_candidate,
            pair=pair,
            actor=actor,
            position=options["position"],
            nama=options["nama"],
            nik=options["nik"],
            tanggal_lahir=options["tanggal_lahir"],
            jenis_kelamin=options["jenis_kelamin"],
            tempat_lahir=options["tempat_lahir"],
            pekerjaan=options["pekerjaan"],
            alamat=options["alamat"],
        )
        data = {"pair_id": pair.pk, "position": c.position, "nama": c.nama}
        if options["json"]:
            _out_json(command, data)
        else:
            out(command.style.SUCCESS(f"pair {pair.pk}: {c.position} = {c.nama}"))
        return
    if action == "coalition":
        _call(command, services.set_coalition, pair=pair, actor=actor, party_codes=options["party"])
        row = _pair_row(Pair.objects.get(pk=pair.pk))
        if options["json"]:
            _out_json(command, row)
        else:
            out(command.style.SUCCESS(f"pair {pair.pk}: parties {', '.join(row['parties'])}"))
        return
    if action == "lo":
        if options["existing"]:
            user = _call(
                command,
                services.link_liaison,
                pair=pair,
                actor=actor,
                username=options["lo_username"],
            )
        else:
            password = _read_password(options)
            user = _call(
                command,
                services.create_liaison,
                pair=pair,
                actor=actor,
                username=options["lo_username"],
                password=password,
                full_name=options["full_name"],
            )
        data = {"pair_id": pair.pk, "username": user.username, "role": user.role}
        if options["json"]:
            _out_json(command, data)
        else:
            out(command.style.SUCCESS(f"LO {user.username} acts for pair {pair.pk}"))
        return
    if action == "register":
        received = options["received"]
        if options["all_received"]:
            lines = required_documents(path=pair.path, parties=pair.parties.count())
            received = [line.code for line in lines]
        pair = _call(command, services.register_pair, pair=pair, actor=actor, received=received)
        if options["json"]:
            _out_json(command, _pair_row(pair))
        else:
            out(command.style.SUCCESS(f"pair {pair.pk} registered on {pair.registered_on}"))
        return
    if action == "document":
        row = _call(
            command,
            services.record_document,
            pair=pair,
            actor=actor,
            code=options["code"],
            status=options["status"],
            note=options["note"],
        )
        data = {"pair_id": pair.pk, "code": row.code, "status": row.status, "note": row.note}
        if options["json"]:
            _out_json(command, data)
        else:
            out(f"pair {pair.pk}: {row.code} = {row.status}")
        return
    if action == "check":
        result = _call(command, services.check_requirements, pair=pair, actor=actor)
        if options["json"]:
            _out_json(command, result.as_dict())
            return
        for r in result.rules:
            out(f"  {r['status']:<3} {r['code']:<14} {r['note']}")
        if not result.decided:
            out(
                f"pair {pair.pk}: not decided; documents not yet examined: "
                + ", ".join(result.pending)
            )
            return
        out(f"pair {pair.pk}: {result.status}")
        for reason in result.reasons:
            out(f"  - {reason}")
        return
    raise CommandError(f"unknown action {action!r}", returncode=EXIT_USAGE)


def _print_detail(command, d: dict) -> None:
    out = command.stdout.write
    number = f" #{d['ballot_number']}" if d["ballot_number"] else ""
    out(f"pair {d['id']}{number}: {d['name']} ({d['path']}, {d['status']})")
    if d["status_note"]:
        for line in d["status_note"].splitlines():
            out(f"  - {line}")
    for c in d["candidates"]:
        out(f"  {c['position']:<7} {c['nama']}  NIK {c['nik']}  born {c['tanggal_lahir']}")
    if d["parties"]:
        out("  parties " + ", ".join(f"{p['code']} ({p['valid_votes']:,})" for p in d["parties"]))
    if "threshold" in d:
        t = d["threshold"]
        out(
            f"  threshold: {t['missing'] or ('met' if t['meets'] else 'not met')} "
            f"({_fmt(t['coalition_votes'])} of {_fmt(t['total_valid_votes'])}, need "
            f"{_fmt(t['votes_needed'])})"
        )
    if "support" in d:
        s = d["support"]
        out(
            f"  support: {_fmt(s['counted'])} of {_fmt(s['minimum'])}; spread "
            f"{s['areas_with_support']}/{s['spread_needed']}; "
            f"{'met' if s['meets'] else 'not met'}"
        )
    for r in d["documents"] + d["rules"]:
        out(f"  [{r['status']:<8}] {r['code']:<36} {r['note']}")
    if d["liaisons"]:
        out("  LO " + ", ".join(d["liaisons"]))


# ============================================================================================
# penetapan, ballot draw
# ============================================================================================


def penetapan_cmd(command, options):
    election = _election(options["election"])
    result = _call(command, services.set_pairs, election=election, actor=_user(options["username"]))
    if options["json"]:
        _out_json(command, result.as_dict())
        return
    out = command.stdout.write
    out(command.style.SUCCESS(f"{len(result.pairs)} pairs set on {result.set_on}"))
    for p in result.pairs:
        out(f"  {p['id']:>4} {p['name']}")
    for p in result.not_set:
        out(f"  not set: {p['id']:>4} {p['name']} ({p['status']})")
    out(f"  sha256 {result.sha256}")


def draw_cmd(command, options):
    election = _election(options["election"])
    numbers = None
    if options["number"]:
        numbers = {}
        for item in options["number"]:
            pid, sep, n = item.partition("=")
            if not sep or not pid.strip().isdigit() or not n.strip().isdigit():
                raise CommandError(f"--number {item!r}: use ID=N", returncode=EXIT_USAGE)
            if int(pid) in numbers:
                raise CommandError(f"--number: pair {pid} given twice", returncode=EXIT_USAGE)
            numbers[int(pid)] = int(n)
    result = _call(
        command,
        services.draw_ballot_numbers,
        election=election,
        actor=_user(options["username"]),
        numbers=numbers,
        seed=None if numbers is not None else options["seed"],
    )
    if options["json"]:
        _out_json(command, result.as_dict())
        return
    out = command.stdout.write
    out(command.style.SUCCESS(f"ballot numbers ({result.method})"))
    for r in result.numbers:
        out(f"  {r['number']:>2}  pair {r['pair_id']:>4}  {r['name']}")
    if result.method == "seeded":
        out(f"  seed {result.seed!r}; {result.algorithm}")

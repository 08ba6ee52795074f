"""Bawaslu's oversight from the command line, through the same services and selectors as the
pages:

* ``recommend --subject supporter|batch|pair|decision --id N --text TEXT --as USER``;
* ``recommendations [--status S] [--paslon N] [--as USER] [--json]``;
* ``recommendation answer ID --followed|--not-followed --answer TEXT --as USER``;
* ``oversight summary [--as USER] [--json]`` -- per pair: vermin reasons, verfak outcomes,
  objections, recommendations;
* ``oversight objections [--paslon N] [--status S] [--as USER] [--json]``;
* ``oversight export --paslon N --out FILE [--as USER] [filters]`` -- masked CSV, audited.
"""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from ..models import BawasluRecommendation, Pair, SupportObjection
from ..selectors import oversight as selectors
from ..services import oversight as services
from .common import EXIT_REFUSED, EXIT_USAGE, election_of, user_of


def add_parsers(sub) -> dict:
    rec = sub.add_parser(
        "recommend",
        help="Bawaslu: record a recommendation against a supporter, batch, pair or decision",
        description=(
            "--id is the supporter's, batch's or pair's id; for a KPU decision, the audit "
            "entry's seq (`pilkada audit` lists them). Exit status: 0 recorded; 2 bad input; "
            "3 refused (not Bawaslu, or outside its region)."
        ),
    )
    rec.add_argument("--subject", required=True, choices=BawasluRecommendation.Subject.values)
    rec.add_argument("--id", dest="object_id", required=True, metavar="N")
    rec.add_argument("--text", required=True)
    rec.add_argument("--paslon", metavar="N", help="for a decision: the pair it concerns")
    rec.add_argument("--as", dest="username", metavar="USERNAME", required=True)
    rec.add_argument("--election", metavar="SLUG")
    rec.add_argument("--json", action="store_true")

    lst = sub.add_parser("recommendations", help="Bawaslu's recommendations and KPU's answers")
    lst.add_argument("--status", choices=BawasluRecommendation.Status.values)
    lst.add_argument("--paslon", metavar="N")
    lst.add_argument("--as", dest="username", metavar="USERNAME")
    lst.add_argument("--election", metavar="SLUG")
    lst.add_argument("--json", action="store_true")

    one = sub.add_parser("recommendation", help="answer a recommendation (KPU)")
    one_sub = one.add_subparsers(dest="recommendation_command", required=True, metavar="COMMAND")
    ans = one_sub.add_parser(
        "answer",
        help="KPU's answer: followed, or not followed with the reasons",
        description="Exit status: 0 answered; 2 bad input or already answered; 3 refused.",
    )
    ans.add_argument("recommendation_id", metavar="ID", type=int)
    decision = ans.add_mutually_exclusive_group(required=True)
    decision.add_argument("--followed", action="store_true")
    decision.add_argument("--not-followed", action="store_true")
    ans.add_argument("--answer", required=True, help="what was done, or why not")
    ans.add_argument("--as", dest="username", metavar="USERNAME", required=True)
    ans.add_argument("--json", action="store_true")

    ov = sub.add_parser("oversight", help="Bawaslu's read-only view: summary, objections, export")
    ov_sub = ov.add_subparsers(dest="oversight_command", required=True, metavar="COMMAND")
    summ = ov_sub.add_parser("summary", help="per pair: vermin, verfak, objections, recs")
    obj = ov_sub.add_parser("objections", help="citizens' objections, masked, with counts")
    obj.add_argument("--paslon", metavar="N")
    obj.add_argument("--status", choices=SupportObjection.Status.values)
    exp = ov_sub.add_parser(
        "export",
        help="a pair's supporters as masked CSV (audited)",
        description="Filters as the page: --status, --vermin, --reason, --verfak, --outcome, "
        "--region. The export is recorded in the audit log.",
    )
    exp.add_argument("--paslon", required=True, metavar="N")
    exp.add_argument("--out", required=True, metavar="FILE")
    for name, key in (("--status", "status"), ("--vermin", "vermin"), ("--reason", "alasan"),
                      ("--verfak", "verfak"), ("--outcome", "hasil"),
                      ("--region", "wilayah")):  # fmt: skip
        exp.add_argument(name, dest=f"filter_{key}", default="")
    for p in (summ, obj, exp):
        p.add_argument("--as", dest="username", metavar="USERNAME")
        p.add_argument("--election", metavar="SLUG")
        p.add_argument("--json", action="store_true")
    return {
        "recommend": _recommend,
        "recommendations": _recommendations,
        "recommendation": _answer,
        "oversight": _oversight,
    }


def _refused(exc) -> CommandError:
    if isinstance(exc, services.OversightRefused):
        return CommandError(f"refused [{exc.code}]: {' '.join(exc.messages)}",
                            returncode=EXIT_USAGE)  # fmt: skip
    return CommandError(f"refused: {exc}", returncode=EXIT_REFUSED)


def _recommend(command, options):
    election = election_of(options["election"])
    try:
        rec = services.recommend(
            election=election,
            actor=user_of(options["username"]),
            subject=options["subject"],
            object_id=options["object_id"],
            text=options["text"],
            pair=options["paslon"],
        )
    except (services.OversightRefused, PermissionDenied) as exc:
        raise _refused(exc) from None
    if options["json"]:
        command.stdout.write(json.dumps(selectors.as_dict(rec), ensure_ascii=False, indent=2))
        return
    command.stdout.write(f"recommendation {rec.pk} recorded ({rec.subject} {rec.object_id})")


def _recommendations(command, options):
    election = election_of(options["election"])
    try:
        page = selectors.recommendation_page(
            user=user_of(options["username"]), election=election,
            status=options["status"] or "", pair_id=options["paslon"],
        )  # fmt: skip
    except PermissionDenied as exc:
        raise _refused(exc) from None
    rows = [selectors.as_dict(r) for r in page.rows]
    if options["json"]:
        data = {"counts": page.counts, "recommendations": rows, "more": page.has_next}
        command.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for r in rows:
        command.stdout.write(
            f"{r['id']:>5} {r['created_on']} {r['subject']:<9} {r['object_id']:>8} "
            f"{r['status']:<12} {r['text'][:60]}"
        )


def _answer(command, options):
    try:
        rec = services.answer_recommendation(
            recommendation=options["recommendation_id"],
            actor=user_of(options["username"]),
            followed=bool(options["followed"]),
            answer=options["answer"],
        )
    except (services.OversightRefused, PermissionDenied) as exc:
        raise _refused(exc) from None
    if options["json"]:
        command.stdout.write(json.dumps(selectors.as_dict(rec), ensure_ascii=False, indent=2))
        return
    command.stdout.write(f"recommendation {rec.pk}: {rec.status}")


def _oversight(command, options):
    election = election_of(options["election"])
    user = user_of(options["username"])
    handler = {"summary": _summary, "objections": _objections, "export": _export}
    try:
        return handler[options["oversight_command"]](command, options, election, user)
    except PermissionDenied as exc:
        raise _refused(exc) from None


def _summary(command, options, election, user):
    rows = [o.as_dict() for o in selectors.overview(user=user, election=election)]
    if options["json"]:
        command.stdout.write(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for r in rows:
        command.stdout.write(f"pair {r['pair']} {r['name']}: listed {r['listed']:,}; "
                             f"status {r['status']}; objections {r['objections']}")  # fmt: skip
        command.stdout.write(f"  vermin {r['vermin']} reasons {r['vermin_reasons']}")
        command.stdout.write(f"  verfak {r['verfak_outcomes']}; recs {r['recommendations']}")


def _objections(command, options, election, user):
    page = selectors.objection_page(
        user=user, election=election, pair_id=options["paslon"], status=options["status"] or ""
    )
    if options["json"]:
        data = {"counts": page.counts, "objections": page.rows, "more": page.has_next}
        command.stdout.write(json.dumps(data, ensure_ascii=False, indent=2))
        return
    for c in page.counts:
        command.stdout.write(f"pair {c['pair']} {c['name']}: {c['total']} objections "
                             + ", ".join(f"{k} {v}" for k, v in c.items()
                                         if k not in ("pair", "name", "total")))  # fmt: skip


def _export(command, options, election, user):
    filters = {k[len("filter_") :]: v for k, v in options.items() if k.startswith("filter_") and v}
    try:
        result, lines = services.export_supporters(
            user=user, election=election, pair_id=options["paslon"], filters=filters
        )
    except (Pair.DoesNotExist, ValueError):
        raise CommandError(f"no pair {options['paslon']!r} you may see",
                           returncode=EXIT_USAGE) from None  # fmt: skip
    with open(options["out"], "w", encoding="utf-8", newline="") as out:
        for line in lines:
            out.write(line)
    data = {**result.as_dict(), "file": options["out"]}
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2))
        return
    command.stdout.write(f"{data['rows']:,} rows (masked) written to {options['out']}")

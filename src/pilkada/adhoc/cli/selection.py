"""`pilkada adhoc` subcommands of the selection: scores-import, rank, women, announce, sk."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.engine.tabular_read import FileRejected

from ..models import Body, SelectionAnnouncement
from ..selectors.selection import women_report
from ..services.selection import SelectionRefused, import_scores, publish_announcement, rank
from ..services.sk import SkRefused, generate_sk
from .common import EXIT_BAD_FILE, EXIT_REFUSED, EXIT_USAGE, election_of, user_of


def _common(p, *, user: bool = True):
    p.add_argument("--election", metavar="SLUG")
    if user:
        p.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="act as this officer (scope and permissions); default: operator",
        )
    p.add_argument("--json", action="store_true")


def add_parsers(sub) -> dict:
    p = sub.add_parser(
        "scores-import",
        help="import written-test or interview scores (number,written_score or "
        "number,interview_score)",
        description="FILE: CSV, XLSX or Parquet with the columns `number` and `written_score` "
        "(--kind written) or `interview_score` (--kind interview), scores 0..100. Each row is "
        "accepted or goes to the rejects file with its line and reason; nothing is written "
        "when no row is accepted.",
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument("--kind", required=True, choices=["written", "interview"])
    _common(p)
    r = sub.add_parser("rank", help="rank every area: final score, rank, selected/reserve")
    r.add_argument("--body", choices=Body.values)
    r.add_argument("--region", default="", help="only areas under this region code")
    _common(r)
    w = sub.add_parser("women", help="the 30 %% women rule per ranked area (missed ones)")
    w.add_argument("--body", choices=Body.values)
    w.add_argument("--region", default="")
    w.add_argument("--all", action="store_true", help="every ranked area, not only missed")
    _common(w, user=False)
    a = sub.add_parser("announce", help="publish a stage's announcement for a body and region")
    a.add_argument("--body", required=True, choices=Body.values)
    a.add_argument("--region", default="", help="default: the officer's region")
    a.add_argument("--stage", required=True, choices=SelectionAnnouncement.Stage.values)
    _common(a)
    s = sub.add_parser("sk", help="the SK listing of the selected members as a PDF")
    s.add_argument("--body", required=True, choices=Body.values)
    s.add_argument(
        "--region",
        required=True,
        help="area code, or kab/kota (PPK, PPS) or kelurahan (KPPS, Pantarlih)",
    )
    s.add_argument("--number", required=True, help="the SK number")
    s.add_argument("--date", required=True, help="the SK date, YYYY-MM-DD")
    s.add_argument("--title", default="")
    s.add_argument("--out", metavar="FILE", help="also copy the PDF here")
    _common(s)
    return {
        "scores-import": _scores_import,
        "rank": _rank,
        "women": _women,
        "announce": _announce,
        "sk": _sk,
    }


def _refused(exc) -> CommandError:
    return CommandError(f"refused: {exc}", returncode=EXIT_REFUSED)


def _scores_import(command, options):
    election = election_of(options["election"])
    try:
        result = import_scores(
            election=election,
            actor=user_of(options["username"]),
            path=options["file"],
            kind=options["kind"],
        )
    except FileRejected as exc:
        raise CommandError(
            f"{options['file']}: {exc} [{exc.code}] Nothing was changed.", returncode=EXIT_BAD_FILE
        ) from None
    except SelectionRefused as exc:
        raise CommandError(str(exc), returncode=EXIT_USAGE) from None
    except PermissionDenied as exc:
        raise _refused(exc) from None
    data = result.as_dict()
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2))
        return
    reasons = ", ".join(f"{k} {v:,}" for k, v in data["reasons"].items()) or "none"
    command.stdout.write(
        f"{data['kind']} scores: {data['accepted']:,} accepted, {data['rejected']:,} rejected "
        f"of {data['read']:,} rows ({reasons}); rejects: {data['rejects_file']}"
    )


def _rank(command, options):
    election = election_of(options["election"])
    try:
        out = rank(
            election=election,
            actor=user_of(options["username"]),
            body=options["body"],
            region_prefix=options["region"],
        )
    except SelectionRefused as exc:
        raise CommandError(str(exc), returncode=EXIT_USAGE) from None
    except PermissionDenied as exc:
        raise _refused(exc) from None
    if options["json"]:
        command.stdout.write(json.dumps(out, indent=2))
        return
    command.stdout.write(
        f"ranked {out['applications']:,} applications in {out['areas']:,} areas: "
        f"{out['selected']:,} selected, {out['reserve']:,} reserve, "
        f"{out['not_selected']:,} not selected"
    )
    for body, c in out["by_body"].items():
        command.stdout.write(
            f"  {body:<10} {c['areas']:>7,} areas {c['selected']:>8,} selected "
            f"{c['reserve']:>8,} reserve"
        )


def _women(command, options):
    election = election_of(options["election"])
    rows = women_report(
        election=election,
        body=options["body"],
        region_prefix=options["region"],
        missed_only=not options["all"],
    )
    if options["json"]:
        command.stdout.write(json.dumps(rows, indent=2))
        return
    if not rows:
        command.stdout.write("every ranked area meets the 30 % women rule")
    for r in rows:
        flag = "met" if r["met"] else "MISSED"
        command.stdout.write(
            f"{r['body']:<10} {r['region_code']:<13} women {r['women']}/"
            f"{r['seats']} (at least {r['required']}) {flag}"
        )


def _announce(command, options):
    election = election_of(options["election"])
    try:
        ann = publish_announcement(
            election=election,
            actor=user_of(options["username"]),
            body=options["body"],
            region_code=options["region"],
            stage=options["stage"],
        )
    except SelectionRefused as exc:
        raise _refused(exc) from None
    except PermissionDenied as exc:
        raise _refused(exc) from None
    data = {
        "id": ann.pk,
        "body": ann.body,
        "region_code": ann.region_code,
        "stage": ann.stage,
        "version": ann.version,
        "rows": ann.rows,
        "areas": ann.areas,
        "file": ann.file,
        "sha256": ann.sha256,
    }
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2))
        return
    command.stdout.write(
        f"published {ann.stage} {ann.body} {ann.region_code} v{ann.version}: "
        f"{ann.rows:,} rows in {ann.areas:,} areas"
    )


def _sk(command, options):
    election = election_of(options["election"])
    try:
        day = dt.date.fromisoformat(options["date"])
    except ValueError:
        raise CommandError(
            f"--date {options['date']!r} is not YYYY-MM-DD", returncode=EXIT_USAGE
        ) from None
    try:
        result = generate_sk(
            election=election,
            actor=user_of(options["username"]),
            body=options["body"],
            region_code=options["region"],
            number=options["number"],
            date=day,
            title=options["title"],
        )
    except SkRefused as exc:
        raise _refused(exc) from None
    except PermissionDenied as exc:
        raise _refused(exc) from None
    data = result.as_dict()
    if options["out"]:
        shutil.copyfile(Path(settings.DATA_DIR) / result.file, options["out"])
        data["out"] = options["out"]
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2))
        return
    command.stdout.write(
        f"SK {result.body} {result.region_code} v{result.version}: "
        f"{result.members} members, {result.file} sha256 {result.sha256}"
    )

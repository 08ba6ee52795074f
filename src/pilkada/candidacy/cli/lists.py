"""`pilkada candidacy lists` and `pilkada candidacy lists-upload`: the NIK lists KPU uploads
(TNI, Polri, ASN, village officials, organisers and ad hoc members, party members)."""

from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.engine.tabular_read import FileRejected

from ..models import NikList
from ..selectors import lists as selectors
from ..services.lists import ListUploadRefused, upload_nik_list
from .common import EXIT_BAD_FILE, EXIT_REFUSED, EXIT_USAGE, election_of, user_of


def add_parsers(sub) -> dict:
    up = sub.add_parser(
        "lists-upload",
        help="replace a NIK list (evidence for the checks) with a file's NIKs",
        description="FILE: CSV, XLSX or Parquet with a `nik` column. Rejected rows go to the "
        "rejects file with their line and reason; the list is replaced whole.",
    )
    up.add_argument("file", metavar="FILE")
    up.add_argument("--category", required=True, choices=NikList.Category.values)
    up.add_argument("--source", default="", help="where the list comes from (e.g. SIPOL)")
    up.add_argument("--election", metavar="SLUG")
    up.add_argument("--as", dest="username", metavar="USERNAME")
    up.add_argument("--json", action="store_true")
    show = sub.add_parser("lists", help="the NIK lists on record, with their counts")
    show.add_argument("--election", metavar="SLUG")
    show.add_argument("--json", action="store_true")
    return {"lists-upload": _upload, "lists": _show}


def _upload(command, options):
    election = election_of(options["election"])
    try:
        result = upload_nik_list(
            election=election,
            category=options["category"],
            path=options["file"],
            actor=user_of(options["username"]),
            source=options["source"],
        )
    except FileRejected as exc:
        raise CommandError(f"{options['file']}: {exc} [{exc.code}] Nothing was changed.",
                           returncode=EXIT_BAD_FILE) from None  # fmt: skip
    except ListUploadRefused as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_USAGE) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    data = result.as_dict()
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2))
        return
    command.stdout.write(
        f"list {data['category']}: {data['accepted']:,} NIKs ({data['read']:,} rows read, "
        f"{data['duplicates']:,} duplicates, {data['rejected']:,} rejected: "
        f"{data['rejects_file']})"
    )


def _show(command, options):
    election = election_of(options["election"])
    rows = [
        {"category": n.category, "entries": n.entries, "rejected": n.rejected,
         "file": n.file_name, "sha256": n.sha256, "uploaded_by": n.uploaded_by,
         "created_at": n.created_at.isoformat()}
        for n in selectors.nik_lists(election=election)
    ]  # fmt: skip
    if options["json"]:
        command.stdout.write(json.dumps(rows, indent=2))
        return
    for r in rows:
        command.stdout.write(f"{r['category']:<18} {r['entries']:>10,}  {r['file']}")

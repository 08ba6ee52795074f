"""`pilkada voters duplicates`: the duplicates review queue from the command line.

    pilkada voters duplicates [--run] [--export FILE] [--unmasked] [--json]
                              [--election SLUG] [--as USERNAME] [--quiet]
    pilkada voters duplicates confirm GROUP [--keep VOTER_ID] [--remove VOTER_ID ...]
    pilkada voters duplicates reject GROUP [--voters VOTER_ID ...] [--note TEXT]
    pilkada voters duplicates undo GROUP

GROUP is the group's number (as the pages show it) or its key (``G123``: the latest group
with that key). The same services as the web pages.
"""

from __future__ import annotations

import csv
import json
import os
import time
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.accounts import permissions
from pilkada.core.masking import log_unmasked_access
from pilkada.schedule.gate import StageClosed

from ..models import DuplicateGroup
from ..selectors import duplicates as selectors
from ..services.duplicates import (
    DuplicateRefused,
    confirm_duplicate,
    detect_duplicates,
    reject_duplicate,
    undo_confirm,
)

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
ACTIONS = ("confirm", "reject", "undo")


def add_parsers(sub) -> dict:
    p = sub.add_parser(
        "duplicates",
        help="duplicate detection (ganda): run it, export the queue, confirm or reject",
        description=(
            "Without ACTION: print the review queue's counts; --run runs detection first "
            "(progress on stderr); --export FILE writes one CSV row per member of each "
            "suggested group (group_id,nik,nama,status,voter_id,kelurahan_code,kind,size,"
            "match_weight,match_probability,decision,voter_status,tms_code), NIK masked "
            "unless --unmasked (logged). ACTION confirm/reject/undo decides GROUP. Exit "
            "status: 0 done; 1 failed; 2 bad usage; 3 refused (stage window closed, no "
            "permission, already decided)."
        ),
    )
    p.add_argument("action", nargs="?", choices=ACTIONS, metavar="ACTION",
                   help="confirm | reject | undo")  # fmt: skip
    p.add_argument("group", nargs="?", metavar="GROUP", help="group number or key (G123)")
    p.add_argument("--run", action="store_true", help="run duplicate detection first")
    p.add_argument("--export", metavar="FILE", help="write the queue as CSV")
    p.add_argument("--unmasked", action="store_true", help="full NIKs in the export (logged)")
    p.add_argument("--keep", metavar="VOTER_ID", help="confirm: the record kept")
    p.add_argument("--remove", nargs="+", metavar="VOTER_ID", help="confirm: records removed")
    p.add_argument("--voters", nargs="+", metavar="VOTER_ID", help="reject: only these records")
    p.add_argument("--note", default="", help="a note kept with the decision")
    p.add_argument("--election", metavar="SLUG", help="default: the only election")
    p.add_argument("--as", dest="username", metavar="USERNAME", help="the KPU officer")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return {"duplicates": duplicates}


def _refused(exc) -> CommandError:
    if isinstance(exc, StageClosed):
        return CommandError(
            f"refused: {exc.decision.reason} (action {exc.decision.action}). Nothing changed.",
            returncode=EXIT_REFUSED,
        )
    if isinstance(exc, DuplicateRefused):
        code = EXIT_USAGE if exc.code in {"bad_input", "not_a_member", "no_group"} else 3
        return CommandError(f"refused: {exc}", returncode=code)
    return CommandError(f"refused: {exc}. Nothing changed.", returncode=EXIT_REFUSED)


class _Progress:
    def __init__(self, stream):
        self.stream, self.last = stream, ""

    def __call__(self, done, total=None, message=""):
        if message != self.last:
            self.last = message
            self.stream.write(f"duplicates: {message} ({done}%)")
            self.stream.flush()


def _group(election, value: str) -> DuplicateGroup:
    groups = DuplicateGroup.objects.filter(election=election)
    try:
        if value.isdigit():
            return groups.get(pk=int(value))
        group = groups.filter(group_key=value.upper()).order_by("-run_id").first()
        if group is None:
            raise DuplicateGroup.DoesNotExist
        return group
    except DuplicateGroup.DoesNotExist:
        raise CommandError(f"no duplicate group {value!r}", returncode=EXIT_USAGE) from None


def duplicates(command, options):
    action = options["action"]
    if action and not options["group"]:
        raise CommandError(f"{action} needs a GROUP (number or key)", returncode=EXIT_USAGE)
    if not action and options["group"]:
        raise CommandError(
            f"unknown action {options['group']!r}: use {', '.join(ACTIONS)}",
            returncode=EXIT_USAGE,
        )
    if options["unmasked"] and not options["export"]:
        raise CommandError("--unmasked only applies to --export", returncode=EXIT_USAGE)
    election = command._election(options["election"])
    actor = command._user(options["username"])
    out: dict = {"election": election.slug}
    try:
        if action:
            out.update(_decide(election, actor, action, options))
        if options["run"]:
            progress = None if options["quiet"] or options["json"] else _Progress(command.stderr)
            started = time.perf_counter()
            run = detect_duplicates(election=election, actor=actor, progress=progress)
            out["run"] = {
                "run_id": run.pk,
                "rows": run.rows,
                "groups": run.groups,
                "pairs": run.pairs,
                "exact_groups": run.exact_groups,
                "probable_groups": run.probable_groups,
                "conflict_groups": run.conflict_groups,
                "rejections_applied": run.rejections_applied,
                "seconds": round(time.perf_counter() - started, 3),
            }
        if options["export"]:
            out["export"] = _export(election, actor, options)
    except (StageClosed, PermissionDenied, DuplicateRefused) as exc:
        raise _refused(exc) from None
    out["queue"] = selectors.queue_counts(user=actor, election=election)
    if options["json"]:
        command.stdout.write(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    write = command.stdout.write
    if "decision" in out:
        write(command.style.SUCCESS(out["decision"]["message"]))
    if "run" in out:
        r = out["run"]
        write(
            command.style.SUCCESS(
                f"detection over {r['rows']:,} voters: {r['groups']:,} groups "
                f"({r['exact_groups']:,} same NIK, {r['probable_groups']:,} probable, "
                f"{r['conflict_groups']:,} two people under one NIK?) in {r['seconds']:.1f} s"
            )
        )
    if "export" in out:
        e = out["export"]
        masking = "unmasked" if e["unmasked"] else "NIK masked"
        write(f"wrote {e['rows']:,} rows to {e['file']} ({masking})")
    q = out["queue"]
    write(
        f"queue: {q['open']:,} open ({q['exact']:,} same NIK, {q['probable']:,} probable, "
        f"{q['conflict']:,} NIK conflicts); {q['confirmed']:,} confirmed, "
        f"{q['rejected']:,} rejected"
    )


def _decide(election, actor, action, options) -> dict:
    group = _group(election, options["group"])
    if action == "confirm":
        if options["voters"]:
            raise CommandError("confirm takes --keep/--remove, not --voters", returncode=2)
        decisions = confirm_duplicate(
            group=group,
            actor=actor,
            keep=options["keep"],
            remove=options["remove"],
            note=options["note"],
        )
        kept = decisions[0].kept_voter_id
        removed = [d.removed_voter_id for d in decisions]
        message = f"group {group.group_key} confirmed: kept {kept}, TMS 2: {removed}"
        return {"decision": {"group": group.pk, "action": action, "kept": kept,
                             "removed": removed, "message": message}}  # fmt: skip
    if options["keep"] or options["remove"]:
        raise CommandError(f"{action} does not take --keep/--remove", returncode=EXIT_USAGE)
    if action == "reject":
        decision = reject_duplicate(
            group=group, actor=actor, voters=options["voters"], note=options["note"]
        )
        pairs = decision.rejections.count()
        message = f"group {group.group_key} rejected: {pairs} pair(s) remembered"
        return {"decision": {"group": group.pk, "action": action, "pairs": pairs,
                             "message": message}}  # fmt: skip
    decisions = undo_confirm(group=group, actor=actor, note=options["note"])
    restored = [d.removed_voter_id for d in decisions]
    message = f"group {group.group_key}: confirm undone, restored {restored}"
    return {"decision": {"group": group.pk, "action": action, "restored": restored,
                         "message": message}}  # fmt: skip


def _export(election, actor, options) -> dict:
    unmasked = options["unmasked"]
    if actor is not None:
        permissions.require(actor, "voters.export", election.region_code)
        if unmasked:
            permissions.require(actor, "voters.view_unmasked", election.region_code)
    path = Path(options["export"])
    if path.is_dir():
        raise CommandError(f"{path} is a directory", returncode=EXIT_USAGE)
    if not path.parent.exists():
        raise CommandError(f"directory {path.parent} does not exist", returncode=EXIT_USAGE)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    ids = []
    rows = 0
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=selectors.EXPORT_COLUMNS)
            writer.writeheader()
            for row in selectors.export_rows(user=actor, election=election, unmasked=unmasked):
                writer.writerow(row)
                ids.append(row["voter_id"])
                rows += 1
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {exc}", returncode=EXIT_FAILED) from None
    if unmasked:
        log_unmasked_access(
            actor=actor if actor is not None else "cli",
            what="voters.duplicates_export",
            object_type="voters.Voter",
            object_ids=ids,
            reason=f"pilkada voters duplicates --export {path.name} --unmasked",
        )
    return {"file": str(path), "rows": rows, "unmasked": unmasked}


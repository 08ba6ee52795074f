"""`pilkada voters` subcommands: publication -- `publish`, `recap`, `verify-snapshots`."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.schedule.gate import StageClosed

EXIT_FAILED = 1  # nothing to publish / verification found a mismatch
EXIT_USAGE = 2  # unknown kind, bad region, unknown snapshot
EXIT_REFUSED = 3  # stage closed, no permission

KINDS_HELP = "dps, dpshp or dpt"


def add_parsers(sub) -> dict:
    p = sub.add_parser(
        "publish",
        help="publish the DPS, DPSHP or DPT as a new immutable snapshot version",
        description=(
            "Exports the list (DP4 and coklit voters that are not TMS; see "
            "docs/publication.md) to Parquet and CSV under DATA_DIR/published/, records its "
            "SHA-256 in the snapshot and the audit log, and computes the recap per TPS, "
            "kelurahan, kecamatan, kab/kota and province. Exit status: 0 published; "
            "1 nothing to publish (or a DPT with voters without TPS); 2 bad usage; "
            "3 refused (stage closed or no permission)."
        ),
    )
    p.add_argument("kind", metavar="KIND", help=KINDS_HELP)
    p.add_argument("--region", metavar="CODE", help="a kab/kota (default: the whole region)")
    p.add_argument("--election", metavar="SLUG", help="default: the only election")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.add_argument("--as", dest="username", metavar="USERNAME", help="the KPU officer publishing")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")

    r = sub.add_parser(
        "recap",
        help="the recap (A-Rekap) of a published snapshot; export it as CSV",
        description=(
            "Prints the recap of a snapshot (by default the latest DPT, else the latest "
            "snapshot) per region: voters by sex, disability, age group and KTP-el, TPS "
            "count, problem counters. --export FILE writes CSV (every level unless --level)."
        ),
    )
    which = r.add_mutually_exclusive_group()
    which.add_argument("--snapshot", metavar="ID", type=int, help="the snapshot id")
    which.add_argument("--kind", metavar="KIND", help=f"the latest snapshot of {KINDS_HELP}")
    r.add_argument(
        "--level",
        metavar="LEVEL",
        help="provinsi, kabkota, kecamatan, kelurahan or tps (default: every level)",
    )
    r.add_argument("--region", metavar="CODE", help="only this region and below")
    r.add_argument("--export", metavar="FILE", help="write CSV to FILE ('-' for stdout)")
    r.add_argument("--election", metavar="SLUG", help="default: the only election")
    r.add_argument("--json", action="store_true", help="print JSON")
    r.add_argument("--as", dest="username", metavar="USERNAME", help="scope as this user")

    v = sub.add_parser(
        "verify-snapshots",
        help="recompute the SHA-256 of every published snapshot file and compare",
        description=(
            "Recomputes each published file's SHA-256 and compares it with the snapshot "
            "record and the audit entry of its publication. Exit status 1 on any mismatch."
        ),
    )
    v.add_argument("--election", metavar="SLUG", help="default: every election")
    v.add_argument("--json", action="store_true", help="print JSON")
    return {"publish": do_publish, "recap": do_recap, "verify-snapshots": do_verify}


class _Progress:
    def __init__(self, stream):
        self.stream = stream
        self.last = -1

    def __call__(self, done, total=None, message=""):
        pct = int(100 * done / total) if total else None
        if pct is not None and pct // 10 == self.last:
            return
        self.last = pct // 10 if pct is not None else self.last
        suffix = f" ({pct}%)" if pct is not None else ""
        self.stream.write(f"{message}: {done:,}{f' of {total:,}' if total else ''}{suffix}")
        self.stream.flush()


def do_publish(command, options):
    from pilkada.voters.services.publication import PublishRefused, publish_list

    election = command._election(options["election"])
    actor = command._user(options["username"])
    progress = None if options["quiet"] or options["json"] else _Progress(command.stderr)
    try:
        snap = publish_list(
            election=election,
            kind=options["kind"],
            actor=actor,
            region_code=options["region"],
            progress=progress,
        )
    except PublishRefused as exc:
        code = EXIT_USAGE if exc.code in ("unknown_kind", "bad_region") else EXIT_FAILED
        raise CommandError(f"not published: {exc}", returncode=code) from None
    except StageClosed as exc:
        d = exc.decision
        raise CommandError(
            f"refused: {d.reason} (action {d.action}). Nothing was published.",
            returncode=EXIT_REFUSED,
        ) from None
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    data = {
        "snapshot": snap.pk,
        "election": election.slug,
        "kind": snap.kind,
        "version": snap.version,
        "region": snap.region_code,
        "rows": snap.rows,
        "sha256": snap.sha256,
        "csv_sha256": snap.csv_sha256,
        "parquet_file": snap.parquet_file,
        "csv_file": snap.csv_file,
        "published_on": snap.published_on.isoformat(),
        "recap_rows": snap.summary.get("recap_rows"),
        "audit_seq": snap.summary.get("audit_seq"),
        "seconds": snap.summary.get("seconds"),
        "timings": snap.summary.get("timings"),
    }
    if options["json"]:
        command.stdout.write(json.dumps(data, indent=2))
        return
    command.stdout.write(
        command.style.SUCCESS(
            f"published {snap.label} of region {snap.region_code}: {snap.rows:,} voters "
            f"(snapshot {snap.pk}, audit entry {data['audit_seq']})"
        )
    )
    command.stdout.write(f"  parquet {snap.parquet_file}\n  sha256  {snap.sha256}")
    command.stdout.write(f"  csv     {snap.csv_file}\n  sha256  {snap.csv_sha256}")


def do_recap(command, options):
    from pilkada.engine.recap import LEVEL_LENGTHS
    from pilkada.voters.models import RecapRow, Snapshot
    from pilkada.voters.selectors import publication as sel

    election = command._election(options["election"])
    actor = command._user(options["username"])
    level = options["level"]
    if level and level not in LEVEL_LENGTHS:
        raise CommandError(
            f"unknown level {level!r}: use one of {', '.join(LEVEL_LENGTHS)}", returncode=EXIT_USAGE
        )
    if options["snapshot"] is not None:
        snap = Snapshot.objects.filter(pk=options["snapshot"], election=election).first()
        if snap is None:
            raise CommandError(
                f"no snapshot {options['snapshot']} in {election.slug}", returncode=EXIT_USAGE
            )
    else:
        kind = options["kind"]
        if kind and kind not in Snapshot.Kind.values:
            raise CommandError(f"unknown list {kind!r}: use {KINDS_HELP}", returncode=EXIT_USAGE)
        snap = None
        for k in [kind] if kind else ["dpt", "dpshp", "dps"]:
            snap = sel.latest_snapshot(election=election, kind=k)
            if snap:
                break
        if snap is None:
            raise CommandError(
                f"nothing published yet{f' for {kind}' if kind else ''}: "
                "run `pilkada voters publish dps|dpshp|dpt`",
                returncode=EXIT_FAILED,
            )
    try:
        rows = sel.recap_export_rows(
            snapshot=snap, user=actor, level=level, region_code=options["region"]
        )
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    except RecapRow.DoesNotExist as exc:  # pragma: no cover - defensive
        raise CommandError(str(exc), returncode=EXIT_USAGE) from None
    if options["export"]:
        target = options["export"]
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(sel.RECAP_EXPORT_COLUMNS))
        writer.writeheader()
        writer.writerows(rows)
        if target == "-":
            sys.stdout.write(buffer.getvalue())
        else:
            Path(target).write_text(buffer.getvalue(), encoding="utf-8")
    summary = {
        "snapshot": snap.pk,
        "kind": snap.kind,
        "version": snap.version,
        "region": snap.region_code,
        "rows": snap.rows,
        "regions": len(rows),
        "export": options["export"],
    }
    if options["json"]:
        command.stdout.write(json.dumps({**summary, "recap": rows}, indent=2))
        return
    if options["export"] and options["export"] != "-":
        command.stdout.write(
            f"wrote {len(rows):,} recap rows of {snap.label} to {options['export']}"
        )
        return
    if options["export"] == "-":
        return
    command.stdout.write(f"{snap.label} region {snap.region_code} ({snap.rows:,} voters)")
    head = (
        f"{'region':<14} {'level':<10} {'total':>9} {'L':>8} {'P':>8} {'TPS':>6} "
        f"{'17-40':>6} {'pending':>8}"
    )
    command.stdout.write(head)
    for row in rows:
        command.stdout.write(
            f"{row['region_code']:<14} {row['level']:<10} {row['total']:>9,} "
            f"{row['laki_laki']:>8,} {row['perempuan']:>8,} {row['tps_count']:>6,} "
            f"{row['share_17_40'] or '-':>6} {row['pending']:>8,}"
        )


def do_verify(command, options):
    from pilkada.voters.services.publication import verify_snapshots

    election = command._election(options["election"]) if options["election"] else None
    checks = verify_snapshots(election=election)
    bad = [c for c in checks if not c.ok]
    if options["json"]:
        command.stdout.write(
            json.dumps(
                {
                    "checked": len(checks),
                    "failed": len(bad),
                    "snapshots": [c.as_dict() for c in checks],
                },
                indent=2,
            )
        )
    else:
        for c in checks:
            status = "ok" if c.ok else "MISMATCH"
            command.stdout.write(f"{status:<9} snapshot {c.snapshot_id} {c.label} {c.region_code}")
            for problem in c.problems:
                command.stderr.write(f"  {problem}")
        command.stdout.write(f"{len(checks)} snapshots checked, {len(bad)} failed")
    if bad:
        raise CommandError(
            f"{len(bad)} published snapshot(s) do not match their recorded SHA-256: "
            "the files were changed after publication",
            returncode=EXIT_FAILED,
        )

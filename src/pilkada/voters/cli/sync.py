"""`pilkada voters sync`: the DP4 synchronised with the previous DPT from the command line.

    pilkada voters sync [--json] [--export FILE] [--unmasked] [--election SLUG]
                        [--as USERNAME] [--quiet]

Runs the synchronisation (the same service as the web page) and prints the counts. With
``--export FILE`` it also writes the previous-DPT voters missing from the DP4 (CSV, masked
unless ``--unmasked``, which is logged) and the counts per kelurahan beside it
(``FILE`` with ``-counts`` before the suffix).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.accounts import permissions
from pilkada.core.masking import log_unmasked_access
from pilkada.engine.sync import COUNT_COLUMNS
from pilkada.schedule.gate import StageClosed

from ..models import SyncRegionCount
from ..selectors import sync as selectors
from ..services.sync import SyncRefused, synchronise

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3
MISSING_COLUMNS = ("voter_id", "nik", "nama", "tanggal_lahir", "alamat", "kelurahan_code")


def add_parsers(sub) -> dict:
    p = sub.add_parser(
        "sync",
        help="synchronise the DP4 with the previous DPT (counts per kelurahan)",
        description=(
            "Match the DP4 against the previous DPT (same NIK; then same normalised name and "
            "birth date when unique on both sides), count new voters (and those turning 17 "
            "by voting day) and previous voters missing from the DP4, per kelurahan. "
            "--export FILE writes the missing previous voters (masked unless --unmasked) and "
            "FILE-counts.csv with the counts per kelurahan. Exit status: 0 done; 1 failed; "
            "2 bad usage; 3 refused (stage window closed, no permission, nothing imported)."
        ),
    )
    p.add_argument("--export", metavar="FILE", help="write the missing previous voters (CSV)")
    p.add_argument("--unmasked", action="store_true", help="full NIK etc. in the export (logged)")
    p.add_argument("--election", metavar="SLUG", help="default: the only election")
    p.add_argument("--as", dest="username", metavar="USERNAME", help="the KPU officer")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.add_argument("--quiet", action="store_true", help="no progress lines on stderr")
    return {"sync": sync}


def _check_path(value: str) -> Path:
    path = Path(value)
    if path.is_dir():
        raise CommandError(f"{path} is a directory", returncode=EXIT_USAGE)
    if not path.parent.exists():
        raise CommandError(f"directory {path.parent} does not exist", returncode=EXIT_USAGE)
    return path


def sync(command, options):
    if options["unmasked"] and not options["export"]:
        raise CommandError("--unmasked only applies to --export", returncode=EXIT_USAGE)
    election = command._election(options["election"])
    actor = command._user(options["username"])
    path = _check_path(options["export"]) if options["export"] else None
    if path is not None and actor is not None:
        try:
            permissions.require(actor, "voters.export", election.region_code)
            if options["unmasked"]:
                permissions.require(actor, "voters.view_unmasked", election.region_code)
        except PermissionDenied as exc:
            raise CommandError(f"refused: {exc}. Nothing changed.", returncode=3) from None

    def progress(done, total=None, message=""):
        if not (options["quiet"] or options["json"]):
            command.stderr.write(f"sync: {message} ({done}%)")

    try:
        run = synchronise(election=election, actor=actor, progress=progress)
    except StageClosed as exc:
        raise CommandError(
            f"refused: {exc.decision.reason} (action {exc.decision.action}). Nothing changed.",
            returncode=EXIT_REFUSED,
        ) from None
    except (PermissionDenied, SyncRefused) as exc:
        raise CommandError(f"refused: {exc}. Nothing changed.", returncode=EXIT_REFUSED) from None
    out = {
        "election": election.slug,
        "run_id": run.pk,
        **{c: getattr(run, c) for c in COUNT_COLUMNS},
        "reconciles": run.reconciles,
        "seconds": run.seconds,
        "rule": run.stats.get("rule"),
    }
    if path is not None:
        out["export"] = _export(election, actor, run, path, options["unmasked"])
    if options["json"]:
        command.stdout.write(json.dumps(out, ensure_ascii=False, indent=2, default=str))
        return
    w = command.stdout.write
    w(command.style.SUCCESS(f"synchronised {election.slug} (run {run.pk}) in {run.seconds} s"))
    w(f"  DP4 rows              {run.dp4_rows:>12,}")
    w(f"    found by NIK        {run.found_by_nik:>12,}")
    w(f"    found by name+date  {run.found_by_fuzzy:>12,}")
    w(f"    new voters          {run.new:>12,}  (turning 17: {run.new_turning_17:,})")
    w(f"  previous DPT rows     {run.previous_rows:>12,}")
    w(f"    found in DP4        {run.previous_found:>12,}")
    w(f"    missing from DP4    {run.missing:>12,}")
    w(f"  reconciles: {'yes' if run.reconciles else 'NO'}")
    if "export" in out:
        e = out["export"]
        w(f"  wrote {e['missing_rows']:,} missing voters to {e['file']}")
        w(f"  wrote counts of {e['kelurahan_rows']:,} kelurahan to {e['counts_file']}")


def _write(path: Path, columns, rows) -> int:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    n = 0
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(columns), extrasaction="ignore")
            writer.writeheader()
            for row in rows:
                writer.writerow(row)
                n += 1
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CommandError(f"cannot write {path}: {exc}", returncode=EXIT_FAILED) from None
    return n


def _export(election, actor, run, path: Path, unmasked: bool) -> dict:
    voters = selectors.missing_voters(
        user=actor, election=election, region_code=election.region_code
    )
    ids: list[int] = []

    def rows():
        for voter in voters.iterator(chunk_size=5000):
            ids.append(voter.pk)
            yield selectors.masked_missing(voter, unmasked=unmasked)

    missing = _write(path, MISSING_COLUMNS, rows())
    counts_path = path.with_name(f"{path.stem}-counts{path.suffix or '.csv'}")
    kelurahan = SyncRegionCount.objects.filter(run=run, region_code__regex=r"^[0-9]{10}$")
    count_rows = (
        {"kelurahan_code": c.region_code, **{k: getattr(c, k) for k in COUNT_COLUMNS}}
        for c in kelurahan.order_by("region_code")
    )
    n_kel = _write(counts_path, ("kelurahan_code", *COUNT_COLUMNS), count_rows)
    if unmasked:
        log_unmasked_access(
            actor=actor if actor is not None else "cli",
            what="voters.sync_missing_export",
            object_type="voters.Voter",
            object_ids=ids,
            reason=f"pilkada voters sync --export {path.name} --unmasked",
        )
    return {
        "file": str(path),
        "missing_rows": missing,
        "counts_file": str(counts_path),
        "kelurahan_rows": n_kel,
        "unmasked": unmasked,
    }

"""`pilkada voters` subcommands: dukcapil -- `ktp-el`, voters without KTP-el."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError

from pilkada.regions.codes import InvalidRegionCode, normalize_region_code
from pilkada.regions.models import Region

from ..models import KtpElIssuance
from ..selectors import dukcapil as selectors
from ..services import dukcapil as services

EXIT_BAD_FILE = 1
EXIT_USAGE = 2
EXIT_REFUSED = 3


def add_parsers(sub) -> dict:
    p = sub.add_parser(
        "ktp-el",
        help="voters without KTP-el: counts, export, mark cards issued",
        description=(
            "Voters of the election's list without a KTP-el (false; unknown counted apart), "
            "per region under --region (default: your region, or the election's). --export "
            "FILE writes them as CSV (unmasked for Dukcapil and operators, masked for others; "
            "audited). --mark-issued FILE marks the NIKs the file lists (one per line, or a "
            "column named nik) as holding a KTP-el; NIKs that cannot be marked are reported "
            "with their line and reason. Exit status: 0 done; 1 the file cannot be read; 2 bad "
            "usage; 3 refused (no permission, region outside your scope)."
        ),
    )
    p.add_argument("--region", metavar="CODE", help="provinsi, kab/kota, kecamatan or kelurahan")
    p.add_argument("--export", metavar="FILE", help="write the voters without KTP-el as CSV")
    p.add_argument("--mark-issued", metavar="FILE", help="CSV of NIKs whose cards were issued")
    p.add_argument("--rejects", metavar="FILE", help="with --mark-issued: write rejects as CSV")
    p.add_argument("--election", metavar="SLUG", help="default: the only election")
    p.add_argument("--as", dest="username", metavar="USERNAME", help="the officer (Dukcapil)")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    return {"ktp-el": ktp_el}


def _region(code: str | None) -> str | None:
    if not code:
        return None
    try:
        code = normalize_region_code(code)
    except InvalidRegionCode as exc:
        raise CommandError(str(exc), returncode=EXIT_USAGE) from None
    if not Region.objects.filter(code=code).exists():
        raise CommandError(f"no region {code}", returncode=EXIT_USAGE)
    return code


def ktp_el(command, options):
    election = command._election(options["election"])
    actor = command._user(options["username"])
    code = _region(options["region"])
    summary: dict = {"election": election.slug}
    try:
        if options["mark_issued"]:
            path = Path(options["mark_issued"])
            if not path.is_file():
                raise CommandError(f"{path}: no such file", returncode=EXIT_BAD_FILE)
            try:
                result = services.mark_ktp_el_issued_from_path(
                    actor=actor, election=election, path=path, via=KtpElIssuance.Via.CLI
                )
            except services.MarkRefused as exc:
                raise CommandError(
                    f"{path}: {exc}. Nothing was marked.", returncode=EXIT_BAD_FILE
                ) from None
            summary["mark_issued"] = result.as_dict()
            if options["rejects"]:
                _write_rejects(Path(options["rejects"]), result)
                summary["mark_issued"]["rejects_file"] = options["rejects"]
        if options["export"]:
            path = Path(options["export"])
            with path.open("w", encoding="utf-8", newline="") as out:
                exported = selectors.export_ktp_el_csv(
                    user=actor,
                    election=election,
                    region_code=code or selectors.root_code(actor, election),
                    out=out,
                )
            summary["export"] = {**exported.as_dict(), "file": str(path)}
        counts = selectors.ktp_el_counts(user=actor, election=election, region_code=code)
    except PermissionDenied as exc:
        raise CommandError(f"refused: {exc}", returncode=EXIT_REFUSED) from None
    summary["region"] = counts.root.code
    summary["counts"] = {
        "without": counts.root.without,
        "unknown": counts.root.unknown,
        "issued": counts.root.issued,
        "children": [
            {"code": r.code, "name": r.name, "without": r.without, "unknown": r.unknown,
             "issued": r.issued}
            for r in counts.rows
        ],
    }  # fmt: skip
    if options["json"]:
        command.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    out = command.stdout.write
    if "mark_issued" in summary:
        m = summary["mark_issued"]
        done = f"marked {m['marked']:,} KTP-el issued ({m['read']:,} NIKs read)"
        out(command.style.SUCCESS(done))
        for r in m["rejects"][:50]:
            out(f"  rejected line {r['line']:>6}  {r['nik']:<18} {r['code']}: {r['reason']}")
        if len(m["rejects"]) > 50:
            out(f"  ... and {len(m['rejects']) - 50:,} more (--rejects FILE writes them all)")
    if "export" in summary:
        e = summary["export"]
        masked = "unmasked" if e["unmasked"] else "masked"
        out(command.style.SUCCESS(f"exported {e['rows']:,} voters ({masked}) to {e['file']}"))
    root = counts.root
    out(f"{root.code} {root.name}: without KTP-el {root.without:,}, unknown {root.unknown:,}, "
        f"issued here {root.issued:,}")  # fmt: skip
    for r in counts.rows:
        out(f"  {r.code:<10} {r.name:<32} {r.without:>8,} {r.unknown:>8,} {r.issued:>8,}")


def _write_rejects(path: Path, result) -> None:
    import csv

    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(["line", "nik", "code", "reason"])
        for r in result.rejects:
            writer.writerow([r.line, r.nik, r.code, r.reason])

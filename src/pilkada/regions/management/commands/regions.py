"""`pilkada regions`: load a province file, show the region tree."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import CommandError
from django.db.models import Count

from pilkada.audit.services import audit_context
from pilkada.core.commands import PilkadaCommand
from pilkada.regions.codes import InvalidRegionCode, normalize_region_code
from pilkada.regions.loader import RegionFileError
from pilkada.regions.models import Region
from pilkada.regions.selectors import as_tree, region_tree, subtree, tps_of
from pilkada.regions.services import load_region_file

EXIT_REJECTED = 1  # the file was read and rejected, or the code is unknown
EXIT_USAGE = 2  # argparse's own exit status for bad arguments
CHILD_NOUN = {"provinsi": "kab/kota", "kabkota": "kecamatan", "kecamatan": "kelurahan/desa"}



class Command(PilkadaCommand):
    help = (
        "Region reference data: load a province file, show the tree.\n\n"
        "  pilkada regions load FILE [--json]   validate, then load one province (idempotent)\n"
        "  pilkada regions show [CODE] [--depth N] [--user USERNAME] [--json]\n\n"
        "The file format is in docs/formats/regions.md. A rejected file writes nothing and\n"
        f"exits with status {EXIT_REJECTED}, listing every error with its line."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="subcommand", required=True, metavar="{load,show}")
        load = sub.add_parser("load", help="validate and load a province file (kode,nama CSV)")
        load.add_argument("file", type=Path)
        load.add_argument("--json", action="store_true", help="print the result as JSON")
        show = sub.add_parser("show", help="print the region tree")
        show.add_argument("code", nargs="?", help="root region code, dotted or not")
        show.add_argument(
            "--depth", type=int, default=1, help="levels below the root to show (default 1)"
        )
        show.add_argument(
            "--user", help="show only what this user may see (their scope and its path)"
        )
        show.add_argument("--json", action="store_true", help="print the tree as JSON")

    def handle(self, *args, **options):
        if options["subcommand"] == "load":
            with audit_context():  # one request id for the run's audit entries
                return self.load(options["file"], as_json=options["json"])
        return self.show(
            options["code"], depth=options["depth"], username=options["user"],
            as_json=options["json"],
        )  # fmt: skip

    # ---- load ----------------------------------------------------------------------------
    def load(self, path: Path, *, as_json: bool):
        if not path.is_file():
            raise CommandError(f"{path}: no such file", returncode=EXIT_REJECTED)
        try:
            result = load_region_file(path=path)
        except RegionFileError as exc:
            if as_json:
                self.stdout.write(json.dumps(exc.as_dict(), indent=2))
            else:
                for line in exc.lines()[1:]:
                    self.stderr.write(line)
            raise CommandError(exc.summary(), returncode=EXIT_REJECTED) from None
        if as_json:
            self.stdout.write(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        else:
            self.stdout.write(str(result))
            for code, old, new in result.renamed:
                self.stdout.write(f"  renamed {code}: {old!r} -> {new!r}")
            for code in result.missing[:20]:
                self.stdout.write(f"  not in the file (kept): {code}")
            if len(result.missing) > 20:
                self.stdout.write(f"  ... and {len(result.missing) - 20} more not in the file")

    # ---- show ----------------------------------------------------------------------------
    def show(self, code: str | None, *, depth: int, username: str | None, as_json: bool):
        if depth < 0:
            raise CommandError("--depth must be 0 or more", returncode=EXIT_USAGE)
        user = _get_user(username) if username else None
        if code is not None:
            code = _normalize(code)
            if not Region.objects.filter(code=code).exists():
                raise CommandError(f"no region {code}", returncode=EXIT_REJECTED)
        if user is not None:
            qs = region_tree(user=user, root_code=code, depth=depth)
        else:
            qs = subtree(root_code=code, depth=depth)
        regions = list(
            qs.annotate(
                n_children=Count("children", distinct=True), n_tps=Count("tps", distinct=True)
            )
        )
        roots = as_tree(regions)
        # A kelurahan shown as the root lists its TPS below it.
        tps = []
        if regions and code is not None and regions[0].level == "kelurahan" and depth >= 1:
            tps = list(tps_of(code, user=user))
        if as_json:
            data = [n.as_dict() for n in roots]
            if tps:
                data[0]["tps"] = [
                    {"code": t.code, "number": t.number, "is_special": t.is_special} for t in tps
                ]
            self.stdout.write(json.dumps(data, indent=2, ensure_ascii=False))
            return
        if not regions:
            self.stdout.write("no regions" + (f" visible to {username}" if username else ""))
            return
        for root_node in roots:
            self._print(root_node, 0)
        for t in tps:
            special = "  (TPS khusus)" if t.is_special else ""
            self.stdout.write(f"  {t.label}  {t.code}{special}")

    def _print(self, node, indent: int):
        r = node.region
        what = r.kind or r.level
        extra = ""
        if node.hidden_children:
            extra = f", {node.hidden_children} {CHILD_NOUN[r.level]}"
        elif r.level == "kelurahan" and getattr(r, "n_tps", 0):
            extra = f", {r.n_tps} TPS"
        self.stdout.write(f"{'  ' * indent}{r.dotted}  {r.name}  ({what}{extra})")
        for child in node.children:
            self._print(child, indent + 1)


def _normalize(code: str) -> str:
    try:
        return normalize_region_code(code)
    except InvalidRegionCode as exc:
        raise CommandError(str(exc), returncode=EXIT_USAGE) from None


def _get_user(username: str):
    User = get_user_model()
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise CommandError(f"no user {username}", returncode=EXIT_REJECTED) from None

"""`pilkada synth population ...`: the thin CLI edge of :mod:`pilkada.synth.population`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pilkada.synth import applicants
from pilkada.synth.population import (
    DEFECTS,
    DUPLICATE_KINDS,
    DUPLICATE_MIX,
    PERSON_DEFECTS,
    PopulationParams,
    write_population,
)
from pilkada.synth.previous_dpt import PEMILU_2024, PreviousDptParams, write_previous_dpt
from pilkada.synth.supporters import SupporterParams, write_register, write_supporters

_DEFAULTS = PopulationParams(voters=1, seed=0)
_SUPPORT_DEFAULTS = SupporterParams()
_SUPPORT_HELP = {
    "nik_invalid": "rows whose NIK is damaged beyond repair (TMS nik_invalid)",
    "not_in_register": "rows whose NIK is on no register row, or a person moved away",
    "deceased": "rows of people the population truth says died",
    "under_age": "rows of people under 17 on voting day, never married",
    "barred_pekerjaan": "rows with a barred occupation written in pekerjaan",
    "barred_list": "rows whose NIK is on barred.csv (the lists KPU uploads)",
    "barred_register": "rows of serving TNI/Polri members (register TMS 6/7)",
    "double_same_pair": "rows listing again a person the pair listed",
    "double_other_pair": "rows listing a person another pair lists (two pairs or more)",
    "barred_list_extra": "NIKs on barred.csv of people who support nobody",
    "unreadable": "with --damage: rows that cannot be read (wrong field count, no NIK/name)",
    "no_consent": "share of valid supporters listed without their consent",
    "objects": "share of those who object through cek NIK dukungan",
}
_HELP = {
    "deceased": "rows of people who died (truth: deceased)",
    "under_age": "rows of people under 17 on voting day, not married (truth: under_age)",
    "moved_out": "rows of people who moved out of the province (truth: moved_out)",
    "tni": "rows of serving soldiers (truth: tni)",
    "polri": "rows of serving police officers (truth: polri)",
    "invalid_nik": "rows whose NIK is malformed in the file (truth: invalid_nik)",
    "twins": "twin pairs per row (hard negatives, no defect)",
    "married_minor": "married people under 17 per row (legitimate voters, no defect)",
    "name_variant": "share of duplicate copies with a changed name",
    "date_swap": "share of duplicate copies with day and month swapped (where both <= 12)",
    "moved_copy": "share of duplicate copies in another kelurahan (new NKK and address)",
}


def rate(text: str) -> float:
    """A fraction between 0 and 1."""
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Generate deterministic synthetic data (population: a DP4 file and its truth file).\n"
        "The same seed and parameters always give byte-identical files."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(
            dest="what", required=True, metavar="{population,previous-dpt,supporters,applicants}"
        )
        self._supporters_parser(sub)
        applicants.add_parser(sub)
        prev = sub.add_parser(
            "previous-dpt",
            help="a previous DPT (previous_dpt.csv) derived from a population, with its truth",
            description=(
                "Derive the previous election's DPT from a population directory (dp4.csv and "
                "truth.csv): who was a voter then, some under another NIK, plus people gone "
                "since. Writes previous_dpt.csv, previous_truth.csv, previous_manifest.json "
                "(see pilkada.synth.previous_dpt)."
            ),
        )
        prev.add_argument("--population", type=Path, required=True, help="population directory")
        prev.add_argument("--out", type=Path, default=None, help="default: the population dir")
        prev.add_argument("--seed", type=int, default=0)
        prev.add_argument("--previous-voting-day", type=dt.date.fromisoformat, default=PEMILU_2024)
        prev.add_argument("--voting-day", type=dt.date.fromisoformat, default=_DEFAULTS.voting_day)
        for name, default in (
            ("arrived", 0.02), ("nik_changed", 0.01), ("gone", 0.03), ("copies_listed", 0.0),
        ):  # fmt: skip
            prev.add_argument(
                "--share-" + name.replace("_", "-"),
                dest=f"share_{name}",
                type=rate,
                default=default,
                metavar="RATE",
            )
        pop = sub.add_parser(
            "population",
            help="a DP4 file (dp4.csv), its truth file (truth.csv) and manifest.json",
            description=(
                "Generate a synthetic DP4 of N rows spread over the province's kelurahan, with "
                "known defects recorded in truth.csv. Rates are fractions of N (0 disables). "
                "Formats: docs/formats/dp4.md and docs/formats/truth.md."
            ),
        )
        pop.add_argument("--voters", type=int, required=True, help="rows in dp4.csv")
        pop.add_argument("--seed", type=int, required=True, help="random seed (>= 0)")
        pop.add_argument("--out", type=Path, required=True, help="output directory")
        pop.add_argument("--province", default=_DEFAULTS.province, help="province code (31)")
        pop.add_argument(
            "--voting-day",
            type=dt.date.fromisoformat,
            default=_DEFAULTS.voting_day,
            help="ages are counted on this day (default %(default)s)",
        )
        pop.add_argument(
            "--regions-file",
            type=Path,
            default=None,
            help="region file kode,nama (default: the shipped file of the province)",
        )
        pop.add_argument(
            "--weights-file",
            type=Path,
            default=None,
            help="kab/kota weights kode,dpt (default: synth/data/weights_<province>.csv if any, "
            "else by number of kelurahan)",
        )
        mix = ", ".join(
            f"{k.removeprefix('duplicate_')} {round(v * 100)}%%" for k, v in DUPLICATE_MIX.items()
        )
        pop.add_argument(
            "--rate-duplicate",
            type=rate,
            metavar="RATE",
            default=None,
            help=f"all duplicate kinds together, split {mix} (default 0.01)",
        )
        for kind in DUPLICATE_KINDS:
            flag = "--rate-" + kind.replace("_", "-")
            pop.add_argument(
                flag,
                type=rate,
                metavar="RATE",
                default=None,
                help=f"{kind} alone (overrides its share of --rate-duplicate)",
            )
        for name in (*PERSON_DEFECTS, "twins", "married_minor"):
            attr = f"rate_{name}"
            pop.add_argument(
                "--rate-" + name.replace("_", "-"),
                dest=attr,
                type=rate,
                metavar="RATE",
                default=getattr(_DEFAULTS, attr),
                help=f"{_HELP[name]}; default %(default)s",
            )
        for name in ("name_variant", "date_swap", "moved_copy"):
            attr = f"share_{name}"
            pop.add_argument(
                "--share-" + name.replace("_", "-"),
                dest=attr,
                type=rate,
                metavar="RATE",
                default=getattr(_DEFAULTS, attr),
                help=f"{_HELP[name]}; default %(default)s",
            )
        pop.add_argument("--json", action="store_true", help="print the manifest as JSON")

    @staticmethod
    def _supporters_parser(sub) -> None:
        sup = sub.add_parser(
            "supporters",
            help="supporter lists (B.1.1-KWK) of independent pairs derived from a population",
            description=(
                "Derive supporter lists of one or more independent pairs from a population "
                "directory (dp4.csv, truth.csv, manifest.json), with known defects, listings "
                "without consent and objections. Writes supporters_<pair>.csv (or .xlsx), "
                "supporters_truth.csv, barred.csv, objections.csv and "
                "supporters_manifest.json (docs/formats/supporters.md). Rates are fractions "
                "of each pair's rows."
            ),
        )
        sup.add_argument("--population", type=Path, required=True, help="population directory")
        sup.add_argument("--out", type=Path, default=None, help="default: the population dir")
        sup.add_argument("--seed", type=int, required=True, help="random seed (>= 0)")
        sup.add_argument(
            "--rows",
            type=int,
            nargs="+",
            default=list(_SUPPORT_DEFAULTS.rows),
            metavar="N",
            help="rows of each pair's list, one number per pair (default %(default)s)",
        )
        for name in (
            "nik_invalid", "not_in_register", "deceased", "under_age", "barred_pekerjaan",
            "barred_list", "barred_register", "double_same_pair", "double_other_pair",
            "barred_list_extra", "unreadable",
        ):  # fmt: skip
            attr = f"rate_{name}"
            sup.add_argument(
                "--rate-" + name.replace("_", "-"),
                dest=attr,
                type=rate,
                metavar="RATE",
                default=getattr(_SUPPORT_DEFAULTS, attr),
                help=f"{_SUPPORT_HELP[name]}; default %(default)s",
            )
        for name in ("no_consent", "objects"):
            attr = f"share_{name}"
            sup.add_argument(
                "--share-" + name.replace("_", "-"),
                dest=attr,
                type=rate,
                metavar="RATE",
                default=getattr(_SUPPORT_DEFAULTS, attr),
                help=f"{_SUPPORT_HELP[name]}; default %(default)s",
            )
        sup.add_argument(
            "--damage",
            action="store_true",
            help="write the files as they arrive from the field (BOM, ';', CRLF, titles, "
            "repeated headers, blank lines, Windows-1252 lines, three date formats, ...)",
        )
        sup.add_argument("--format", dest="file_format", choices=["csv", "xlsx"], default="csv")
        sup.add_argument(
            "--register",
            action="store_true",
            help="also write register.parquet: the DP4 through the DP4 import, struck as the "
            "truth assumes (the register verification reads)",
        )
        sup.add_argument("--json", action="store_true", help="print the manifest as JSON")

    def _supporters(self, options):
        population = options["population"]
        if not (population / "manifest.json").exists():
            raise CommandError(f"{population} has no manifest.json (a population directory)")
        kwargs = {
            f.name: options[f.name]
            for f in dataclasses.fields(SupporterParams)
            if f.name in options and f.name not in ("rows", "seed")
        }
        params = SupporterParams(rows=tuple(options["rows"]), seed=options["seed"], **kwargs)
        out = options["out"] or population
        started = time.perf_counter()
        try:
            params.validate()
            manifest = write_supporters(population, out, params)
            if options["register"]:
                manifest["register"] = write_register(population, out / "register.parquet")
        except (ValueError, FileNotFoundError, RuntimeError) as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(json.dumps(manifest, indent=2))
            return
        for pair, info in manifest["pairs"].items():
            expected = info["expected"]
            self.stdout.write(
                f"pair {pair}: {info['rows']:,} rows in {out / info['file']} -- "
                f"ms {expected['ms']:,}, tms {expected['tms']:,}, held {expected['held']:,}, "
                f"rejected {expected['rejected']:,}; {info['no_consent']:,} without consent, "
                f"{info['objections']:,} objections"
            )
            for reason, count in info["reasons"].items():
                self.stdout.write(f"  {reason:<20} {count:>10,}")
        self.stdout.write(
            f"barred.csv: {manifest['barred_rows']:,} NIKs; objections.csv: "
            f"{manifest['objections']:,}; truth: {out / 'supporters_truth.csv'} "
            f"({elapsed:.1f} s)"
        )
        if "register" in manifest:
            self.stdout.write(
                f"register.parquet: {manifest['register']['rows']:,} rows, TMS "
                f"{manifest['register']['tms']}"
            )

    def handle(self, *args, **options):
        if options["what"] == "previous-dpt":
            return self._previous(options)
        if options["what"] == "supporters":
            return self._supporters(options)
        if options["what"] == "applicants":
            try:
                return applicants.run_command(options, self.stdout.write)
            except (ValueError, FileNotFoundError) as exc:
                raise CommandError(str(exc)) from exc
        if options["what"] != "population":  # pragma: no cover - argparse enforces it
            raise CommandError(f"unknown synth target {options['what']!r}")
        params = self._params(options)
        started = time.perf_counter()
        try:
            manifest = write_population(params, options["out"])
        except (ValueError, FileNotFoundError) as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.perf_counter() - started
        if options["json"]:
            self.stdout.write(json.dumps(manifest, indent=2))
            return
        out = options["out"]
        self.stdout.write(
            f"wrote {manifest['rows']:,} DP4 rows ({manifest['summary']['people']:,} people, "
            f"{manifest['summary']['households']:,} households) to {out / 'dp4.csv'} "
            f"in {elapsed:.1f} s"
        )
        for defect in DEFECTS:
            self.stdout.write(f"  {defect:<26} {manifest['defect_rows'][defect]:>10,}")
        self.stdout.write(f"  {'twin pairs':<26} {manifest['summary']['twin_pairs']:>10,}")
        self.stdout.write(f"truth: {out / 'truth.csv'}; manifest: {out / 'manifest.json'}")

    def _previous(self, options):
        params = PreviousDptParams(
            seed=options["seed"],
            previous_voting_day=options["previous_voting_day"],
            voting_day=options["voting_day"],
            share_arrived=options["share_arrived"],
            share_nik_changed=options["share_nik_changed"],
            share_gone=options["share_gone"],
            share_copies_listed=options["share_copies_listed"],
        )
        population = options["population"]
        if not (population / "dp4.csv").exists() or not (population / "truth.csv").exists():
            raise CommandError(f"{population} has no dp4.csv and truth.csv")
        manifest = write_previous_dpt(population, options["out"] or population, params)
        self.stdout.write(json.dumps(manifest, indent=2))

    @staticmethod
    def _params(options: dict) -> PopulationParams:
        kwargs = {
            "voters": options["voters"],
            "seed": options["seed"],
            "province": options["province"],
            "voting_day": options["voting_day"],
            "regions_file": options["regions_file"],
            "weights_file": options["weights_file"],
        }
        for name in (*PERSON_DEFECTS, "twins", "married_minor"):
            kwargs[f"rate_{name}"] = options[f"rate_{name}"]
        for name in ("name_variant", "date_swap", "moved_copy"):
            kwargs[f"share_{name}"] = options[f"share_{name}"]
        total = options["rate_duplicate"]
        for kind in DUPLICATE_KINDS:
            own = options[f"rate_{kind}"]
            if own is not None:
                kwargs[f"rate_{kind}"] = own
            elif total is not None:
                kwargs[f"rate_{kind}"] = total * DUPLICATE_MIX[kind]
        params = PopulationParams(**kwargs)
        try:
            params.validate()
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        return params

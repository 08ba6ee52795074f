"""Deterministic synthetic applications to the ad hoc bodies, with their truth. No Django.

Drawn from a population directory of :mod:`pilkada.synth.population` (``dp4.csv``,
``truth.csv``, ``manifest.json``): ``write_applicants(population_dir, out_dir, params)``
writes

- ``applications.csv`` -- one row per application (the public form's fields, the day of
  application ``submitted_on``, and ``seated``: 1 for an application whose applicant is
  already a seated member -- the set-up seats them before the checks);
- ``party_members.csv`` -- the party-member NIK list KPU would upload (column ``nik``): the
  party members among the applicants and as many members who did not apply;
- ``supporters.csv`` -- NIKs listed as supporters of an independent pair (column ``nik``);
- ``applicants_truth.csv`` -- per application number: ``expected`` (eligible / ineligible),
  ``reasons`` and ``warnings`` the checks must give (comma-separated codes of
  ``pilkada.adhoc.models.applications.REASONS`` / ``WARNINGS``), and the ``defect`` planted;
- ``applicants_manifest.json`` -- parameters, counts per defect, file hashes.

Exactly ``round(rate * rows)`` applications carry each defect, one defect each:

- ``under_age`` -- a person under 17 on the day of application (population truth under_age);
- ``over_age`` -- a KPPS applicant older than 55;
- ``domicile_outside_area`` -- an application for an area of another kecamatan;
- ``education_below_minimum`` -- SD or SMP;
- ``party_member`` -- the NIK is on ``party_members.csv``;
- ``supporter_listed`` -- the NIK is on ``supporters.csv``;
- ``seated_elsewhere`` -- a seated PPS member of the kelurahan applying for one of its KPPS
  (two rows: the seated member's own application, eligible, and the new one);
- ``marriage_tie`` -- a married couple (same NKK, both kawin) for the same KPPS: one seated,
  the other applying (two rows: the seated spouse's application, eligible, and the new one);
- ``health_statement_missing`` / ``party_statement_missing`` -- a statement not given;
- ``register_data_differs`` -- a valid person whose birth date on the form is a day off the
  register's: eligible, with the warning;
- ``nik_invalid`` -- a valid person whose NIK was mistyped into an impossible one (serial
  0000); the register cannot know it (warning ``not_in_register``).

Every other application is a valid person of the register (no defect in the population
truth), 18 to 54 years old during the window, SMA or higher, applying in their own area: for
PPK their kecamatan, PPS their kelurahan, KPPS and Pantarlih a TPS of their kelurahan. A share
leave the NKK empty (the checks take it from the register). The truth assumes the register as
coklit leaves it (``pilkada.synth.supporters.REGISTER_TMS``: the under-age struck TMS 3).

Randomness: one ``numpy.random.Generator(PCG64)`` per stage, seeded by ``SeedSequence([seed,
stage])``: the same population, seed and parameters give byte-identical files.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

GENERATOR_VERSION = "1"

APPLICATION_COLUMNS: tuple[str, ...] = (
    "number", "body", "region_code", "nik", "nkk", "nama", "tempat_lahir", "tanggal_lahir",
    "jenis_kelamin", "status_kawin", "alamat", "rt", "rw", "domicile_code", "phone",
    "education", "health_statement", "party_statement", "previous_terms", "submitted_on",
    "seated",
)  # fmt: skip
TRUTH_COLUMNS: tuple[str, ...] = ("number", "expected", "reasons", "warnings", "defect")
#: The single-row defects, in the order of the reasons.
SINGLE_DEFECTS: tuple[str, ...] = (
    "nik_invalid", "under_age", "over_age", "domicile_outside_area", "education_below_minimum",
    "party_member", "supporter_listed", "health_statement_missing", "party_statement_missing",
    "register_data_differs",
)  # fmt: skip
#: Defects that only warn (the application stays eligible).
WARNING_DEFECTS: tuple[str, ...] = ("register_data_differs",)
#: Defects planted as two rows (a seated member and a new application).
PAIR_DEFECTS: tuple[str, ...] = ("seated_elsewhere", "marriage_tie")
BODY_MIX: tuple[tuple[str, float], ...] = (
    ("kpps", 0.80), ("pantarlih", 0.12), ("pps", 0.06), ("ppk", 0.02),
)  # fmt: skip
EDUCATION_MIX: tuple[tuple[str, float], ...] = (
    ("sma", 0.55), ("d3", 0.10), ("s1", 0.30), ("s2", 0.05),
)  # fmt: skip
KPPS_MAX_AGE = 55
MIN_AGE = 17

_STREAM = {"pools": 1, "rows": 2, "dates": 3, "areas": 4, "fields": 5}


def _rng(seed: int, stage: str) -> np.random.Generator:
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence([seed, _STREAM[stage]])))


def _count(rate: float, rows: int) -> int:
    return math.floor(rate * rows + 0.5)


@dataclass(frozen=True)
class ApplicantParams:
    rows: int = 110_000
    seed: int = 2024
    window_start: dt.date = dt.date(2024, 5, 1)
    window_end: dt.date = dt.date(2024, 5, 31)
    rate_nik_invalid: float = 0.002
    rate_under_age: float = 0.005
    rate_over_age: float = 0.01
    rate_domicile_outside_area: float = 0.01
    rate_education_below_minimum: float = 0.01
    rate_party_member: float = 0.01
    rate_supporter_listed: float = 0.01
    rate_health_statement_missing: float = 0.002
    rate_party_statement_missing: float = 0.002
    #: Eligible, with a warning: the birth date on the form a day off the register's.
    rate_register_data_differs: float = 0.005
    #: Pairs (two rows each).
    rate_seated_elsewhere: float = 0.003
    rate_marriage_tie: float = 0.003
    #: Share of the applications without an NKK on the form.
    share_nkk_blank: float = 0.3
    #: Party members on the list who did not apply, per party member who did.
    party_extra: float = 1.0

    def validate(self) -> None:
        if self.rows < 1:
            raise ValueError("rows must be at least 1")
        if self.window_end < self.window_start:
            raise ValueError("window_end before window_start")
        if self.valid_rows() < 0:
            raise ValueError("the defect rates add up to more than the rows")

    def counts(self) -> dict[str, int]:
        return {d: _count(getattr(self, f"rate_{d}"), self.rows)
                for d in (*SINGLE_DEFECTS, *PAIR_DEFECTS)}  # fmt: skip

    def valid_rows(self) -> int:
        c = self.counts()
        return self.rows - sum(c[d] for d in SINGLE_DEFECTS) - 2 * sum(c[d] for d in PAIR_DEFECTS)


def usia_pada(born: pl.Expr, on: pl.Expr) -> pl.Expr:
    """Whole years (as ``pilkada.adhoc.rules.usia_pada``)."""
    before = (on.dt.month().cast(pl.Int32) * 100 + on.dt.day().cast(pl.Int32)) < (
        born.dt.month().cast(pl.Int32) * 100 + born.dt.day().cast(pl.Int32)
    )
    return on.dt.year().cast(pl.Int32) - born.dt.year().cast(pl.Int32) - before.cast(pl.Int32)


def _read_population(population_dir: Path) -> pl.DataFrame:
    dp4 = pl.scan_csv(population_dir / "dp4.csv", infer_schema=False).select(
        "nkk", "nik", "nama", "tempat_lahir", "tanggal_lahir", "jenis_kelamin", "status_kawin",
        "alamat", "rt", "rw", "kode_kelurahan",
    ).collect()  # fmt: skip
    truth = (
        pl.scan_csv(population_dir / "truth.csv", schema_overrides={"defect": pl.String})
        .select("defect")
        .collect()
    )
    if truth.height != dp4.height:
        raise ValueError(f"{population_dir}: truth.csv and dp4.csv differ in length")
    return dp4.hstack(truth).with_columns(
        pl.col("kode_kelurahan").str.replace_all(".", "", literal=True),
        pl.col("defect").fill_null(""),
        pl.col("tanggal_lahir").str.to_date("%Y-%m-%d", strict=False).alias("born"),
    )


def generate_applicants(population_dir: str | Path, params: ApplicantParams) -> dict:
    """The applications, the party list, the supporters and the truth, as frames."""
    params.validate()
    people = _read_population(Path(population_dir))
    start, end = params.window_start, params.window_end
    # A NIK held by one person only (duplicate copies and twins share none with the pools).
    single = ~people["nik"].is_duplicated()
    age_start = people.select(usia_pada(pl.col("born"), pl.lit(start))).to_series()
    age_end = people.select(usia_pada(pl.col("born"), pl.lit(end))).to_series()
    clean = (people["defect"] == "") & single & people["born"].is_not_null()
    rng = _rng(params.seed, "pools")

    def pool(mask: pl.Series) -> np.ndarray:
        idx = np.flatnonzero(mask.fill_null(False).to_numpy())
        return idx[rng.permutation(idx.size)]

    valid_pool = pool(clean & (age_start >= 18) & (age_end <= KPPS_MAX_AGE - 1))
    old_pool = pool(clean & (age_start >= KPPS_MAX_AGE + 2) & (age_end <= 75))
    young_pool = pool(
        (people["defect"] == "under_age") & single & (age_end < MIN_AGE) & (age_start >= 10)
    )
    counts = params.counts()
    taken = {"valid": 0}

    def draw(k: int) -> np.ndarray:
        s = taken["valid"]
        if s + k > valid_pool.size:
            raise ValueError(f"the population has too few valid people ({valid_pool.size:,})")
        taken["valid"] = s + k
        return valid_pool[s : s + k]

    for name, p, k in (("under-age", young_pool, counts["under_age"]),
                       ("older", old_pool, counts["over_age"])):  # fmt: skip
        if k > p.size:
            raise ValueError(f"the population has too few {name} people ({p.size:,})")

    # Married couples: two kawin people of one NKK, both in the valid pool.
    vp = people[valid_pool].with_columns(_src=pl.Series(valid_pool, dtype=pl.Int64))
    couples = (
        vp.filter(pl.col("status_kawin") == "S")
        .group_by("nkk", maintain_order=True)
        .agg(pl.col("_src").head(2), pl.col("kode_kelurahan").n_unique().alias("_kel"))
        .filter((pl.col("_src").list.len() == 2) & (pl.col("_kel") == 1))
        .head(counts["marriage_tie"])
    )
    if couples.height < counts["marriage_tie"]:
        raise ValueError("the population has too few married couples")
    couple_src = couples["_src"].to_list()
    used = {i for pair in couple_src for i in pair}
    rest = np.array([i for i in valid_pool if i not in used], dtype=np.int64)
    valid_pool = rest
    taken["valid"] = 0

    rows: list[dict] = []  # (src, body, kind, defect, seated, area_kind, pair_key)

    def add(src, body, defect, *, seated=0, outside=False, group=None) -> None:
        rows.append({"_src": int(src), "body": body, "defect": defect, "seated": seated,
                     "_outside": outside, "_group": group})  # fmt: skip

    rng_rows = _rng(params.seed, "rows")
    bodies = [b for b, _ in BODY_MIX]
    weights = np.array([w for _, w in BODY_MIX])
    weights = weights / weights.sum()

    def body_of() -> str:
        return str(rng_rows.choice(bodies, p=weights))

    for src in draw(params.valid_rows()):
        add(src, body_of(), "")
    for src in young_pool[: counts["under_age"]]:
        add(src, body_of(), "under_age")
    for src in old_pool[: counts["over_age"]]:
        add(src, "kpps", "over_age")
    for defect in ("nik_invalid", "domicile_outside_area", "education_below_minimum",
                   "party_member", "supporter_listed", "health_statement_missing",
                   "party_statement_missing", "register_data_differs"):  # fmt: skip
        for src in draw(counts[defect]):
            add(src, body_of(), defect, outside=defect == "domicile_outside_area")
    for g, src in enumerate(draw(counts["seated_elsewhere"])):
        add(src, "pps", "", seated=1, group=f"s{g}")
        add(src, "kpps", "seated_elsewhere", group=f"s{g}")
    for g, (a, b) in enumerate(couple_src):
        add(a, "kpps", "", seated=1, group=f"m{g}")
        add(b, "kpps", "marriage_tie", group=f"m{g}")

    plan = pl.DataFrame(
        rows,
        schema={"_src": pl.Int64, "body": pl.String, "defect": pl.String, "seated": pl.Int8,
                "_outside": pl.Boolean, "_group": pl.String},
    )  # fmt: skip
    order = _rng(params.seed, "rows").permutation(plan.height)
    plan = plan[order]
    n = plan.height
    src = plan["_src"].to_numpy()
    person = people[src]

    # The day of application and the area.
    rng_d = _rng(params.seed, "dates")
    days = (end - start).days + 1
    submitted = pl.Series(
        [start + dt.timedelta(days=int(d)) for d in rng_d.integers(0, days, n)], dtype=pl.Date
    )
    rng_a = _rng(params.seed, "areas")
    own = person["kode_kelurahan"].to_list()
    all_kel = people["kode_kelurahan"].unique().sort().to_list()
    tps_numbers = rng_a.integers(1, 31, n)
    group_tps: dict[str, int] = {}
    body_l, outside_l, group_l = (
        plan["body"].to_list(),
        plan["_outside"].to_list(),
        plan["_group"].to_list(),
    )
    region, domicile = [], []
    for i in range(n):
        area_kel = own[i]
        if outside_l[i]:
            while True:
                other = all_kel[int(rng_a.integers(0, len(all_kel)))]
                if other[:6] != own[i][:6]:
                    break
            area_kel = other
        tps = int(tps_numbers[i])
        if group_l[i] is not None:
            tps = group_tps.setdefault(group_l[i], tps)
        body = body_l[i]
        if body == "ppk":
            region.append(area_kel[:6])
        elif body == "pps":
            region.append(area_kel)
        else:
            region.append(f"{area_kel}{tps:03d}")
        domicile.append(own[i])

    rng_f = _rng(params.seed, "fields")
    defect = plan["defect"]
    edu_names = [e for e, _ in EDUCATION_MIX]
    edu_w = np.array([w for _, w in EDUCATION_MIX])
    education = rng_f.choice(edu_names, size=n, p=edu_w / edu_w.sum()).astype(object)
    low = (defect == "education_below_minimum").to_numpy()
    education[low] = rng_f.choice(["sd", "smp"], size=int(low.sum()))
    nkk_blank = rng_f.random(n) < params.share_nkk_blank
    phones = [f"08{int(x):010d}" for x in rng_f.integers(10**9, 10**10 - 1, n)]
    nik = person["nik"].to_numpy().astype(object)
    bad = (defect == "nik_invalid").to_numpy()
    nik[bad] = [v[:12] + "0000" for v in nik[bad]]
    frame = pl.DataFrame(
        {
            "number": [f"SYN-{i + 1:07d}" for i in range(n)],
            "body": plan["body"],
            "region_code": region,
            "nik": pl.Series(nik.tolist(), dtype=pl.String),
            "nkk": pl.Series(
                np.where(nkk_blank, "", person["nkk"].to_numpy().astype(object)).tolist(),
                dtype=pl.String,
            ),
            "nama": person["nama"],
            "tempat_lahir": person["tempat_lahir"],
            "tanggal_lahir": person.select(
                pl.when(defect == "register_data_differs")
                .then(
                    pl.col("born")
                    + pl.when(pl.col("born").dt.day() < 28)
                    .then(pl.duration(days=1))
                    .otherwise(pl.duration(days=-1))
                )
                .otherwise(pl.col("born"))
                .dt.strftime("%Y-%m-%d")
            ).to_series(),
            "jenis_kelamin": person["jenis_kelamin"],
            "status_kawin": person["status_kawin"],
            "alamat": person["alamat"],
            "rt": person["rt"],
            "rw": person["rw"],
            "domicile_code": domicile,
            "phone": phones,
            "education": pl.Series(education.tolist(), dtype=pl.String),
            "health_statement": (defect != "health_statement_missing").cast(pl.Int8),
            "party_statement": (defect != "party_statement_missing").cast(pl.Int8),
            "previous_terms": pl.Series(np.zeros(n, dtype=np.int64)),
            "submitted_on": submitted,
            "seated": plan["seated"].cast(pl.Int8),
        }
    ).select(APPLICATION_COLUMNS)
    truth = (
        pl.DataFrame({"number": frame["number"], "defect": defect})
        .with_columns(
            expected=pl.when(pl.col("defect").is_in(["", *WARNING_DEFECTS]))
            .then(pl.lit("eligible"))
            .otherwise(pl.lit("ineligible")),
            reasons=pl.when(pl.col("defect").is_in(WARNING_DEFECTS))
            .then(pl.lit(""))
            .otherwise(pl.col("defect")),
            warnings=pl.when(pl.col("defect") == "nik_invalid")
            .then(pl.lit("not_in_register"))
            .when(pl.col("defect").is_in(WARNING_DEFECTS))
            .then(pl.col("defect"))
            .otherwise(pl.lit("")),
        )
        .select(TRUTH_COLUMNS)
    )
    party_applied = frame.filter(defect == "party_member").select("nik")
    extra = draw(_count(params.party_extra, party_applied.height))
    party = pl.concat([party_applied, people[extra].select("nik")]).sort("nik")
    supporters = frame.filter(defect == "supporter_listed").select("nik").sort("nik")
    return {"applications": frame, "truth": truth, "party": party, "supporters": supporters}


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def write_applicants(
    population_dir: str | Path, out_dir: str | Path, params: ApplicantParams
) -> dict:
    """Generate and write the files (see the module docstring); return the manifest."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    generated = generate_applicants(population_dir, params)
    files = {
        "applications.csv": generated["applications"],
        "applicants_truth.csv": generated["truth"],
        "party_members.csv": generated["party"],
        "supporters.csv": generated["supporters"],
    }
    hashes = {}
    for name, frame in files.items():
        tmp = out / (name + ".tmp")
        frame.write_csv(tmp)
        tmp.replace(out / name)
        hashes[name] = _sha256(out / name)
    truth = generated["truth"]
    params_dict = {k: (v.isoformat() if isinstance(v, dt.date) else v)
                   for k, v in dataclasses.asdict(params).items()}  # fmt: skip
    manifest = {
        "generator": "pilkada.synth.applicants",
        "version": GENERATOR_VERSION,
        "population": str(Path(population_dir)),
        "parameters": params_dict,
        "rows": generated["applications"].height,
        "seated": int(generated["applications"]["seated"].sum()),
        "expected": {e: int((truth["expected"] == e).sum()) for e in ("eligible", "ineligible")},
        "defects": {d: int((truth["defect"] == d).sum()) for d in (*SINGLE_DEFECTS, *PAIR_DEFECTS)},
        "by_body": dict(generated["applications"]["body"].value_counts().sort("body").iter_rows()),
        "party_members": generated["party"].height,
        "supporters": generated["supporters"].height,
        "sha256": hashes,
    }
    (out / "applicants_manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


# -- `pilkada synth applicants` (wired in pilkada.synth.management.commands.synth) ------------


def add_parser(sub) -> None:
    """Add the ``applicants`` subcommand to the ``synth`` command's subparsers."""
    p = sub.add_parser(
        "applicants",
        help="applications to the ad hoc bodies drawn from a population, with their truth",
        description=(
            "Draw applications to PPK, PPS, KPPS and Pantarlih from a population directory "
            "(dp4.csv, truth.csv, manifest.json) with known defects. Writes applications.csv, "
            "party_members.csv, supporters.csv, applicants_truth.csv and "
            "applicants_manifest.json. Rates are fractions of the rows."
        ),
    )
    defaults = ApplicantParams()
    p.add_argument("--population", type=Path, required=True, help="population directory")
    p.add_argument("--out", type=Path, default=None, help="default: the population dir")
    p.add_argument("--seed", type=int, default=defaults.seed, help="random seed (>= 0)")
    p.add_argument("--rows", type=int, default=defaults.rows, help="applications (%(default)s)")
    for name in (*SINGLE_DEFECTS, *PAIR_DEFECTS):
        attr = f"rate_{name}"
        p.add_argument(
            "--rate-" + name.replace("_", "-"),
            dest=attr,
            type=float,
            metavar="RATE",
            default=getattr(defaults, attr),
            help=f"applications with {name}"
            + (" (pairs: two rows each)" if name in PAIR_DEFECTS else "")
            + "; default %(default)s",
        )
    p.add_argument("--json", action="store_true", help="print the manifest as JSON")


def run_command(options: dict, write) -> None:
    """Run ``pilkada synth applicants`` with the parsed ``options``; ``write`` prints a line.
    Raises ValueError or FileNotFoundError for bad input."""
    population = Path(options["population"])
    if not (population / "manifest.json").exists():
        raise FileNotFoundError(f"{population} has no manifest.json (a population directory)")
    rates = {f"rate_{d}": options[f"rate_{d}"] for d in (*SINGLE_DEFECTS, *PAIR_DEFECTS)}
    for name, value in rates.items():
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"{name} must be between 0 and 1")
    params = ApplicantParams(rows=options["rows"], seed=options["seed"], **rates)
    out = Path(options["out"] or population)
    manifest = write_applicants(population, out, params)
    if options.get("json"):
        write(json.dumps(manifest, indent=2))
        return
    write(
        f"{manifest['rows']:,} applications in {out / 'applications.csv'} -- eligible "
        f"{manifest['expected']['eligible']:,}, ineligible {manifest['expected']['ineligible']:,}"
        f"; {manifest['seated']:,} seated; party list {manifest['party_members']:,} NIKs, "
        f"supporters {manifest['supporters']:,}"
    )
    for defect, count in manifest["defects"].items():
        write(f"  {defect:<26} {count:>8,}")

"""The demo election: what `make run` loads so that every screen has something to show.

Everything here goes through the apps' own services; the only Jakarta-specific choices are
the data files named below (the demo election file and the province code it names).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from pilkada.accounts.services import ensure_demo_accounts
from pilkada.schedule.services import ensure_demo_election
from pilkada.synth.population import PopulationParams, write_population
from pilkada.voters.models import ImportBatch
from pilkada.voters.services import file_sha256, replace_population

DEMO_PASSWORD = "demo-pilkada-2024"  # noqa: S105 - printed to the demo user on purpose
# The demo accounts sit in the capital city's first kecamatan (31.71 Jakarta Pusat): the
# kab/kota is a parameter of ensure_demo_accounts, this is only the demo's choice.
DEMO_KABKOTA = "3171"


@dataclass
class DemoResult:
    election: object
    accounts: list
    voters: int
    population_dir: Path
    generated: bool
    loaded: bool


def population_dir(voters: int, seed: int) -> Path:
    return settings.DATA_DIR / "demo" / f"population-{voters}-{seed}"


def load_demo(*, voters: int, seed: int, out=None) -> DemoResult:
    """Load (or keep) the demo election, its accounts and a synthetic population.

    Safe to re-run: the population is generated once per (voters, seed) and loaded again
    only when the election's current DP4 batch is a different file.
    """
    say = out or (lambda message: None)
    election = ensure_demo_election()
    province = election.region_code[:2]
    accounts = ensure_demo_accounts(
        province_code=province, password=DEMO_PASSWORD, kabkota_code=DEMO_KABKOTA
    )
    directory = population_dir(voters, seed)
    dp4 = directory / "dp4.csv"
    generated = False
    if not dp4.exists():
        say(f"generating a synthetic population of {voters:,} voters (seed {seed}) ...")
        write_population(PopulationParams(voters=voters, seed=seed, province=province), directory)
        generated = True
    sha = file_sha256(dp4)
    current = ImportBatch.objects.filter(election=election, kind=ImportBatch.Kind.DP4).first()
    loaded = False
    if current is None or current.sha256 != sha:
        say(f"loading {dp4} into the database ...")
        current = replace_population(election=election, path=dp4, actor="demo")
        loaded = True
    return DemoResult(
        election=election,
        accounts=accounts,
        voters=current.rows,
        population_dir=directory,
        generated=generated,
        loaded=loaded,
    )

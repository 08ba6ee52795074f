"""The system's eligibility checks of the applications, set-based (issue 5 part 3).

``run_checks`` reads the submitted applications of an area (one ``values_list`` into Polars),
the register rows, the party-member list and the listed supporters of their NIKs (one
temporary table and three joins, :func:`..selectors.applications.evidence_for_niks`) and the
active seated members, runs :func:`pilkada.engine.adhoc_eligibility.check_applications` with
the rule parameters of the settings (:func:`rule_params`), and writes every application's
outcome back with one statement (the results COPYed -- PostgreSQL -- or ``executemany``-d --
SQLite -- into a temporary table, then ``UPDATE ... FROM``), in one transaction with its audit
entry (counts per outcome, reason and warning).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from pilkada.accounts import permissions
from pilkada.audit.services import record_audit
from pilkada.core import clock
from pilkada.engine.adhoc_eligibility import (
    REASONS,
    WARNINGS,
    RuleParams,
    check_applications,
    count_codes,
)
from pilkada.schedule.gate import require_open
from pilkada.voters.services.common import update_from_frame

from ..access import BODY_RECRUITERS, require_for_body
from ..models import Application, Body
from ..rules import EDUCATION_ORDER
from ..selectors.applications import active_members_frame, applications_frame, evidence_for_niks

__all__ = ["ACTION", "CheckOutcome", "bodies_for", "rule_params", "run_checks"]

#: The permission action of running the checks (and of the document check).
ACTION = "adhoc.check"
#: The stage action whose window the checks need (selection, PKPU 8/2022).
STAGE_ACTION = "adhoc.select"
_TEMP = "adhoc_tmp_check_result"


def rule_params() -> RuleParams:
    """The rules' parameters from the settings (``PILKADA_ADHOC_*``), for the engine."""
    limit = settings.PILKADA_ADHOC_TERM_LIMIT
    return RuleParams(
        min_age=int(settings.PILKADA_ADHOC_MIN_AGE),
        max_age={str(b): int(m) for b, m in settings.PILKADA_ADHOC_MAX_AGE.items()
                 if m is not None},
        min_education={str(b): str(m) for b, m in settings.PILKADA_ADHOC_MIN_EDUCATION.items()
                       if m},
        education_order=EDUCATION_ORDER,
        term_limit=None if limit is None else int(limit),
    )  # fmt: skip


def bodies_for(actor, *, region_code: str, body: str | None = None) -> list[str]:
    """The bodies ``actor`` may check in ``region_code`` (one when ``body`` is given; raises
    PermissionDenied when it may not). None (the system) and operators check every body."""
    wanted = [body] if body else list(Body.values)
    if actor is None:
        return wanted
    permissions.require(actor, ACTION, region_code)
    if body:
        require_for_body(actor, ACTION, body=body, region_code=region_code)
        return wanted
    if permissions.is_operator(actor):
        return wanted
    return [b for b in wanted if getattr(actor, "role", "") in BODY_RECRUITERS[b]]


def _prefix(*, election, actor, region_prefix: str) -> str:
    """The region checked: ``region_prefix``, else the actor's region, else the election's."""
    scope = getattr(actor, "region_code", "") if actor is not None else ""
    return region_prefix or scope or election.region_code


@dataclass
class CheckOutcome:
    region_prefix: str
    bodies: list[str]
    applications: int = 0
    by_eligibility: dict[str, int] = field(default_factory=dict)
    by_reason: dict[str, int] = field(default_factory=dict)
    by_warning: dict[str, int] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "region_prefix": self.region_prefix,
            "bodies": self.bodies,
            "applications": self.applications,
            "by_eligibility": self.by_eligibility,
            "by_reason": self.by_reason,
            "by_warning": self.by_warning,
            "stages": self.stages,
        }


def run_checks(
    *,
    election,
    actor,
    body: str | None = None,
    region_prefix: str = "",
    check_window: bool = True,
) -> CheckOutcome:
    """Check every submitted application of ``body`` (else every body the actor recruits)
    in ``region_prefix`` (else the actor's region, else the election's) and store each
    outcome. Raises PermissionDenied outside the actor's role or scope and
    ``pilkada.schedule.gate.StageClosed`` outside the selection window (``check_window``
    False only for set-up and benchmarks)."""
    if body and body not in Body.values:
        raise ValueError(f"unknown body {body!r}")
    prefix = _prefix(election=election, actor=actor, region_prefix=region_prefix)
    bodies = bodies_for(actor, region_code=prefix, body=body)
    if check_window:
        require_open(election=election, action=STAGE_ACTION)
    outcome = CheckOutcome(region_prefix=prefix, bodies=bodies)
    stages = outcome.stages
    started = t = time.perf_counter()
    with transaction.atomic():
        apps = applications_frame(election=election, bodies=bodies, region_prefix=prefix)
        members = active_members_frame(election=election)
        stages["read"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        evidence = evidence_for_niks(
            election=election, niks=pl.concat([apps["nik"], members["nik"]])
        )
        stages["evidence"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        result = check_applications(
            apps,
            register=evidence["register"],
            party_niks=evidence["party"],
            supporter_niks=evidence["supporters"],
            members=members,
            params=rule_params(),
            reference_date=clock.today(),
        )
        stages["engine"] = round(time.perf_counter() - t, 3)
        t = time.perf_counter()
        _write_back(result)
        outcome.applications = result.height
        outcome.by_eligibility = {
            c: int((result["eligibility"] == c).sum()) for c in ("eligible", "ineligible")
        }
        outcome.by_reason = count_codes(result["reasons"], REASONS)
        outcome.by_warning = count_codes(result["warnings"], WARNINGS)
        record_audit(
            actor=actor,
            action="adhoc.check",
            object_type="schedule.Election",
            object_id=election.pk,
            new={
                "region_prefix": prefix,
                "bodies": bodies,
                "applications": outcome.applications,
                "by_eligibility": outcome.by_eligibility,
                "by_reason": outcome.by_reason,
                "by_warning": outcome.by_warning,
            },
        )
        stages["write"] = round(time.perf_counter() - t, 3)
    stages["total"] = round(time.perf_counter() - started, 3)
    return outcome


def _write_back(result: pl.DataFrame) -> None:
    """Every application's outcome in one UPDATE joined to a temporary table of results."""
    frame = result.select(
        "id", "eligibility", eligibility_reasons="reasons", eligibility_warnings="warnings",
        register_voter_id=pl.col("register_voter_id").cast(pl.Int64),
    )  # fmt: skip
    checked_at = connection.ops.adapt_datetimefield_value(timezone.now())
    update_from_frame(
        Application._meta.db_table,
        frame,
        {"eligibility": "varchar(10)", "eligibility_reasons": "varchar(255)",
         "eligibility_warnings": "varchar(255)", "register_voter_id": "bigint"},
        temp=_TEMP,
        extra_sets="eligibility_checked_at = %s",
        params=[checked_at],
    )  # fmt: skip


def checks_in_background(*, election, actor, body: str | None = None, region_prefix: str = ""):
    """Whether the checks of this scope are many enough to run as a background job rather
    than inside the request (more than ``PILKADA_ADHOC_CHECK_INLINE_MAX`` submitted
    applications)."""
    prefix = _prefix(election=election, actor=actor, region_prefix=region_prefix)
    rows = Application.objects.filter(
        election=election, state=Application.State.SUBMITTED, region_code__startswith=prefix
    )
    if body:
        rows = rows.filter(body=body)
    return rows.count() > int(settings.PILKADA_ADHOC_CHECK_INLINE_MAX)


def start_checks_job(*, election, actor, body: str | None = None, region_prefix: str = ""):
    """Queue :func:`run_checks` as job kind ``adhoc.check`` with the same actor. The cheap
    refusals happen here first (unknown body, no permission, closed window): a job is never
    queued only to fail on them."""
    from pilkada.jobs.services import start_job

    if body and body not in Body.values:
        raise ValueError(f"unknown body {body!r}")
    prefix = _prefix(election=election, actor=actor, region_prefix=region_prefix)
    bodies_for(actor, region_code=prefix, body=body)
    require_open(election=election, action=STAGE_ACTION)
    return start_job(
        kind="adhoc.check",
        actor=actor,
        params={"election_id": election.pk, "body": body or "", "region_prefix": prefix},
        region_code=prefix,
    )

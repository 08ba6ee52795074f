import datetime as dt

from django.http import Http404
from ninja import Router, Schema

from pilkada.core import clock
from pilkada.core.selectors import current_election

from . import gate, selectors

router = Router(tags=["schedule"])


class StageOut(Schema):
    code: str
    name: str
    start: dt.date
    end: dt.date
    parent_code: str
    status: str
    actions: list[str]
    regulation: str


class DecisionOut(Schema):
    open: bool
    reason: str
    action: str
    on: dt.date
    stage: str | None
    start: dt.date | None
    end: dt.date | None


def _election():
    election = current_election()
    if election is None:
        raise Http404("no election loaded")
    return election


@router.get("/stages", response=list[StageOut], summary="Stages (tahapan) and their status today")
def stages(request):
    today = clock.today()
    return [_stage_out(s, today) for s in selectors.stages(election=_election())]


def _stage_out(stage, today) -> StageOut:
    return StageOut(
        code=stage.code, name=stage.name, start=stage.start, end=stage.end,
        parent_code=stage.parent_code, status=selectors.Window.of(stage).status(today),
        actions=list(stage.actions), regulation=stage.regulation,
    )  # fmt: skip


@router.get("/check", response=DecisionOut, summary="Is an action open on the election's clock?")
def check(request, action: str):
    decision = gate.is_open(election=_election(), action=action)
    window = decision.window
    return DecisionOut(
        open=decision.open, reason=decision.reason, action=decision.action, on=decision.on,
        stage=window.stage_code if window else None,
        start=window.start if window else None, end=window.end if window else None,
    )  # fmt: skip

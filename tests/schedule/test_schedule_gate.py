"""The gate every module asks: is this action open on the election clock's day?"""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import translation

from pilkada.schedule import selectors
from pilkada.schedule.gate import StageClosed, is_open, require_open


@pytest.mark.parametrize(
    ("today", "is_open_"),
    [
        ("2024-06-23", False),  # the day before
        ("2024-06-24", True),  # first day
        ("2024-07-10", True),
        ("2024-07-24", True),  # last day
        ("2024-07-25", False),  # the day after
    ],
)
def test_windows_include_both_edges(election, election_today, today, is_open_):
    election_today(today)
    decision = is_open(election=election, action="voters.coklit")
    assert decision.open is is_open_
    assert bool(decision) is is_open_
    assert decision.on == dt.date.fromisoformat(today)
    assert decision.window.stage_code == "coklit"


def test_an_action_after_its_window_is_refused_naming_stage_and_dates(election, election_today):
    election_today("2024-08-01")
    with pytest.raises(StageClosed) as info:
        require_open(election=election, action="voters.coklit")
    message = str(info.value)
    assert message == (
        "Tahap 'Pencocokan dan penelitian (coklit)' sudah ditutup: dibuka 24 Juni 2024 s.d. "
        "24 Juli 2024; hari ini 1 Agustus 2024."
    )
    assert isinstance(info.value, PermissionDenied)  # a view answers 403 with the reason
    assert info.value.decision.open is False
    assert info.value.decision.window.end == dt.date(2024, 7, 24)


def test_an_action_before_its_window_is_refused(election, election_today):
    election_today("2024-04-01")
    decision = is_open(election=election, action="candidacy.register")
    assert not decision.open
    assert decision.reason == (
        "Tahap 'Pendaftaran pasangan calon' belum dibuka: dibuka 27 Agustus 2024 s.d. "
        "29 Agustus 2024; hari ini 1 April 2024."
    )


def test_an_open_action_passes_with_its_reason(election, election_today):
    election_today("2024-07-01")
    decision = require_open(election=election, action="voters.coklit")
    assert decision.open
    assert "sedang dibuka" in decision.reason and "24 Juni 2024" in decision.reason


def test_single_day_stage(election):
    on = dt.date(2024, 9, 22)
    assert is_open(election=election, action="candidacy.set_pairs", on=on).open
    decision = is_open(election=election, action="candidacy.set_pairs", on=on + dt.timedelta(1))
    assert not decision.open
    assert decision.reason == (
        "Tahap 'Penetapan pasangan calon' sudah ditutup: hanya pada 22 September 2024; "
        "hari ini 23 September 2024."
    )


def test_an_unknown_action_is_refused_never_allowed(election):
    decision = is_open(election=election, action="voters.teleport", on=dt.date(2024, 7, 1))
    assert not decision.open and decision.window is None
    assert "voters.teleport" in decision.reason and "ditolak" in decision.reason
    with pytest.raises(StageClosed):
        require_open(election=election, action="voters.teleport", on=dt.date(2024, 7, 1))


def test_on_overrides_the_clock(election, election_today):
    election_today("2024-08-01")
    assert is_open(election=election, action="voters.coklit", on=dt.date(2024, 7, 1)).open


def test_real_clock_is_used_without_pilkada_today(election, settings):
    settings.PILKADA_TODAY = None
    decision = is_open(election=election, action="voters.coklit")
    assert decision.on >= dt.date(2025, 1, 1)  # long after 2024's windows closed
    assert not decision.open


def test_reason_in_english(election):
    with translation.override("en"):
        decision = is_open(election=election, action="voters.coklit", on=dt.date(2024, 8, 1))
        unknown = is_open(election=election, action="x.y", on=dt.date(2024, 8, 1))
    assert decision.reason == (
        "Stage 'Pencocokan dan penelitian (coklit)' has closed: it was open from 24 June 2024 "
        "to 24 July 2024; today is 1 August 2024."
    )
    assert unknown.reason.startswith("No stage in the schedule of")


def test_action_window(election):
    window = selectors.action_window(
        election=election, action="voters.import_dp4", on=dt.date(2024, 1, 1)
    )
    assert (window.stage_code, window.start, window.end) == (
        "penyerahan-dp4",
        dt.date(2024, 4, 24),
        dt.date(2024, 5, 31),
    )
    assert selectors.action_window(election=election, action="nothing.here") is None


def test_an_action_opened_by_two_stages_picks_the_relevant_window(election):
    # e.g. a correction round: the same action opened again later.
    election.stages.filter(code="masa-tenang").update(actions=["voters.coklit"])
    windows = selectors.action_windows(election=election, action="voters.coklit")
    assert [w.stage_code for w in windows] == ["coklit", "masa-tenang"]
    between = dt.date(2024, 9, 1)
    assert (
        selectors.action_window(election=election, action="voters.coklit", on=between).stage_code
        == "masa-tenang"
    )  # the next to open
    assert is_open(election=election, action="voters.coklit", on=dt.date(2024, 11, 25)).open
    after = dt.date(2025, 1, 1)
    assert (
        selectors.action_window(election=election, action="voters.coklit", on=after).stage_code
        == "masa-tenang"
    )  # the last closed


def test_gate_costs_one_query(election, django_assert_num_queries):
    with django_assert_num_queries(1):
        is_open(election=election, action="voters.coklit", on=dt.date(2024, 7, 1))

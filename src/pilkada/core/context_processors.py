from . import clock


def election_clock(request):
    return {"election_today": clock.today(), "election_clock_fixed": clock.is_fixed()}

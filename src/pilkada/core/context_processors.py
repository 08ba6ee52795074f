from . import clock


def election_clock(request):
    return {"election_today": clock.today(), "election_clock_fixed": clock.is_fixed()}


def navigation(request):
    from pilkada.accounts.permissions import can

    user = getattr(request, "user", None)
    return {"can_view_audit": user is not None and can(user, "audit.view")}

"""Pages of candidacy: oversight (being built; see the issue's notes)."""

urlpatterns: list = []

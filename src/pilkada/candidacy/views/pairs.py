"""Pages of candidacy: pairs (being built; see the issue's notes)."""

urlpatterns: list = []

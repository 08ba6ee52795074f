"""Pages of candidacy: verfak (being built; see the issue's notes)."""

urlpatterns: list = []

"""Pages of candidacy: lists (being built; see the issue's notes)."""

urlpatterns: list = []

"""Pages of candidacy: support (being built; see the issue's notes)."""

urlpatterns: list = []

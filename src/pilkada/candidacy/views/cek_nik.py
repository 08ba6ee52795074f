"""Pages of candidacy: cek_nik (being built; see the issue's notes)."""

urlpatterns: list = []

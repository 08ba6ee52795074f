"""Pages of the voter register: lookup."""

urlpatterns: list = []

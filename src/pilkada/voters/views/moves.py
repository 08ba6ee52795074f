"""Pages of the voter register: moves."""

urlpatterns: list = []

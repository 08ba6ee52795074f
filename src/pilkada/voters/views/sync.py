"""Pages of the voter register: sync."""

urlpatterns: list = []

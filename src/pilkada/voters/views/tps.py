"""Pages of the voter register: tps."""

urlpatterns: list = []

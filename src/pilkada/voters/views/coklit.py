"""Pages of the voter register: coklit."""

urlpatterns: list = []

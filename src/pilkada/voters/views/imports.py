"""Pages of the voter register: imports."""

urlpatterns: list = []

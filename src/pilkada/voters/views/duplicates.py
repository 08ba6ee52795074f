"""Pages of the voter register: duplicates."""

urlpatterns: list = []

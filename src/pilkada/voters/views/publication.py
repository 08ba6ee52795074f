"""Pages of the voter register: publication."""

urlpatterns: list = []

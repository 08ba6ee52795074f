"""Pages of the voter register: dukcapil."""

urlpatterns: list = []

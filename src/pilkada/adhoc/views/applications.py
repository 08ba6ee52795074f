"""Pages of the applications area (to be built)."""

#: (url name, label, what it is for, permission action; None = public), for the hub.
MENU: list[tuple] = []
urlpatterns: list = []

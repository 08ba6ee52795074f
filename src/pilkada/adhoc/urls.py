"""URLs of the ad hoc bodies: every area's ``urlpatterns``. Officers' pages live under
``adhoc/``; the public application form and announcements under ``rekrutmen/``."""

from .views import applications, apply, hub, members, overview, selection

app_name = "adhoc"
urlpatterns = [
    *hub.urlpatterns,
    *apply.urlpatterns,
    *applications.urlpatterns,
    *selection.urlpatterns,
    *members.urlpatterns,
    *overview.urlpatterns,
]

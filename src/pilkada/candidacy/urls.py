"""URLs of candidacy: every area's ``urlpatterns``. Officers' pages live under
``pencalonan/``; the public cek NIK dukungan has its own short path."""

from .views import cek_nik, hub, lists, oversight, pairs, support, verfak

app_name = "candidacy"
urlpatterns = [
    *hub.urlpatterns,
    *pairs.urlpatterns,
    *lists.urlpatterns,
    *support.urlpatterns,
    *verfak.urlpatterns,
    *cek_nik.urlpatterns,
    *oversight.urlpatterns,
]

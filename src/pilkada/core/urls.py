from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("wilayah/<str:code>/anak/", views.region_children, name="region_children"),
]

from django.urls import path

from . import views

app_name = "schedule"
urlpatterns = [
    path("", views.stage_list, name="list"),
    path("<int:pk>/", views.stage_row, name="row"),
    path("<int:pk>/ubah/", views.stage_edit, name="edit"),
]

from django.urls import include, path

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("akun/", include("pilkada.accounts.urls")),
    path("tahapan/", include("pilkada.schedule.urls")),
    path("audit/", include("pilkada.audit.urls")),
    path("pekerjaan/", include("pilkada.jobs.urls")),
    path("", include("pilkada.core.urls")),
]

from django.urls import include, path

from pilkada.api import api

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", api.urls),
    path("akun/", include("pilkada.accounts.urls")),
    path("tahapan/", include("pilkada.schedule.urls")),
    path("audit/", include("pilkada.audit.urls")),
    path("pekerjaan/", include("pilkada.jobs.urls")),
    path("", include("pilkada.voters.urls")),
    path("", include("pilkada.candidacy.urls")),
    path("", include("pilkada.adhoc.urls")),
    path("", include("pilkada.core.urls")),
]

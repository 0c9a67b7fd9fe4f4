from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from gongzhi.api import api
from gongzhi.core import views as core_views

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="cases:queue", permanent=False)),
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("gongzhi.accounts.urls")),
    path("cases/", include("gongzhi.cases.urls")),
    path("public/", include("gongzhi.cases.public_urls")),
    path("core/", include("gongzhi.core.urls")),
    path("api/", api.urls),
    path("open311/", include("gongzhi.open311.urls")),
    path("map/", include("gongzhi.cases.map_urls")),
    path("registry/", include("gongzhi.registry.urls")),
    path("visits/", include("gongzhi.visits.urls")),
    path("text/", include("gongzhi.text.urls")),
    path("participation/", include("gongzhi.participation.urls")),
    path("cobuilding/", include("gongzhi.cobuilding.urls")),
    path("volunteers/", include("gongzhi.volunteers.urls")),
    path("committees/", include("gongzhi.committees.urls")),
    path("mediation/", include("gongzhi.mediation.urls")),
    path("care/", include("gongzhi.care.urls")),
    path("events/", include("gongzhi.events.urls")),
    path("renewal/", include("gongzhi.renewal.urls")),
    path("insight/", include("gongzhi.insight.urls")),
    path("django-admin/", admin.site.urls),
]

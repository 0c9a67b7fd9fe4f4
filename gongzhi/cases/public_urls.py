from django.urls import path

from gongzhi.cases import public_views as views

app_name = "public"
urlpatterns = [
    path("report/", views.report, name="report"),
    path("report/photo/<int:pk>/", views.pending_photo, name="pending_photo"),
    path("report/done/", views.submitted, name="submitted"),
    path("track/", views.track, name="track"),
    path("track/photo/<str:number>/<int:pk>/", views.tracked_photo, name="tracked_photo"),
    path("areas.geojson", views.areas_geojson, name="areas"),
    path("follow/<str:number>/", views.follow, name="follow"),
]

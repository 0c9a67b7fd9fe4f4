from django.urls import path

from gongzhi.cases import map_views as views

app_name = "map"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("outlines.geojson", views.outline_data, name="outlines"),
    path("points.geojson", views.point_data, name="points"),
]

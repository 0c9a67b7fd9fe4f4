from django.urls import path

from gongzhi.territory import views

app_name = "territory"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("outlines.geojson", views.outline_data, name="outlines"),
    path("points.geojson", views.point_data, name="points"),
]

from django.urls import path

from gongzhi.cobuilding import editing, public_views, views

app_name = "cobuilding"
urlpatterns = [
    path("", views.index, name="index"),
    path("coverage/", views.coverage_page, name="coverage"),
    path("pairings/", views.pairings, name="pairings"),
    path("coverage/edit/", editing.coverage_edit, name="coverage_edit"),
    path("pairings/new/", editing.pairing_new, name="pairing_new"),
    path("pairings/<int:pk>/", views.pairing, name="pairing"),
    path("pairings/<int:pk>/edit/", editing.pairing_edit, name="pairing_edit"),
    path("alliances/", views.alliances, name="alliances"),
    path("alliances/new/", editing.alliance_new, name="alliance_new"),
    path("alliances/<int:pk>/", views.alliance, name="alliance"),
    path("alliances/<int:pk>/members/", editing.alliance_member_add, name="alliance_member_add"),
    path(
        "alliances/<int:pk>/members/<int:member>/leave/",
        editing.alliance_member_leave,
        name="alliance_member_leave",
    ),
    path("needs/", views.needs, name="needs"),
    path("needs/new/", views.need_new, name="need_new"),
    path("needs/<int:pk>/", views.need, name="need"),
    path("needs/<int:pk>/claim/", views.need_claim, name="need_claim"),
    path("needs/<int:pk>/act/<str:action>/", views.need_act, name="need_act"),
    path("resources/", views.resources, name="resources"),
    path("resources/new/", editing.resource_new, name="resource_new"),
    path("resources/<int:pk>/", views.resource, name="resource"),
    path("projects/", views.projects, name="projects"),
    path("projects/new/", editing.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("units/<int:pk>/", views.unit, name="unit"),
    path("places/", views.places_page, name="places"),
    path("places/new/", editing.place_new, name="place_new"),
    path("places/<int:pk>/", views.place, name="place"),
    path("places/<int:pk>/edit/", editing.place_edit, name="place_edit"),
    path("places/<int:pk>/act/<str:action>/", views.place_act, name="place_act"),
    # public, no account
    path("map/", public_views.courier_map, name="map"),
    path("map/places.geojson", public_views.places_geojson, name="map_geojson"),
    path("map/sw.js", public_views.service_worker, name="map_sw"),
    path("map/manifest.webmanifest", public_views.manifest, name="map_manifest"),
    path("map/places/<int:pk>/report/", public_views.report_place, name="map_report"),
    path("map/places/<int:pk>/problem/", public_views.problem, name="map_problem"),
    path("map/services.json", public_views.services_list, name="map_services"),
]

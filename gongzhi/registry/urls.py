from django.urls import path

from gongzhi.registry import views

app_name = "registry"
urlpatterns = [
    path("", views.index, name="index"),
    path("residents/<int:pk>/", views.resident, name="resident"),
    path("residents/<int:pk>/tags/", views.add_tag, name="add_tag"),
    path("residents/<int:pk>/edit/", views.edit_resident, name="edit_resident"),
    path("residents/<int:pk>/move-out/", views.move_out, name="move_out"),
    path("resident-tags/<int:pk>/end/", views.end_tag, name="end_tag"),
    path("dwellings/<int:pk>/residents/", views.add_resident, name="add_resident"),
    path("reveal/<str:kind>/<int:pk>/<str:field>/", views.reveal, name="reveal"),
    path("dwellings/<int:pk>/", views.dwelling, name="dwelling"),
    path("organizations/", views.organizations, name="organizations"),
    path("organizations/<int:pk>/", views.organization, name="organization"),
    path("tags/", views.tag_lists, name="tags"),
    path("tags/manage/", views.manage_tags, name="manage_tags"),
    path("import/", views.import_start, name="import"),
    path("import/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<str:token>/", views.import_status, name="import_status"),
    path("template/<str:kind>.<str:fmt>", views.template, name="template"),
    path("export/", views.export, name="export"),
]

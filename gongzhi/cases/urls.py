from django.urls import path

from gongzhi.cases import resident_views, views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("about-resident/<int:pk>/", resident_views.about_resident, name="about_resident"),
    path("new/", views.new, name="new"),
    path("onsite/", views.onsite, name="onsite"),
    path("onsite/sample/", views.onsite_sample, name="onsite_sample"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/export.xlsx", views.dashboard_export, name="dashboard_export"),
    path("outbox/", views.outbox, name="outbox"),
    path("<str:number>/", views.detail, name="detail"),
    path("<str:number>/act/<str:name>/", views.act, name="act"),
    path("<str:number>/print/", views.print_case, name="print"),
    path("<str:number>/photo/<int:pk>/", views.attachment, name="attachment"),
]

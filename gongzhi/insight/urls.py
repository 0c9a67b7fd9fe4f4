from django.urls import path

from gongzhi.insight import views

app_name = "insight"
urlpatterns = [
    path("", views.report_list, name="reports"),
    path("reports/<int:pk>/", views.report_detail, name="report"),
    path("reports/<int:pk>/export.<str:fmt>", views.report_export, name="report_export"),
    path("index/", views.index_page, name="index"),
    path("index/<int:pk>/", views.index_detail, name="index_detail"),
    path("alerts/", views.alert_list, name="alerts"),
    path("alerts/<int:pk>/", views.alert_detail, name="alert"),
    path("cockpit/", views.cockpit, name="cockpit"),
    path("cockpit/data.json", views.cockpit_data, name="cockpit_data"),
]

from django.urls import path

from gongzhi.care import views, views_manage

app_name = "care"
urlpatterns = [
    path("", views.index, name="index"),
    path("people/", views.people, name="people"),
    path("people/enrol/", views_manage.enrol, name="enrol"),
    path("people/<int:pk>/", views.recipient, name="recipient"),
    path("people/<int:pk>/plan/", views_manage.plan, name="plan"),
    path("groups/", views_manage.groups, name="groups"),
    path("groups/new/", views_manage.group_edit, name="group_new"),
    path("groups/<int:pk>/", views_manage.group_edit, name="group_edit"),
    path("policy/", views_manage.policy, name="policy"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert, name="alert"),
    path("figures/", views.figures, name="figures"),
    path("map/", views_manage.overdue_map, name="map"),
    path("map/areas/<int:pk>/", views_manage.overdue_map_area, name="map_area"),
]

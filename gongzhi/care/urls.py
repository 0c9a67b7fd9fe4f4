from django.urls import path

from gongzhi.care import views

app_name = "care"
urlpatterns = [
    path("", views.index, name="index"),
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.recipient, name="recipient"),
    path("alerts/", views.alerts, name="alerts"),
    path("alerts/<int:pk>/", views.alert, name="alert"),
    path("figures/", views.figures, name="figures"),
]

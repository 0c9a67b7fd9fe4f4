from django.urls import path

from gongzhi.mediation import views

app_name = "mediation"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
]

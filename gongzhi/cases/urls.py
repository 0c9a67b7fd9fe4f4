from django.urls import path

from gongzhi.cases import views

app_name = "cases"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<str:number>/", views.detail, name="detail"),
]

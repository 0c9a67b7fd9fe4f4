from django.urls import path

from gongzhi.cobuilding import views

app_name = "cobuilding"
urlpatterns = [
    path("", views.index, name="index"),
    path("places/<int:pk>/", views.place, name="place"),
]

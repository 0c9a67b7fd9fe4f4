from django.urls import path

from gongzhi.core import views

app_name = "core"
urlpatterns = [
    path("calendar/", views.calendar_page, name="calendar"),
]

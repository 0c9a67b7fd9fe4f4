from django.urls import path

from gongzhi.events import views

app_name = "events"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/do/<str:action>/", views.act, name="act"),
    path("<int:pk>/minutes/", views.minutes, name="minutes"),
    path("checkin/", views.checkin_start, name="checkin_start"),
    path("checkin/<str:code>/", views.checkin, name="checkin"),
    path("public/<int:subdistrict>/", views.public_list, name="public_list"),
    path("public/<int:subdistrict>/calendar.ics", views.feed, name="feed"),
    path("public/event/<int:pk>/", views.public_event, name="public_event"),
    path("public/event/<int:pk>/calendar.ics", views.event_ics, name="event_ics"),
    path("mine/<str:code>/", views.mine, name="mine"),
]

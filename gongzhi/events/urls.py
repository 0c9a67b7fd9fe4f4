from django.urls import path

from gongzhi.events import room_views, views

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
    path("rooms/", room_views.index, name="rooms"),
    path("rooms/new/", room_views.new, name="room_new"),
    path("rooms/<int:pk>/", room_views.room, name="room"),
    path("rooms/<int:pk>/book/", room_views.book, name="room_book"),
    path("bookings/<int:pk>/decide/", room_views.decide, name="booking_decide"),
]

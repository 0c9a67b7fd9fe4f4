from django.urls import path

from gongzhi.visits import views

app_name = "visits"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("new/case-row/", views.case_row, name="case_row"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/photo/<int:photo_pk>/", views.photo, name="photo"),
    path("household/<int:pk>/", views.for_household, name="for_household"),
    path("organization/<int:pk>/", views.for_organization, name="for_organization"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
]

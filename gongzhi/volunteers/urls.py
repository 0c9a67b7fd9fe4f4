from django.urls import path

from gongzhi.volunteers import views

app_name = "volunteers"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/credentials/", views.credentials, name="credentials"),
    path("activities/<int:pk>/", views.opportunity, name="opportunity"),
    path("deeds/", views.deeds, name="deeds"),
    path("shop/", views.shop, name="shop"),
    path("export/", views.export, name="export"),
    path("party-summary/", views.party_summary, name="party_summary"),
    path("login/", views.login, name="login"),
    path("logout/", views.logout, name="logout"),
    path("me/", views.me, name="me"),
    path("scan/<str:code>/", views.scan, name="scan"),
]

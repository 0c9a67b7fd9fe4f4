from django.urls import path

from gongzhi.mediation import views

app_name = "mediation"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/agreement.docx", views.agreement_document, name="agreement"),
    path("<int:pk>/agreement-scan/", views.agreement_scan, name="agreement_scan"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
]

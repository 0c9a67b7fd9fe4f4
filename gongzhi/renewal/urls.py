from django.urls import path

from gongzhi.renewal import views

app_name = "renewal"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.project, name="project"),
    path("<int:pk>/bulletin.docx", views.bulletin, name="bulletin"),
    path("certificates/<int:pk>/", views.certificate, name="certificate"),
    path("certificates/<int:pk>/record/", views.record, name="record"),
]

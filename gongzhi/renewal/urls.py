from django.urls import path

from gongzhi.renewal import views

app_name = "renewal"
urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.project, name="project"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/template.xlsx", views.sheet_template, name="template"),
    path("<int:pk>/import/", views.import_sheet, name="import"),
    path("<int:pk>/bulletin.docx", views.bulletin, name="bulletin"),
    path("certificates/<int:pk>/", views.certificate, name="certificate"),
    path("certificates/<int:pk>/record/", views.record, name="record"),
]

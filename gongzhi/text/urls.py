from django.urls import path

from gongzhi.text import views

app_name = "text"
urlpatterns = [
    path("suggest/", views.suggest, name="suggest"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("public/duplicates/", views.public_duplicates, name="public_duplicates"),
    path("models/", views.models_page, name="models"),
    path("models/train/", views.train, name="train"),
    path("models/<int:version>/activate/", views.activate, name="activate"),
    path("hot/", views.hot_page, name="hot"),
    path("hot/escalate/", views.hot_escalate, name="hot_escalate"),
]

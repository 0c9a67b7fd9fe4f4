from django.urls import path

from gongzhi.committees import views

app_name = "committees"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/act/", views.act, name="act"),
    path("<int:pk>/elect/", views.elect, name="elect"),
    path("<int:pk>/votes/new/", views.vote_new, name="vote_new"),
    path("votes/<int:pk>/", views.vote, name="vote"),
    path("votes/<int:pk>/ballot/", views.ballot, name="ballot"),
    path("votes/<int:pk>/close/", views.vote_close, name="vote_close"),
    path("votes/<int:pk>/notice.docx", views.vote_notice, name="vote_notice"),
    path("works/", views.works_index, name="works_index"),
    path("<int:pk>/works/new/", views.works_new, name="works_new"),
    path("works/<int:pk>/", views.works_detail, name="works"),
    path("works/<int:pk>/act/", views.works_act, name="works_act"),
    path("<int:pk>/audits/new/", views.audit_new, name="audit_new"),
    path("audits/<int:pk>/", views.audit_detail, name="audit"),
    path("audits/<int:pk>/findings/", views.finding_new, name="finding_new"),
    path("findings/<int:pk>/remedy/", views.finding_remedy, name="finding_remedy"),
]

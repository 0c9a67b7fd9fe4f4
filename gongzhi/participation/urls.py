from django.urls import path

from gongzhi.participation import ballot_views, views
from gongzhi.participation import public_views as public

app_name = "participation"
urlpatterns = [
    # Staff
    path("", views.index, name="index"),
    path("campaigns/new/", views.campaign_new, name="campaign_new"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("suggestions/new/", views.suggestion_new, name="suggestion_new"),
    path("suggestions/bulk/", views.suggestions_bulk, name="suggestions_bulk"),
    path("suggestions/<int:pk>/", views.suggestion, name="suggestion"),
    path("suggestions/<int:pk>/act/", views.suggestion_act, name="suggestion_act"),
    path("topics/", views.topics, name="topics"),
    path("topics/new/", views.topic_new, name="topic_new"),
    path("topics/<int:pk>/", views.topic, name="topic"),
    path("topics/<int:pk>/act/", views.topic_act, name="topic_act"),
    path("meetings/<int:pk>/", views.meeting, name="meeting"),
    path("meetings/<int:pk>/act/", views.meeting_act, name="meeting_act"),
    path("meetings/<int:pk>/qr.svg", views.meeting_qr, name="meeting_qr"),
    path("items/", views.items, name="items"),
    path("items/new/", views.item_new, name="item_new"),
    path("items/<int:pk>/", views.item, name="item"),
    path("items/<int:pk>/act/", views.item_act, name="item_act"),
    path("projects/", views.projects, name="projects"),
    path("projects/new/", views.project_new, name="project_new"),
    path("projects/<int:pk>/", views.project, name="project"),
    path("projects/<int:pk>/act/", views.project_act, name="project_act"),
    path("ballots/", ballot_views.ballots, name="ballots"),
    path("ballots/new/", ballot_views.ballot_new, name="ballot_new"),
    path("ballots/<int:pk>/", ballot_views.ballot, name="ballot"),
    path("ballots/<int:pk>/act/", ballot_views.ballot_act, name="ballot_act"),
    # Public (no account)
    path("p/ballots/", ballot_views.public_ballots, name="public_ballots"),
    path("p/ballots/<str:ref>/", ballot_views.public_ballot, name="public_ballot"),
    path("p/ballots/<str:ref>/code/", ballot_views.public_ballot_code, name="public_ballot_code"),
    path("p/", public.home, name="public_home"),
    path("p/campaigns/<int:pk>/", public.campaign, name="public_campaign"),
    path("p/campaigns/<int:pk>/suggest/", public.suggest, name="public_suggest"),
    path("p/code/", public.send_code, name="public_code"),
    path("p/s/<str:ref>/", public.suggestion, name="public_suggestion"),
    path("p/s/<str:ref>/support/", public.support, name="public_support"),
    path("p/s/<str:ref>/report/", public.report, name="public_report"),
    path("p/board/<int:area_pk>/", public.board, name="public_board"),
    path("p/minutes/<int:pk>/", public.minutes, name="public_minutes"),
    path("p/sign/<str:token>/", public.sign_in, name="sign_in"),
]

from django.contrib.auth import views as auth_views
from django.urls import path

from gongzhi.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("otp/setup/", views.otp_setup, name="otp_setup"),
    path("otp/verify/", views.otp_verify, name="otp_verify"),
    path("notices/", views.notices, name="notices"),
    path("audit/", views.audit_log, name="audit_log"),
    path("staff/", views.staff_roles, name="staff_roles"),
    path("staff/<int:pk>/", views.staff_act, name="staff_act"),
    path("notices/<int:pk>/read/", views.notice_read, name="notice_read"),
]

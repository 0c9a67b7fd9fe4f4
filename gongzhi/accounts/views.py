from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from gongzhi.accounts.models import Notice


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    items = Notice.objects.filter(user=request.user)[:100]
    return render(request, "accounts/notices.html", {"notices": items})


@login_required
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_object_or_404(Notice, pk=pk, user=request.user)
    if notice.read_at is None:
        notice.read_at = timezone.now()
        notice.save(update_fields=["read_at"])
    return redirect(notice.url or "accounts:notices")

import csv
import datetime as dt
import io
from base64 import b32encode

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from gongzhi.accounts import notices as notices_module
from gongzhi.accounts import otp, selectors
from gongzhi.accounts.models import AccessLog
from gongzhi.core import rules
from gongzhi.core.errors import DomainError, NotFound


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@login_required
def notices(request: HttpRequest) -> HttpResponse:
    items = notices_module.notices_for(request.user)[:100]
    return render(request, "accounts/notices.html", {"notices": items})


@login_required
@require_POST
def notice_read(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        notice = notices_module.mark_read(user=request.user, pk=pk)
    except NotFound as exc:
        raise Http404 from exc
    return redirect(notice.url or "accounts:notices")


LOG_ROWS = 200

ACTION_LABELS = {
    "reveal": _lazy("查看明文"),
    "export:clear": _lazy("明文导出"),
    "export:masked": _lazy("脱敏导出"),
    "export:access_log": _lazy("导出访问记录"),
}


def action_label(action: str) -> str:
    """The access log's action in words ("查看明文：id_number"); an unknown one as it is."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    kind, _sep, detail = action.partition(":")
    return f"{ACTION_LABELS[kind]}：{detail}" if kind in ACTION_LABELS and detail else action


def _filters(request: HttpRequest) -> selectors.LogFilters:
    def day(name: str) -> dt.date | None:
        try:
            return parse_date(request.GET.get(name, "") or "")
        except ValueError:
            return None

    return selectors.LogFilters(
        since=day("since"),
        until=day("until"),
        username=request.GET.get("user", "").strip()[:150],
        action=request.GET.get("action", "").strip()[:60],
    )


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The auditor's page: who revealed or exported what (with the reason), and every
    administrative change, filtered by date, person and action; CSV export (itself logged)."""
    if not rules.has(request.user, "audit.view"):
        raise PermissionDenied(_("只有纪检审计人员可以查看访问记录。"))
    filters = _filters(request)
    reads = selectors.access_log_for(request.user, filters)
    changes = selectors.audit_events_for(request.user, filters)
    if request.GET.get("format") == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([_("时间"), _("人员"), _("操作"), _("对象"), _("编号"), _("理由"), _("地址")])
        for row in reads[:50000]:
            writer.writerow(
                [
                    timezone.localtime(row.created_at).strftime("%Y-%m-%d %H:%M:%S"),
                    row.user.username if row.user else "",
                    row.action,
                    row.object_type,
                    row.object_id,
                    row.reason,
                    row.ip or "",
                ]
            )
        AccessLog.objects.create(
            user=request.user,
            action="export:access_log",
            object_type="access_log",
            reason=_("审计导出"),
            ip=request.META.get("REMOTE_ADDR"),
        )
        response = HttpResponse(
            ("\ufeff" + buffer.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="gongzhi-access-log.csv"'
        return response
    context = {
        "reads": [(row, action_label(row.action)) for row in reads[:LOG_ROWS]],
        "changes": list(changes.select_related("actor")[:LOG_ROWS]),
        "filters": filters,
        "query": request.GET.urlencode(),
        "limit": LOG_ROWS,
    }
    return render(request, "accounts/audit_log.html", context)


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return "/"
    return target


@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Enrolment on first sign-in: scan the QR code, confirm with a code, keep the backup codes."""
    if otp.has_device(request.user):
        return redirect(f"{reverse('accounts:otp_verify')}?next={_next_url(request)}")
    device = otp.pending_device(request.user)
    error = ""
    if request.method == "POST":
        try:
            device, codes = otp.confirm_enrolment(user=request.user, token=request.POST.get("token", ""))
        except DomainError as exc:
            error = exc.message
        else:
            otp.mark_verified(request, device)
            return render(
                request, "accounts/otp/backup_codes.html", {"codes": codes, "next": _next_url(request)}
            )
    return render(
        request,
        "accounts/otp/setup.html",
        {
            "qr": mark_safe(otp.qr_svg(device)),  # noqa: S308 - segno's own SVG
            "secret": b32encode(device.bin_key).decode(),
            "error": error,
            "next": _next_url(request),
        },
        status=400 if error else 200,
    )


@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The code after the password, and the fresh code a step-up asks for."""
    if not otp.has_device(request.user):
        return redirect(f"{reverse('accounts:otp_setup')}?next={_next_url(request)}")
    error = ""
    if request.method == "POST":
        if otp.verify(request=request, token=request.POST.get("token", "")):
            return redirect(_next_url(request))
        error = _("验证码不正确或已使用过，请输入验证器中的新验证码或一个未用过的备用码。")
    return render(
        request,
        "accounts/otp/verify.html",
        {"error": error, "next": _next_url(request), "minutes": otp.step_up_minutes()},
        status=400 if error else 200,
    )

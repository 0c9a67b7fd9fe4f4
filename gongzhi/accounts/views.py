import csv
import datetime as dt
import io
from base64 import b32encode

from django.contrib import messages
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from gongzhi.accounts import audit, otp, policy, selectors, services
from gongzhi.accounts import notices as notices_module
from gongzhi.accounts.models import ADMINISTRATOR_ROLES, AccessLog, Role
from gongzhi.accounts.validators import PasswordHistoryValidator
from gongzhi.core import rules
from gongzhi.core.errors import DomainError, NotFound


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, with the history rule (A1) applied even where AUTH_PASSWORD_VALIDATORS
    does not list it (the change page is where a reused password would come in)."""

    def clean(self) -> dict:
        cleaned = super().clean()
        password = cleaned.get("new_password2")
        configured = {type(v) for v in password_validation.get_default_password_validators()}
        if password and "new_password2" not in self.errors and PasswordHistoryValidator not in configured:
            try:
                PasswordHistoryValidator().validate(password, self.user)
            except ValidationError as exc:
                self.add_error("new_password2", exc)
        return cleaned


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    """Changing one's own password; where the gate sends a password past its age (A1)."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            user = form.save()
            audit.record(actor=user, action="password.change", target=user)
        update_session_auth_hash(request, user)
        messages.success(request, _("密码已修改。"))
        return redirect(_next_url(request))
    context = {
        "form": form,
        "next": _next_url(request),
        "expired": policy.password_expired(request.user),
        "max_age": policy.password_max_age_days(),
        "help_text": " ".join(password_validation.password_validators_help_texts()),
    }
    return render(request, "accounts/password_change.html", context, status=400 if form.errors else 200)


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
    "reveal": gettext_lazy("查看明文"),
    "export:clear": gettext_lazy("明文导出"),
    "export:masked": gettext_lazy("脱敏导出"),
    "export:access_log": gettext_lazy("导出访问记录"),
}


# The fields whose reveal is logged (the detail after "reveal:"), as labels.
FIELD_LABELS = {
    "id_number": gettext_lazy("证件号码"),
    "phone": gettext_lazy("联系电话"),
    "owner_phone": gettext_lazy("产权人/房东电话"),
    "contact_phone": gettext_lazy("联系电话"),
}


def action_label(action: str) -> str:
    """The access log's action in words ("查看明文：id_number"); an unknown one as it is."""
    if action in ACTION_LABELS:
        return str(ACTION_LABELS[action])
    kind, _sep, detail = action.partition(":")
    if kind in ACTION_LABELS and detail:
        return f"{ACTION_LABELS[kind]}：{FIELD_LABELS.get(detail, detail)}"
    return action


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
        raise PermissionDenied(_("只有安全审计员可以查看审计记录。"))
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


STAFF_ROWS = 200

STAFF_ACTIONS = {
    "grant": lambda actor, user, role: services.grant_role(actor=actor, user=user, role=role),
    "revoke": lambda actor, user, role: services.revoke_role(actor=actor, user=user, role=role),
    "otp_reset": lambda actor, user, role: services.reset_second_factor(actor=actor, user=user),
    "unlock": lambda actor, user, role: services.unlock(actor=actor, user=user),
    "tokens": lambda actor, user, role: services.revoke_all_tokens(actor=actor, user=user),
}


def _staff_page(
    request: HttpRequest, *, message: str = "", error: str = "", status: int = 200
) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:60]
    labels = dict(Role.choices)
    staff = [
        (person, [(g.name, labels.get(g.name, g.name)) for g in person.groups.all()])
        for person in selectors.staff_for(request.user, query)[:STAFF_ROWS]
    ]
    context = {
        "staff": staff,
        "roles": Role.choices,
        "administrator_roles": ADMINISTRATOR_ROLES,
        "query": query,
        "limit": STAFF_ROWS,
        "message": message,
        "error": error,
    }
    return render(request, "accounts/staff_roles.html", context, status=status)


@login_required
def staff_roles(request: HttpRequest) -> HttpResponse:
    """The security administrator's page: the accounts in scope with their roles; grant or
    revoke a role, reset a lost second factor, lift a lockout, revoke API tokens."""
    if not rules.has(request.user, "role.view"):
        raise PermissionDenied(_("只有安全管理员可以管理角色。"))
    return _staff_page(request)


@login_required
@require_POST
def staff_act(request: HttpRequest, pk: int) -> HttpResponse:
    if not rules.has(request.user, "role.view"):
        raise PermissionDenied(_("只有安全管理员可以管理角色。"))
    user = selectors.staff_for(request.user).filter(pk=pk).first()
    if user is None and pk != request.user.pk:
        raise Http404
    action = STAFF_ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        return _staff_page(request, error=_("请选择要执行的操作。"), status=400)
    try:
        otp.require_step_up(request.user)
        action(request.user, user or request.user, request.POST.get("role", ""))
    except DomainError as exc:  # NotAllowed and a missing step-up are 403, the rest 400
        return _staff_page(request, error=exc.message, status=exc.status)
    return _staff_page(request, message=_("已完成，已记入审计记录。"))


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

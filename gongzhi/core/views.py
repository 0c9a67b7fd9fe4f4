from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from gongzhi.core import calendar, services
from gongzhi.core import rules as permissions
from gongzhi.core.errors import DomainError
from gongzhi.core.models import CalendarDay, CalendarYear


class CalendarImportForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("年份"), min_value=2000, max_value=2100)
    file = forms.FileField(label=gettext_lazy("安排文件（CSV：日期,类型,名称；类型为“休”或“班”）"))


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and the database's state, for load balancers and monitoring."""
    database = {"vendor": connection.vendor}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database["ok"] = True
    except Exception as exc:  # report, do not raise: this page exists to say what is wrong
        database.update(ok=False, error=str(exc)[:200])
    status = 200 if database["ok"] else 503
    return JsonResponse({"status": "ok" if database["ok"] else "error", "database": database}, status=status)


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """Administrators keep the official calendar: see which years are loaded, import a year's
    schedule (CSV: date,type,name with type 休 or 班), or change one day."""
    if not permissions.has(request.user, "calendar.manage"):
        raise PermissionDenied(_("只有系统管理员可以维护工作日历。"))
    form = CalendarImportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                count = services.import_calendar(
                    actor=request.user, year=form.cleaned_data["year"], text=form.cleaned_data["file"].read()
                )
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("已导入 %(n)d 天的安排。") % {"n": count})
                return redirect("core:calendar")
    years = CalendarYear.objects.all()
    days = CalendarDay.objects.filter(date__year__gte=timezone.localdate().year - 1).order_by("date")
    return render(
        request,
        "core/calendar.html",
        {"form": form, "years": years, "days": days, "missing": calendar.missing_years()},
        status=status,
    )

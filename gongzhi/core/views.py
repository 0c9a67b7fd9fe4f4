from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET


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


def calendar_page(request: HttpRequest):  # replaced below by the real page
    raise NotImplementedError

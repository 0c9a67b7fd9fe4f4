"""The product's URLs plus /bench/ping (the ceiling: a minimal JSON view on the same stack) and
/bench/intake (a thin JSON adapter over `services.create_case`, as the API's create is)."""

import json

from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gongzhi.cases import services
from gongzhi.cases.models import Category
from gongzhi.core.errors import DomainError
from gongzhi.urls import urlpatterns as product_urlpatterns


def ping(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@csrf_exempt
@require_POST
def intake(request: HttpRequest) -> JsonResponse:
    try:
        body = json.loads(request.body)
        category = Category.objects.get(pk=int(body["category"]), active=True)
        case = services.create_case(
            actor=None,
            category=category,
            title=body.get("title", ""),
            description=body.get("description", ""),
            source="open311",
            lat=float(body["lat"]),
            lng=float(body["lng"]),
            reporter_phone=body.get("phone", ""),
        )
    except (ValueError, KeyError, Category.DoesNotExist) as exc:
        return JsonResponse({"code": "bad_request", "message": str(exc)}, status=400)
    except DomainError as exc:
        return JsonResponse({"code": "invalid", "message": str(exc)}, status=400)
    return JsonResponse({"service_request_id": case.number}, status=201)


urlpatterns = [
    path("bench/ping", ping),
    path("bench/intake", intake),
    *product_urlpatterns,
]

from django.conf import settings
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict:
    return {"GONGZHI_TILE_URL": settings.GONGZHI_TILE_URL, "DEBUG": settings.DEBUG}

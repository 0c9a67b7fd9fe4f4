from django.http import HttpRequest, HttpResponse


def queue(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError


def detail(request: HttpRequest, number: str) -> HttpResponse:
    raise NotImplementedError

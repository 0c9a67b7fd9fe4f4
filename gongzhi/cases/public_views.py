from django.http import HttpRequest, HttpResponse


def report(request: HttpRequest) -> HttpResponse:
    raise NotImplementedError

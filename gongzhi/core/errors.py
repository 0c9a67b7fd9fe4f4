"""Errors that services raise. Views and the API turn them into messages and 4xx answers."""

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    """A request the platform refuses for a reason the user can act on."""

    code = "invalid"
    status = 400

    def __init__(self, message: str | None = None, *, code: str | None = None, details: dict | None = None):
        self.message = str(message or _("请求无效。"))
        if code:
            self.code = code
        self.details = details or {}
        super().__init__(self.message)


class NotAllowed(DomainError):
    code = "forbidden"
    status = 403

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(message or _("您没有执行此操作的权限。"), **kwargs)


class NotFound(DomainError):
    code = "not_found"
    status = 404

    def __init__(self, message: str | None = None, **kwargs):
        super().__init__(message or _("未找到，或不在您的管辖范围内。"), **kwargs)


class InvalidTransition(DomainError):
    code = "invalid_transition"
    status = 409


class Conflict(DomainError):
    code = "conflict"
    status = 409

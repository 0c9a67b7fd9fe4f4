"""API schemas every app shares."""

from ninja import Schema


class ErrorOut(Schema):
    """The one error shape of the REST API."""

    code: str
    message: str
    details: dict = {}

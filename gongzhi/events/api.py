"""The events router of the REST API (/api/events/)."""

from ninja import Router

router = Router(tags=["events"])

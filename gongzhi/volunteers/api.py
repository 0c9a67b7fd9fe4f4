"""The volunteers router of the REST API (/api/volunteers/)."""

from ninja import Router

router = Router(tags=["volunteers"])

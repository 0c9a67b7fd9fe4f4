"""The insight router of the REST API (/api/insight/)."""

from ninja import Router

router = Router(tags=["insight"])

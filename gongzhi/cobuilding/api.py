"""The cobuilding router of the REST API (/api/cobuilding/)."""

from ninja import Router

router = Router(tags=["cobuilding"])

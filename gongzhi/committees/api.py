"""The committees router of the REST API (/api/committees/)."""

from ninja import Router

router = Router(tags=["committees"])

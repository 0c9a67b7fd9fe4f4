"""The care router of the REST API (/api/care/)."""

from ninja import Router

router = Router(tags=["care"])

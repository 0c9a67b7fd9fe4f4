"""The renewal router of the REST API (/api/renewal/)."""

from ninja import Router

router = Router(tags=["renewal"])

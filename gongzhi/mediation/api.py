"""The mediation router of the REST API (/api/mediation/)."""

from ninja import Router

router = Router(tags=["mediation"])

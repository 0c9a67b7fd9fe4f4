"""The participation router of the REST API (/api/participation/)."""

from ninja import Router

router = Router(tags=["participation"])

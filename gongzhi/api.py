"""The platform's REST API at /api/: one NinjaAPI that mounts each app's router."""

from ninja import NinjaAPI

api = NinjaAPI(title="gongzhi API", version="1", urls_namespace="api", docs_url="/docs")

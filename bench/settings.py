"""Settings for the HTTP benchmark's server: the product's, plus two bench-only endpoints."""

from gongzhi.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]

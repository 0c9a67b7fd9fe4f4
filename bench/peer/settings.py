"""Settings for django-helpdesk 2.6.1 as the bench runs it: its API on, e-mail kept in memory.

Database: `PEER_DATABASE_URL` (postgres://user:password@host:port/name) or a SQLite file at
`PEER_SQLITE_PATH`."""

import os
from urllib.parse import unquote, urlparse

SECRET_KEY = "bench-peer-only-" + "x" * 50
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "Asia/Shanghai"
SITE_ID = 1
ROOT_URLCONF = "bench.peer.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
HELPDESK_ACTIVATE_API_ENDPOINT = True
HELPDESK_SHOW_CHANGE_PASSWORD = False
LOGGING = {"version": 1, "disable_existing_loggers": True}

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.sites",
    "django.contrib.messages",
    "django.contrib.humanize",
    "django.contrib.staticfiles",
    "rest_framework",
    "pinax.invitations",  # helpdesk 2.6.1's migrations depend on pinax_teams
    "pinax.teams",
    "account",
    "helpdesk",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]
STATIC_URL = "/static/"

_url = os.environ.get("PEER_DATABASE_URL")
if _url:
    _u = urlparse(_url)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": _u.path.lstrip("/"),
            "USER": unquote(_u.username or ""),
            "PASSWORD": unquote(_u.password or ""),
            "HOST": _u.hostname or "",
            "PORT": str(_u.port or ""),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("PEER_SQLITE_PATH", "peer.sqlite3"),
            # As gongzhi's embedded profile runs SQLite: WAL, synchronous=NORMAL.
            "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"},
        }
    }

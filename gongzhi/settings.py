"""Settings for gongzhi. Everything a deployment changes comes from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("GONGZHI_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = os.environ.get("GONGZHI_DEBUG", "1") == "1"
# Demo mode allows the public demo keys (this secret key, the registry's field and blind-index
# keys). It follows DEBUG unless GONGZHI_DEMO_MODE says otherwise: `make demo` and `make test`
# run with DEBUG on, so they are in demo mode; production settings (GONGZHI_DEBUG=0) are not, and
# every management command, `check --deploy` and the web units' ExecStartPre then refuse to start
# with a demo or placeholder key (gongzhi.core.checks, gongzhi.registry.checks). A public demo
# server with GONGZHI_DEBUG=0 says GONGZHI_DEMO_MODE=1 explicitly.
GONGZHI_DEMO_MODE = os.environ.get("GONGZHI_DEMO_MODE", "1" if DEBUG else "0") == "1"
# Second factor (TOTP + backup codes) for staff. GONGZHI_OTP_DEMO_SKIP lets the demo and the
# tests sign in with a password alone, and only in demo mode: outside it it is ignored.
GONGZHI_OTP_DEMO_SKIP = GONGZHI_DEMO_MODE and os.environ.get("GONGZHI_OTP_DEMO_SKIP", "1") == "1"
# Reveals of ID numbers and clear exports need a code entered within this many minutes.
GONGZHI_OTP_STEP_UP_MINUTES = int(os.environ.get("GONGZHI_OTP_STEP_UP_MINUTES", "5"))
OTP_TOTP_ISSUER = "gongzhi 共治"
DEMO_SECRET_KEY = "gongzhi-demo-insecure-key-change-me-in-production-0123456789"
SECRET_KEY = os.environ.get("GONGZHI_SECRET_KEY", DEMO_SECRET_KEY)
ALLOWED_HOSTS = [
    h for h in os.environ.get("GONGZHI_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("GONGZHI_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "gongzhi.core",
    "gongzhi.territory",
    "gongzhi.accounts",
    "gongzhi.cases",
    "gongzhi.registry",
    "gongzhi.visits",
    "gongzhi.open311",
    "gongzhi.text",
    "gongzhi.participation",
    "gongzhi.cobuilding",
    "gongzhi.volunteers",
    "gongzhi.committees",
    "gongzhi.mediation",
    "gongzhi.care",
    "gongzhi.events",
    "gongzhi.renewal",
    "gongzhi.insight",
    "gongzhi.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # /api/ and Open311: oversized bodies and NUL characters refused in their own error shape.
    "gongzhi.core.middleware.MachineRequestGuard",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    # Staff pages and session API calls need the second factor (gongzhi.accounts.otp).
    "gongzhi.accounts.middleware.RequireSecondFactor",
]

ROOT_URLCONF = "gongzhi.urls"
WSGI_APPLICATION = "gongzhi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "gongzhi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "gongzhi.core.context_processors.platform",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'gongzhi.sqlite3'}",
        conn_max_age=int(os.environ.get("GONGZHI_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers work while one writer writes; IMMEDIATE takes the write lock at the start
    # of a transaction so that two concurrent case actions serialise instead of deadlocking.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;",
    }
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "gongzhi.accounts.validators.ContainsUserAttributeValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "gongzhi.accounts.validators.CharacterClassesValidator"},
    # 等保 A1: none of the last five passwords again (the history is kept as hashes only).
    {"NAME": "gongzhi.accounts.validators.PasswordHistoryValidator", "OPTIONS": {"count": 5}},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cases:queue"
LOGOUT_REDIRECT_URL = "accounts:login"

# Login throttling: five failures on one username from one address lock it for 30 minutes.
AXES_FAILURE_LIMIT = int(os.environ.get("GONGZHI_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("GONGZHI_LOGIN_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_VERBOSE = False

# Staff sessions expire after 30 idle minutes and at most 12 hours after login.
SESSION_COOKIE_AGE = int(os.environ.get("GONGZHI_SESSION_IDLE_SECONDS", "1800"))
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SESSION_COOKIE_SECURE = os.environ.get("GONGZHI_SECURE_COOKIES", "1") == "1"
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "gongzhi" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "gongzhi" / "static"]
# Serve straight from the static folders when collectstatic has not run (the demo, tests).
WHITENOISE_USE_FINDERS = True
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("GONGZHI_MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
GONGZHI_MAX_PHOTO_BYTES = int(os.environ.get("GONGZHI_MAX_PHOTO_BYTES", str(8 * 1024 * 1024)))
GONGZHI_MAX_PHOTO_PIXELS = 40_000_000

TASKS = {
    "default": {
        "BACKEND": os.environ.get("GONGZHI_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# Where messages to reporters go: the outbox (shown on a page) in the demo, an SMS gateway in
# production (GONGZHI_SMS_URL).
GONGZHI_MESSAGE_BACKEND = os.environ.get("GONGZHI_MESSAGE_BACKEND", "gongzhi.cases.messaging.OutboxBackend")
GONGZHI_SMS_URL = os.environ.get("GONGZHI_SMS_URL", "")
GONGZHI_SMS_TOKEN = os.environ.get("GONGZHI_SMS_TOKEN", "")

# Satisfaction weights: (满意 + 基本满意) / rated by default; a deployment may weigh 基本满意 less.
GONGZHI_SATISFACTION_WEIGHTS = {"satisfied": 1.0, "basically": 1.0, "unsatisfied": 0.0}
# Hours before a deadline that a case counts as "due soon".
GONGZHI_DUE_SOON_HOURS = int(os.environ.get("GONGZHI_DUE_SOON_HOURS", "24"))
# Map tiles: empty means outlines and points on a blank background (intranets have no internet).
GONGZHI_TILE_URL = os.environ.get("GONGZHI_TILE_URL", "")
GONGZHI_TILE_GCJ02 = os.environ.get("GONGZHI_TILE_GCJ02", "0") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("GONGZHI_LOG_LEVEL", "WARNING")},
}

# ------------------------------------------------------------------ server and city profiles
# (issue 5; docs/deploy.md and docs/scale.md). Everything here is driven by the environment and
# changes nothing when those variables are unset, except the HTTPS settings a production
# (GONGZHI_DEBUG=0) deployment needs for `gongzhi check --deploy`.

# A streaming replica for dashboards and exports: DATABASE_REPLICA_URL adds the "replica"
# database and the router that sends those reads to it (gongzhi/core/dbrouter.py).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("GONGZHI_CONN_MAX_AGE", "0")),
    )
    # Tests see the primary through the "replica" alias instead of a second test database.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["gongzhi.core.dbrouter.ReplicaRouter"]

# A Redis-backed task queue for the city profile (docs/deploy.md, "City profile"): setting
# GONGZHI_REDIS_URL (redis://host:6379/0) switches the task backend to django-tasks-rq (unless
# GONGZHI_TASKS_BACKEND names another) and adds django_rq for its `rqworker` command. Every
# gongzhi task (`@task()`: the deadline sweep, model training) runs on the "default" queue.
# RQ's own defaults would kill a job after 180 s and forget its result after 500 s: a city's
# sweep or a model training takes longer, and results are kept for a day.
GONGZHI_TASK_QUEUES = ["default"]
if os.environ.get("GONGZHI_REDIS_URL"):
    TASKS["default"]["BACKEND"] = os.environ.get("GONGZHI_TASKS_BACKEND", "django_tasks_rq.RQBackend")
    RQ_QUEUES = {
        name: {
            "URL": os.environ["GONGZHI_REDIS_URL"],
            "DEFAULT_TIMEOUT": int(os.environ.get("GONGZHI_TASK_TIMEOUT", "3600")),
            "DEFAULT_RESULT_TTL": 24 * 3600,
        }
        for name in GONGZHI_TASK_QUEUES
    }
    INSTALLED_APPS += ["django_rq"]

# HTTPS in production. The TLS proxy (nginx) tells Django the original scheme; /healthz stays
# reachable over plain HTTP for load-balancer checks. An intranet without TLS sets GONGZHI_HTTPS=0
# (and accepts `check --deploy`'s warnings about it).
if not DEBUG and os.environ.get("GONGZHI_HTTPS", "1") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
    SECURE_HSTS_SECONDS = int(os.environ.get("GONGZHI_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("GONGZHI_HSTS_SUBDOMAINS", "1") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("GONGZHI_HSTS_PRELOAD", "0") == "1"
    # Intranet and government-internal names cannot be on the browsers' public preload list.
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", [])]  # keep others' entries
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS += ["security.W021"]
    if SECURE_HSTS_SECONDS == 0:
        SILENCED_SYSTEM_CHECKS += ["security.W004", "security.W005"]  # HSTS turned off on purpose
# Static files compressed and fingerprinted by whitenoise in production (after collectstatic).
if not DEBUG and os.environ.get("GONGZHI_STATIC_MANIFEST", "1") == "1":
    STORAGES["staticfiles"] = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}

# The client's address behind the proxy and rate limits every worker agrees on (issue 12).
# GONGZHI_TRUSTED_PROXIES: the proxies in front of the app, comma-separated addresses or networks
# (nginx on the same host: 127.0.0.1,::1); X-Forwarded-For is believed only from them, and the
# client's address then replaces REMOTE_ADDR for axes, django-ratelimit and the access log.
GONGZHI_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("GONGZHI_TRUSTED_PROXIES", "").split(",") if p.strip()
]
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "gongzhi.core.middleware.ForwardedClientAddress",
)
# Login lockout: 5 failures on one account from one address lock the pair, 20 on any accounts
# lock the address (password spraying); gongzhi.core.middleware.login_failure_limit.
GONGZHI_LOGIN_FAILURE_LIMIT = AXES_FAILURE_LIMIT
GONGZHI_LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("GONGZHI_LOGIN_FAILURES_PER_ADDRESS", "20"))
AXES_FAILURE_LIMIT = "gongzhi.core.middleware.login_failure_limit"
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_CLIENT_IP_CALLABLE = "gongzhi.core.middleware.client_ip"
# Public rate-limit counters (django-ratelimit) in a cache all workers share: Redis when
# GONGZHI_REDIS_URL is set, else the core_ratecounter table (gongzhi.core.counter_cache).
CACHES = {
    **globals().get("CACHES", {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}),
    "ratelimit": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["GONGZHI_REDIS_URL"],
        }
        if os.environ.get("GONGZHI_REDIS_URL")
        # Without Redis: counters in the database (core.RateCounter), incremented by one UPDATE
        # so that workers counting one client at once lose nothing (Django's DatabaseCache reads
        # then writes).
        else {"BACKEND": "gongzhi.core.counter_cache.CounterCache", "LOCATION": "core_ratecounter"}
    ),
}
RATELIMIT_USE_CACHE = "ratelimit"

# 等保 A3/A8 (gongzhi.accounts.policy): the absolute session limit (12 h) and the networks the
# administrators' pages answer from (unset: no limit).
GONGZHI_SESSION_ABSOLUTE_SECONDS = int(os.environ.get("GONGZHI_SESSION_ABSOLUTE_SECONDS", "43200"))
GONGZHI_ADMIN_ALLOWED_NETS = [
    n.strip() for n in os.environ.get("GONGZHI_ADMIN_ALLOWED_NETS", "").split(",") if n.strip()
] or None

# 等保 A19: Content-Security-Policy without inline scripts (django-csp; the policy in
# gongzhi.core.headers) and no-store on pages with personal data.
from gongzhi.core.headers import policy as _csp_policy  # noqa: E402

MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "csp.middleware.CSPMiddleware"
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "gongzhi.core.headers.NoStoreForPersonalData",
)
CONTENT_SECURITY_POLICY = _csp_policy(tile_url=GONGZHI_TILE_URL)

"""gunicorn settings for the server profile (`gunicorn -c deploy/gunicorn.conf.py`).

Sync workers: every request is short (a page, a form, an API call) and the database does the
waiting. Two workers per core is the usual start; measure with `make bench` (intake over HTTP).
"""

import multiprocessing
import os

bind = os.environ.get("GONGZHI_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GONGZHI_WORKERS", str(max(2, multiprocessing.cpu_count() * 2))))
worker_class = "sync"
# Restart workers now and then so that a slow leak cannot grow without bound.
max_requests = 5000
max_requests_jitter = 500
timeout = 60
graceful_timeout = 30
keepalive = 5
# nginx on the same host sets X-Forwarded-For / X-Forwarded-Proto.
forwarded_allow_ips = os.environ.get("GONGZHI_FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GONGZHI_LOG_LEVEL", "warning").lower()
wsgi_app = "gongzhi.wsgi:application"

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gongzhi.settings")
application = get_wsgi_application()

# Each app server process builds the point-in-area index before its first request, not inside
# it (GONGZHI_WARM_AREAS=0 to skip, e.g. for a one-off process).
if os.environ.get("GONGZHI_WARM_AREAS", "1") == "1":
    from gongzhi.territory import geo

    geo.warm()

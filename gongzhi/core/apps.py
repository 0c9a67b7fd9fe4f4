from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "gongzhi.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from gongzhi.core import checks  # noqa: F401  (registers the deployment checks)

        post_migrate.connect(_create_cache_tables, sender=self)


def _create_cache_tables(*, using: str = "default", **kwargs) -> None:
    """`migrate` also creates the database cache tables (the shared rate-limit counters of
    django-ratelimit, settings.CACHES["ratelimit"]); createcachetable skips existing ones."""
    from django.core.management import call_command

    call_command("createcachetable", database=using, verbosity=0)

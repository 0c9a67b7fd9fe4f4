from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gongzhi.core import calendar, services
from gongzhi.core.errors import DomainError

User = get_user_model()


class Command(BaseCommand):
    help = "Show which years of the official calendar are loaded, or import a year's schedule (CSV: date,type,name; type 休 or 班)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("status", help="list loaded and missing years")
        load = sub.add_parser("import", help="replace a year's schedule from a CSV file")
        load.add_argument("year", type=int)
        load.add_argument("file")
        load.add_argument("--as", dest="username", required=True, help="the administrator doing the import")

    def handle(self, *args, **options):
        if options["action"] == "status":
            years = sorted(calendar.known_years())
            self.stdout.write(f"loaded: {years[0]}–{years[-1]}" if years else "loaded: none")
            missing = calendar.missing_years()
            self.stdout.write(f"missing: {', '.join(map(str, missing))}" if missing else "missing: none")
            return
        try:
            actor = User.objects.get(username=options["username"])
            with open(options["file"], "rb") as handle:
                count = services.import_calendar(actor=actor, year=options["year"], text=handle.read())
        except (User.DoesNotExist, OSError, DomainError) as exc:
            raise CommandError(getattr(exc, "message", str(exc))) from exc
        self.stdout.write(f"imported {count} days for {options['year']}")

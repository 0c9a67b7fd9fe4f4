from django.core.management.base import BaseCommand, CommandError

from gongzhi.cases.categories import DEFAULT_PATH, load_categories
from gongzhi.core.errors import DomainError


class Command(BaseCommand):
    help = "Create or update the category tree from a CSV file (default: the packaged one)."

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_PATH), help="CSV file (UTF-8)")

    def handle(self, *args, **options):
        try:
            count = load_categories(path=options["file"])
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"已载入 {count} 个类别（{options['file']}）。")

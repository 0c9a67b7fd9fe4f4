from django.db import migrations


def seed(apps, schema_editor):
    from gongzhi.core.calendar import rows_from_chinese_calendar

    CalendarDay = apps.get_model("core", "CalendarDay")
    CalendarYear = apps.get_model("core", "CalendarYear")
    rows, years = rows_from_chinese_calendar()
    CalendarDay.objects.bulk_create(
        [CalendarDay(date=r.date, is_workday=r.is_workday, name=r.name) for r in rows], ignore_conflicts=True
    )
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source="chinese-calendar") for y in sorted(years)], ignore_conflicts=True
    )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

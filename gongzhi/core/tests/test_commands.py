import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.core.models import CalendarYear


def test_calendar_import_command(world, tmp_path, capsys):
    schedule = tmp_path / "2027.csv"
    schedule.write_text("2027-01-01,休,元旦\n", encoding="utf-8")
    call_command("calendar", "import", "2027", str(schedule), "--as", "sysadmin")
    assert CalendarYear.objects.filter(year=2027).exists()
    assert "imported 1 days" in capsys.readouterr().out


def test_calendar_import_command_bad_file(world, tmp_path):
    schedule = tmp_path / "2027.csv"
    schedule.write_text("2027-01-01,?,元旦\n", encoding="utf-8")
    with pytest.raises(CommandError, match="类型应为"):
        call_command("calendar", "import", "2027", str(schedule), "--as", "sysadmin")
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_sweep_command_runs(world, capsys):
    call_command("sweep")
    assert "overdue=0" in capsys.readouterr().out

"""The point-in-area index can be built when a worker starts."""

import pytest
from django.db import connection

from gongzhi.territory import geo


def test_warm_builds_the_index_before_the_first_lookup(world):
    geo.invalidate()
    assert geo._index["tree"] is None
    assert geo.warm() is True
    assert geo._index["tree"] is not None
    assert geo.area_id_at(31.2005, 121.4005) == world.a.estate.pk


@pytest.mark.django_db
def test_warm_on_a_database_without_tables_postpones_quietly(django_db_blocker):
    geo.invalidate()
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE territory_area RENAME TO territory_area_away")
    try:
        assert geo.warm() is False
        assert geo._index["tree"] is None
    finally:
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE territory_area_away RENAME TO territory_area")

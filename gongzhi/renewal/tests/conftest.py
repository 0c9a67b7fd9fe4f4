import pytest

from gongzhi.registry.models import Dwelling
from gongzhi.renewal import services
from gongzhi.territory.services import create_area


@pytest.fixture
def site(world):
    """A leader, a building with three dwellings and a prepared old-area project on its estate."""
    leader = world.a.users["leader"]
    block = create_area(code="A-E1-B3", name="3号楼", kind="building", parent=world.a.estate)
    for room in ("101室", "102室", "201室"):
        Dwelling.objects.create(
            subdistrict_id=block.subdistrict_id, area=block, room=room, address=f"3号楼{room}"
        )
    project = services.create_project(actor=leader, area=world.a.estate, name="3号楼旧改", kind="old_area")
    return leader, block, project

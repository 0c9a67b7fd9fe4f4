from gongzhi.cases import services
from gongzhi.cases.models import Source


def public_report(world, side="a", area=None, **kwargs):
    target = getattr(world, side)
    params = dict(
        actor=None,
        category=world.category,
        title="楼道飞线充电",
        description="3号楼一楼楼道里有人从窗口拉电线给电瓶车充电，很危险。",
        source=Source.WEB,
        area=area or target.estate,
        reporter_phone="13812345678",
        reporter_name="王先生",
    )
    params.update(kwargs)
    return services.create_case(**params)


def assigned_case(world, side="a", tier=1, unit=None, area=None):
    target = getattr(world, side)
    case = public_report(world, side, area=area)
    return services.assign_case(
        case=case, actor=target.users["dispatcher"], tier=tier, unit=unit or target.committee
    )

"""The staff's writes beyond signing: withdrawing an answer or a signature, taking a certificate
off the register, ending a project; and the scope of every renewal rule against its selector."""

import datetime as dt

import pytest
import time_machine
from django.utils.module_loading import import_string

from gongzhi.accounts.models import AuditEvent
from gongzhi.core.errors import DomainError, NotAllowed
from gongzhi.core.rules import has
from gongzhi.renewal import rules, selectors, services
from gongzhi.renewal.models import CertificateState, ProjectState, Response
from gongzhi.renewal.tests.helpers import project_with

pytestmark = pytest.mark.django_db

D = dt.date
JULY = time_machine.travel(dt.datetime(2026, 7, 15, 10, tzinfo=dt.UTC), tick=False)


@JULY
def test_withdrawn_signature_goes_back_to_agreed_and_the_figure_falls(world):
    leader, cadre = world.a.users["leader"], world.a.users["gridworker"]
    project, certs = project_with(world.a, 4)
    services.open_round(
        actor=leader, project=project, number=1, opens_on=D(2026, 3, 1), closes_on=D(2026, 3, 31)
    )
    for c in certs:
        services.respond(actor=cadre, certificate=c, answer="agree", on=D(2026, 3, 2))
    services.close_round(actor=leader, project=project, on=D(2026, 3, 3))
    round2 = services.open_round(
        actor=leader, project=project, number=2, opens_on=D(2026, 7, 1), closes_on=D(2026, 7, 31)
    )
    services.respond(actor=cadre, certificate=certs[0], answer="signed", on=D(2026, 7, 2))
    assert services.figure_of(round2).done == 1
    with pytest.raises(DomainError, match="撤回原因"):
        services.withdraw_response(actor=cadre, certificate=certs[0], reason=" ")
    with pytest.raises(NotAllowed):
        services.withdraw_response(actor=world.b.users["gridworker"], certificate=certs[0], reason="误录")
    with pytest.raises(NotAllowed):
        services.withdraw_response(actor=world.a.users["auditor"], certificate=certs[0], reason="误录")
    c = services.withdraw_response(actor=cadre, certificate=certs[0], reason="误录，应为3号")
    assert (c.state, c.signed_on) == (CertificateState.AGREED, None)
    assert services.figure_of(round2).done == 0
    assert not Response.objects.filter(round=round2).exists()
    assert Response.objects.filter(round__number=1, certificate=certs[0]).exists()  # round one kept
    event = AuditEvent.objects.get(action="renewal.withdraw")
    assert event.data["answer"] == "signed" and event.data["reason"] == "误录，应为3号"
    with pytest.raises(DomainError, match="没有可撤回"):
        services.withdraw_response(actor=cadre, certificate=certs[0], reason="再撤")
    # signed again after the withdrawal: counted once
    services.respond(actor=cadre, certificate=certs[0], answer="signed", on=D(2026, 7, 3))
    assert services.figure_of(round2).done == 1


@JULY
def test_withdrawn_answer_in_round_one_goes_back_to_visited_or_unvisited(world):
    leader, cadre = world.a.users["leader"], world.a.users["gridworker"]
    project, certs = project_with(world.a, 3)
    services.open_round(
        actor=leader, project=project, number=1, opens_on=D(2026, 7, 1), closes_on=D(2026, 7, 31)
    )
    services.record_contact(actor=cadre, certificate=certs[0], note="上门讲解", on=D(2026, 7, 1))
    services.respond(actor=cadre, certificate=certs[0], answer="agree", on=D(2026, 7, 2))
    services.respond(actor=cadre, certificate=certs[1], answer="disagree", on=D(2026, 7, 2))
    assert services.withdraw_response(actor=cadre, certificate=certs[0], reason="误录").state == "visited"
    assert services.withdraw_response(actor=cadre, certificate=certs[1], reason="误录").state == "unvisited"
    services.close_round(actor=leader, project=project, on=D(2026, 7, 31))
    with pytest.raises(DomainError, match="没有正在进行的轮次"):
        services.withdraw_response(actor=cadre, certificate=certs[0], reason="误录")


@JULY
def test_a_certificate_leaves_the_register_only_before_the_first_round(world):
    leader = world.a.users["leader"]
    project, certs = project_with(world.a, 3)
    with pytest.raises(NotAllowed):
        services.remove_certificate(actor=world.a.users["gridworker"], certificate=certs[2])
    services.remove_certificate(actor=leader, certificate=certs[2], reason="重复登记")
    assert project.certificates.count() == 2
    assert (
        AuditEvent.objects.filter(action="renewal.remove_certificate").get().data["number"] == certs[2].number
    )
    services.open_round(
        actor=leader, project=project, number=1, opens_on=D(2026, 7, 1), closes_on=D(2026, 7, 31)
    )
    with pytest.raises(DomainError, match="名册已锁定"):
        services.remove_certificate(actor=leader, certificate=certs[1])
    with pytest.raises(DomainError, match="名册已锁定"):
        services.add_certificate(
            actor=leader, project=project, area=certs[0].area, number="新增0001号", holders="某某"
        )
    assert project.certificates.count() == 2


@JULY
def test_a_project_ends_once_every_signed_household_has_moved(world):
    leader, cadre = world.a.users["leader"], world.a.users["gridworker"]
    project, certs = project_with(world.a, 2, kind="retrofit")
    with pytest.raises(DomainError):
        services.clear_project(actor=leader, project=project)  # not effective yet
    services.open_round(
        actor=leader, project=project, number=2, opens_on=D(2026, 7, 1), closes_on=D(2026, 7, 31)
    )
    for c in certs:
        services.respond(actor=cadre, certificate=c, answer="signed", on=D(2026, 7, 2))
    services.close_round(actor=leader, project=project, on=D(2026, 7, 3))
    services.move_out(actor=cadre, certificate=certs[0], on=D(2026, 7, 10))
    with pytest.raises(DomainError, match="尚有 1 证已签约未搬离"):
        services.clear_project(actor=leader, project=project)
    with pytest.raises(NotAllowed):
        services.clear_project(actor=cadre, project=project)
    services.move_out(actor=cadre, certificate=certs[1], on=D(2026, 7, 11))
    assert services.clear_project(actor=leader, project=project).state == ProjectState.CLEARED
    assert AuditEvent.objects.filter(action="renewal.clear").get().data["moved"] == 2
    with pytest.raises(DomainError):
        services.withdraw_response(actor=cadre, certificate=certs[0], reason="反悔")


def test_every_renewal_rule_agrees_with_its_selector_for_every_account(world):
    """The scope matrix over renewal's LISTINGS: both subdistricts, every role, a project at the
    estate and one at the other neighbourhood's level."""
    from gongzhi.territory.services import create_area

    project, certs = project_with(world.a, 2)
    other = create_area(code="A-E2", name="A二小区", kind="estate", parent=world.a.other_neighbourhood)
    far = services.create_project(
        actor=world.a.users["leader"], area=other, name="二小区旧改", kind="rebuild"
    )
    far_cert = services.add_certificate(
        actor=world.a.users["leader"], project=far, area=other, number="二小区0001号", holders="某"
    )
    b_project, b_certs = project_with(world.b, 1)
    objects = {
        "Project": [project, far, b_project],
        "Certificate": [*certs, far_cert, *b_certs],
    }
    assert set(rules.LISTINGS) == {"renewal.view", "renewal.manage", "renewal.record"}
    disagreements, allowed = [], set()
    users = [*world.a.users.values(), *world.b.users.values(), world.admin]
    for permission, path in rules.LISTINGS.items():
        selector = import_string(path)
        model = selector(users[0]).model.__name__
        for user in users:
            listed = set(selector(user).values_list("pk", flat=True))
            for obj in objects[model]:
                if has(user, permission, obj) != (obj.pk in listed):
                    disagreements.append((permission, user.username, model, obj.pk))
                if obj.pk in listed:
                    allowed.add((permission, user.username, obj.pk))
    assert disagreements == []
    # and the matrix is not vacuous: who may do what, by hand
    assert ("renewal.manage", "a_leader", project.pk) in allowed
    assert ("renewal.manage", "a_neighbourhood", project.pk) not in allowed
    assert ("renewal.record", "a_neighbourhood", certs[0].pk) in allowed
    assert ("renewal.record", "a_neighbourhood", far_cert.pk) not in allowed
    assert ("renewal.view", "a_auditor", project.pk) in allowed
    assert ("renewal.record", "a_auditor", certs[0].pk) not in allowed
    assert ("renewal.view", "b_leader", project.pk) not in allowed
    assert list(selectors.project_areas_for(world.a.users["gridworker"])) == []
    assert world.a.estate in selectors.project_areas_for(world.a.users["leader"])
    assert world.a.estate not in selectors.project_areas_for(world.b.users["leader"])

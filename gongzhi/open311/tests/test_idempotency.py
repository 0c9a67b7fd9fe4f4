"""Open311 honours Idempotency-Key like the REST API: a retried POST gets the first answer, not
a second case, even when the retries arrive at the same moment (issue 12)."""

import threading

import pytest
from django.db import connection
from django.test import Client

from gongzhi.cases.models import Case
from gongzhi.open311.tests.helpers import A_POINT

URL = "/open311/v2/requests.json"


def fields(key, **extra):
    return {
        "api_key": key.secret,
        "service_code": "0101",
        "description": "楼道里飞线充电",
        **A_POINT,
        **extra,
    }


def test_same_key_twice_files_one_case_and_replays_the_answer(world, client, key_a):
    first = client.post(URL, fields(key_a), headers={"Idempotency-Key": "12345-0001"})
    again = client.post(URL, fields(key_a), headers={"Idempotency-Key": "12345-0001"})
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 1
    other = client.post(URL, fields(key_a), headers={"Idempotency-Key": "12345-0002"})
    assert other.status_code == 201 and Case.objects.count() == 2
    assert client.post(URL, fields(key_a)).status_code == 201 and Case.objects.count() == 3  # no key


def test_same_key_with_another_body_is_a_409_in_spec_shape(world, client, key_a):
    assert client.post(URL, fields(key_a), headers={"Idempotency-Key": "k"}).status_code == 201
    response = client.post(URL, fields(key_a, description="另一件事"), headers={"Idempotency-Key": "k"})
    assert response.status_code == 409
    assert set(response.json()[0]) == {"code", "description"}
    assert Case.objects.count() == 1


def test_keys_of_two_clients_do_not_collide(world, client, key_a, key_b):
    from gongzhi.open311.tests.helpers import B_POINT

    assert client.post(URL, fields(key_a), headers={"Idempotency-Key": "same"}).status_code == 201
    b = {**fields(key_b), **B_POINT}
    assert client.post(URL, b, headers={"Idempotency-Key": "same"}).status_code == 201
    assert Case.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_file_exactly_one_case(world, key_a):
    barrier = threading.Barrier(5)
    answers = []

    def post():
        try:
            barrier.wait()
            response = Client().post(URL, fields(key_a), headers={"Idempotency-Key": "retry-1"})
            answers.append((response.status_code, response.json()[0].get("service_request_id")))
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(answers) == 5
    assert {status for status, _ in answers} == {201}
    assert len({number for _, number in answers}) == 1
    assert Case.objects.count() == 1

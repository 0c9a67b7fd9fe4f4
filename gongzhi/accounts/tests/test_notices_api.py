from gongzhi.accounts import notices
from gongzhi.accounts.models import Notice
from gongzhi.accounts.tokens import issue_token


def bearer(user):
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_token(user=user, name='t')[1]}"}


def test_a_user_reads_and_marks_only_their_own_notices(client, world):
    mine, other = world.a.users["gridworker"], world.b.users["gridworker"]
    notices.notify([mine], kind="overdue", title="工单已超时", url="/cases/X/")
    notices.notify([other], kind="overdue", title="别人的通知")
    rows = client.get("/api/accounts/notices", {"unread": True}, **bearer(mine)).json()
    assert [r["title"] for r in rows] == ["工单已超时"] and rows[0]["kind_label"] == "已超时"
    pk = rows[0]["id"]
    assert client.post(f"/api/accounts/notices/{pk}/read", **bearer(mine)).json()["read_at"]
    assert client.get("/api/accounts/notices", {"unread": True}, **bearer(mine)).json() == []
    theirs = Notice.objects.get(user=other).pk
    assert client.post(f"/api/accounts/notices/{theirs}/read", **bearer(mine)).status_code == 404
    assert Notice.objects.get(pk=theirs).read_at is None

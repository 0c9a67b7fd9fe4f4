from django.contrib.auth import get_user_model

from gongzhi.registry.models import Tag


def test_deployment_edits_tags_in_the_admin(client, reg):
    admin = get_user_model().objects.create_superuser("root", password="x-Very-long-pass-2026")
    client.force_login(admin)
    url = f"/django-admin/registry/taggroup/{reg.group_a.pk}/change/"
    assert client.get(url).status_code == 200
    existing = list(reg.group_a.tags.order_by("id"))
    data = {
        "subdistrict": reg.world.a.subdistrict.pk,
        "code": "nine",
        "name": "九类救助",
        "kind": "nine",
        "sensitive": "on",
        "order": 0,
        "tags-TOTAL_FORMS": len(existing) + 1,
        "tags-INITIAL_FORMS": len(existing),
        "tags-MIN_NUM_FORMS": 0,
        "tags-MAX_NUM_FORMS": 1000,
    }
    for i, tag in enumerate(existing):
        data.update(
            {
                f"tags-{i}-id": tag.pk,
                f"tags-{i}-group": reg.group_a.pk,
                f"tags-{i}-name": tag.name,
                f"tags-{i}-active": "on",
                f"tags-{i}-order": 0,
            }
        )
    n = len(existing)
    data.update(
        {
            f"tags-{n}-group": reg.group_a.pk,
            f"tags-{n}-name": "支出型贫困",
            f"tags-{n}-active": "on",
            f"tags-{n}-order": 3,
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Tag.objects.get(name="支出型贫困").subdistrict == reg.world.a.subdistrict

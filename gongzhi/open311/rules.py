"""Open311 client keys: managed by the platform's administrators (no case content), each only
for the subdistricts in the administrator's own scope: the list, the form's choices, issuing
and revoking all go through `apikey.manage` with the key (or its subdistrict) as the object."""

from __future__ import annotations

import rules

from gongzhi.core.rules import in_scope, role

KEY_ADMINS = role("admin")


@rules.predicate
def no_object(user, obj) -> bool:
    """Asked without an object: may the user open the keys page at all."""
    return obj is None


RULES = {
    # Without an object: may open the keys page. With a key or a subdistrict: may manage that one.
    "apikey.manage": KEY_ADMINS & (no_object | in_scope),
}

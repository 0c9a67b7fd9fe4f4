"""Test helpers that may import every app (the top layer): the two-subdistrict world, users per
role, and the checks every app's tests share."""

from gongzhi.testing.world import PASSWORD, Side, World, build_world, make_user, square

__all__ = ["PASSWORD", "Side", "World", "build_world", "make_user", "square"]

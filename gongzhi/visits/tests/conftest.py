from gongzhi.registry.tests.conftest import _layout, reg  # noqa: F401  (test rows, stand-in layout)

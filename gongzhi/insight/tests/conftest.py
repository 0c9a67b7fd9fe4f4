from gongzhi.registry.tests.conftest import reg  # noqa: F401  (the registry test rows)

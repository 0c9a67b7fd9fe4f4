from gongzhi.demo.tests.conftest import demo, demo_output  # noqa: F401  (the demo, built once per module)
from gongzhi.registry.tests.conftest import reg  # noqa: F401  (the registry test rows)

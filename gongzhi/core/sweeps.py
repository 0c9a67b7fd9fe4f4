"""The periodic sweeps of every app in one place: each app registers its own from
`AppConfig.ready()` (the function by dotted path, so nothing here depends on an app), and

- `gongzhi sweep` runs them all (after the case deadlines), once or `--every N` seconds;
- the scheduler (`gongzhi schedule`, started by `gongzhi serve`) enqueues each on its cron
  through the one task `run_sweep(name)`, for the task worker.

Every sweep is idempotent (notices carry dedupe keys; states move once), so running one twice, or
late after a server was off, does nothing twice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.module_loading import import_string
from django_tasks import task


@dataclass(frozen=True)
class Sweep:
    name: str
    function: str  # dotted path of a callable taking no argument (the clock is the default)
    cron: str = "*/15 * * * *"  # in the site's time zone
    label: str = ""

    def run(self):
        func: Callable = import_string(self.function)
        return func()


_sweeps: dict[str, Sweep] = {}


def register(*sweeps: Sweep) -> None:
    for sweep in sweeps:
        _sweeps[sweep.name] = sweep


def registered() -> list[Sweep]:
    return sorted(_sweeps.values(), key=lambda s: s.name)


def run_all() -> dict[str, object]:
    """Run every registered sweep; one that fails does not stop the others (it is reported)."""
    results: dict[str, object] = {}
    for sweep in registered():
        try:
            results[sweep.name] = sweep.run()
        except Exception as exc:  # reported and retried at the next run
            results[sweep.name] = f"failed: {exc!r}"
    return results


@task()
def run_sweep(name: str) -> object:
    result = _sweeps[name].run()
    return (
        result
        if isinstance(result, (dict, int, str, type(None)))
        else getattr(result, "__dict__", str(result))
    )

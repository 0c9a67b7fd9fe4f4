"""Domain signals sent after the transaction that made the change commits.

An app lower in the layers announces what happened (`case_changed`); apps above it observe
(points, supervision, the interaction index) without the lower app importing them. A receiver
runs after commit, so it never sees a change that was rolled back, and its own failure cannot
undo the change it observes (it is logged).
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.dispatch import Signal

logger = logging.getLogger(__name__)


# An administrative change, sent synchronously INSIDE the change's transaction by modules below
# accounts (the calendar); accounts writes the audit row, so a failed audit rolls the change back.
# kwargs: actor, action, target (a model instance or None), data (dict).
administrative_change = Signal()


def audit(*, actor, action: str, target=None, data: dict | None = None) -> None:
    administrative_change.send(sender=None, actor=actor, action=action, target=target, data=data or {})


class DomainSignal(Signal):
    def send_on_commit(self, sender=None, **kwargs) -> None:
        def fire() -> None:
            for receiver, result in self.send_robust(sender=sender, **kwargs):
                if isinstance(result, Exception):
                    logger.error(
                        "receiver %r of a domain signal failed",
                        receiver,
                        exc_info=(type(result), result, result.__traceback__),
                    )

        transaction.on_commit(fire)

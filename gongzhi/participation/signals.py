"""Signals participation sends after commit, for the apps above it (committees, insight)."""

from gongzhi.core.events import DomainSignal

# After every timeline row: sender=model, subject=<str>, subject_id=<int>, action=<str>,
# subdistrict_id=<int>.
participation_changed = DomainSignal()

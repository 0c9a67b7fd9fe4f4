"""Signals the case services send after commit, for apps above cases (text analysis, …) that
must not be imported by it."""

from django.dispatch import Signal

from gongzhi.core.events import DomainSignal

# Sent once a new case is committed: sender=Case, case=<Case>.
case_reported = Signal()

# Sent after commit for every event on a case's timeline (every transition, note, rating…):
# sender=Case, case_id=<int>, event_id=<int>, action=<str>, subdistrict_id=<int>. Apps above
# cases (points, supervision, the interaction index) observe the loop through it.
case_changed = DomainSignal()

"""Signals the case services send after commit, for apps above cases (text analysis, …) that
must not be imported by it."""

from django.dispatch import Signal

# Sent once a new case is committed: sender=Case, case=<Case>.
case_reported = Signal()

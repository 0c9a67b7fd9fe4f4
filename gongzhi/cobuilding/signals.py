"""Co-building's domain signals, sent after commit (kwargs: subject, subject_id, action,
subdistrict_id). Apps above (care, insight) observe them without importing this app's services."""

from gongzhi.core.events import DomainSignal

cobuilding_changed = DomainSignal()

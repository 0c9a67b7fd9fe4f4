"""What the text app does when the case services announce something."""

from gongzhi.cases.models import Case
from gongzhi.text import services


def record_intake_suggestion(sender, *, case: Case, **kwargs) -> None:
    """At every intake (staff form, public form, Open311, API), record what the model suggested
    and which category was chosen, so that the next version learns from corrections. Runs after
    the case's commit, inside the request: two SQL statements (services.record_intake)."""
    services.record_intake(case)

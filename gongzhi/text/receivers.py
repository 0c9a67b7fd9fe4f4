"""What the text app does when the case services announce something."""

from gongzhi.cases.models import Case
from gongzhi.text import services


def record_intake_suggestion(sender, *, case: Case, **kwargs) -> None:
    """At every intake (staff form, public form, Open311, API), record what the model suggested
    and which category was chosen, so that the next version learns from corrections."""
    suggested = services.suggest(case.title, case.description, case.subdistrict)
    services.record_choice(case=case, suggested=suggested)

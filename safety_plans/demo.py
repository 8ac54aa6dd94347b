"""A partly filled plan for the demo members (registered for seed_demo): a few sections saved
over two versions, so the versions page has something to show."""

from portal.accounts.models import User
from portal.demo import member_demo_data

from .models import Plan
from .services import plan_section_save

# (section, ticked items, notes, code word) in the order the member saved them.
DEMO_PLAN: list[tuple[str, list[str], str, str | None]] = [
    (
        "people",
        ["told_someone", "code_word_agreed"],
        "My sister Jo (call first, any time). Sam at work knows too.",
        "blue umbrella",
    ),
    ("numbers", ["saved_999", "silent_solution"], "", None),
    ("home", ["locks", "lighting", "door"], "Landlord is fitting a chain on the front door next week.", None),
    ("online", ["passwords", "two_factor", "location_sharing"], "Still need to check the old tablet.", None),
]


@member_demo_data
def demo_plan(*, member: User) -> None:
    """Safe to run again: a member who already has a plan keeps it as it is."""
    if Plan.objects.filter(member=member).exists():
        return
    for section_key, checked, notes, code_word in DEMO_PLAN:
        plan_section_save(member=member, section_key=section_key, checked=checked, notes=notes, code_word=code_word)

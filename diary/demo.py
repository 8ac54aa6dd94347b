"""A realistic few weeks of diary for the demo members (registered for seed_demo)."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from portal.demo import member_demo_data

from .models import Entry
from .services import IncidentData, entry_delete, entry_edit, entry_record

# (days ago, hour, what happened, behaviours, extra fields)
DEMO_DIARY: list[tuple[int, int, str, list[str], dict[str, Any]]] = [
    (
        24,
        8,
        "Saw his car parked across the road from the house when I left for work. He drove off when I looked.",
        ["following"],
        {"location": "Outside home", "vehicle": "Silver estate, partial plate KX6"},
    ),
    (
        21,
        19,
        "Eleven missed calls from a withheld number between 7pm and 9pm. One voicemail with breathing only.",
        ["contact"],
        {"sender": "Withheld number", "effect": "Could not sleep. Unplugged the landline."},
    ),
    (
        18,
        13,
        "He was in the café next to my office at lunchtime, sitting facing the door. He said hello by name.",
        ["turning_up", "following"],
        {"location": "Café on the high street, next to work", "exact_words": "You look tired. Long week?"},
    ),
    (
        14,
        22,
        "New account followed me on Instagram and liked every photo going back two years.",
        ["online"],
        {"sender": "@just_checking_in_22"},
    ),
    (
        11,
        17,
        "My sister got a message asking whether I was still living at the same address.",
        ["third_parties"],
        {"witnesses": "My sister, who kept the message", "effect": "Worried about my family being dragged in."},
    ),
    (
        7,
        7,
        "Back tyre of my bike slashed overnight. Nothing else on the street damaged.",
        ["damage"],
        {"location": "Bike shed behind the flats", "reported_to_police": True, "crime_reference": "CR/0451/26"},
    ),
    (
        3,
        20,
        "Text saying he knows which gym I go to now. Changed my route home.",
        ["contact", "threats"],
        {"sender": "07700 900123", "exact_words": "Nice new gym. Hope you're enjoying it.", "children_present": False},
    ),
]


@member_demo_data
def demo_diary_create(*, member) -> int:
    """Give a demo member a diary of a few weeks, unless they already have entries."""
    if Entry.objects.for_member(member).exists():
        return 0
    now = timezone.now()
    for days_ago, hour, text, behaviours, extra in DEMO_DIARY:
        occurred = (now - timedelta(days=days_ago)).replace(hour=hour, minute=10, second=0, microsecond=0)
        entry_record(
            member=member,
            data=IncidentData(what_happened=text, occurred_at=occurred, behaviours=behaviours, **extra),
        )
    first = Entry.objects.for_member(member).order_by("occurred_at").first()
    data = IncidentData.from_content(first.current_content)
    entry_edit(entry=first, data=data.replace(vehicle="Silver estate, plate KX66 ..."))
    last = entry_record(
        member=member,
        data=IncidentData(what_happened="Test entry, made by mistake.", occurred_at=now - timedelta(days=1)),
    )
    entry_delete(entry=last.entry)
    return len(DEMO_DIARY) + 1

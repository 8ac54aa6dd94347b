"""The plan's sections, declared once: the form, the page, the print view and the PDF read them.

Each section has a plain prompt, a checklist of things the member may have done or want to do,
and a notes box for anything in their own words. The emergency numbers section also lists the
helplines editors keep in the advice library (content.selectors.emergency_numbers), so a
corrected number reaches every plan without a deploy.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Item:
    key: str
    text: str


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    prompt: str
    items: tuple[Item, ...]
    notes_label: str = "Anything else, in your own words"
    shows_helplines: bool = False  # the emergency numbers from the advice library
    has_code_word: bool = False

    def item_keys(self) -> list[str]:
        return [item.key for item in self.items]


# A section's key is in its edit page's address, so it says nothing a browser history should not.
SECTIONS: tuple[Section, ...] = (
    Section(
        key="people",
        title="People I trust",
        prompt="Who can you call if you are worried? Agree a code word that means “call the police for me”.",
        items=(
            Item("told_someone", "I have told someone I trust what is happening"),
            Item("code_word_agreed", "I have agreed a code word with them"),
            Item("who_to_call", "I know who to call first, day or night"),
            Item("neighbour", "A neighbour knows to call the police if they see or hear something"),
        ),
        notes_label="Who they are and how to reach them",
        has_code_word=True,
    ),
    Section(
        key="numbers",
        title="Emergency numbers",
        prompt="Keep these numbers where you can find them quickly.",
        items=(
            Item("saved_999", "I know to call 999 in an emergency"),
            Item("silent_solution", "I know that if I cannot speak on a 999 call, I can press 55"),
            Item("saved_101", "I know 101 is for reporting something that is not an emergency"),
            Item("saved_helpline", "I have saved the National Stalking Helpline’s number"),
        ),
        notes_label="Other numbers I want to keep",
        shows_helplines=True,
    ),
    Section(
        key="home",
        title="At home",
        prompt="What would make you feel safer at home?",
        items=(
            Item("locks", "Locks on doors and windows are checked or changed"),
            Item("lighting", "Outside lighting works"),
            Item("door", "I do not open the door without checking who it is"),
            Item("cameras", "A doorbell camera or CCTV is fitted"),
            Item("alarm", "A personal or home alarm is fitted"),
            Item("safe_room", "I know which room I would go to, with a phone"),
        ),
    ),
    Section(
        key="travel",
        title="Getting around",
        prompt="How can you make your journeys safer?",
        items=(
            Item("vary_routes", "I vary my routes and routines"),
            Item("travel_with_others", "I travel with others where I can"),
            Item("safe_places", "I know safe places to go on my usual routes (shops, stations, police)"),
            Item("phone_charged", "I keep my phone charged when I go out"),
        ),
    ),
    Section(
        key="work",
        title="Work, school or college",
        prompt="Who there should know, and what should they do?",
        items=(
            Item("someone_knows", "Someone at work, school or college knows what is happening"),
            Item("reception", "Reception knows not to give out my details or let them in"),
            Item("photo_shared", "Security or reception has a description or photo of the person"),
            Item("safe_arrival", "I have a safe way to arrive and leave"),
        ),
    ),
    Section(
        key="online",
        title="Online and devices",
        prompt="Check the ways someone could follow or reach you through your phone and accounts.",
        items=(
            Item("passwords", "I have changed my passwords"),
            Item("two_factor", "Two-step sign-in is on for my email and social media"),
            Item("location_sharing", "Location sharing is off, or shared only with people I trust"),
            Item("linked_devices", "I have checked which devices are signed in to my accounts"),
            Item("trackers", "I have checked for trackers and monitoring apps"),
            Item("social_privacy", "My social media is private"),
        ),
    ),
    Section(
        key="children",
        title="Children and pets",
        prompt="How can you keep children and pets safe too?",
        items=(
            Item("school_knows", "The school or nursery knows who may collect my children"),
            Item("children_plan", "My children know what to do and who to call"),
            Item("pets", "I have a plan for my pets if I need to leave quickly"),
        ),
    ),
    Section(
        key="bag",
        title="An emergency bag",
        prompt="Keep a bag ready somewhere safe, in case you need to leave quickly.",
        items=(
            Item("documents", "Documents (passport, birth certificates, bank cards)"),
            Item("keys", "Spare keys"),
            Item("cash", "Some cash"),
            Item("medication", "Medication and prescriptions"),
            Item("charger", "A phone charger"),
        ),
    ),
    Section(
        key="orders",
        title="Court orders and the police",
        prompt="Keep copies and reference numbers together, so you can show them quickly.",
        items=(
            Item("order_copies", "I keep copies of any court order"),
            Item("crime_numbers", "I have written down crime reference numbers"),
            Item("officer_details", "I have the name and contact details of the officer in charge"),
        ),
        notes_label="Reference numbers and contact details",
    ),
    Section(
        key="care",
        title="Looking after myself",
        prompt="This is a lot to carry. Who and what helps you?",
        items=(
            Item("support_contact", "I have someone to talk to (a friend, a helpline, a counsellor)"),
            Item("gp", "My GP knows what is happening"),
            Item("time_for_me", "I make time for things that help me feel better"),
        ),
        notes_label="Support contacts and what helps me",
    ),
)

SECTIONS_BY_KEY: dict[str, Section] = {section.key: section for section in SECTIONS}


def section_for(key: str) -> Section | None:
    return SECTIONS_BY_KEY.get(key)

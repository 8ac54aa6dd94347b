"""The demo advice library's words, kept as data apart from the code that saves them (content/demo.py).

Everything here is meant to be true for people in the UK. Where a fact could not be checked (a helpline's
opening hours, which services a charity runs), the text says less rather than guess: editors can add
detail in the Wagtail admin once they have checked it with the service itself.

Blocks are written in StreamField's stored form ({"type": ..., "value": ...}) with the block names of
content/blocks.py. A helpline card names its helpline here; content/demo.py swaps the name for the
snippet's id when it saves the page.
"""

from typing import Any

Block = dict[str, Any]

# --- Blocks -------------------------------------------------------------------------------------------


def heading(text: str, level: str = "h2") -> Block:
    return {"type": "heading", "value": {"text": text, "level": level}}


def paragraph(html: str) -> Block:
    return {"type": "paragraph", "value": html}


def callout(kind: str, title: str, body: str) -> Block:
    return {"type": "callout", "value": {"kind": kind, "title": title, "body": body}}


def checklist(title: str, items: list[str]) -> Block:
    return {"type": "checklist", "value": {"title": title, "items": items}}


def helpline(name: str) -> Block:
    """A helpline card, by the helpline's name in HELPLINES (content/demo.py puts the id in)."""
    return {"type": "helpline", "value": name}


def accordion(*items: tuple[str, str]) -> Block:
    return {"type": "accordion", "value": {"items": [{"question": q, "answer": a} for q, a in items]}}


def action(target: str, text: str) -> Block:
    return {"type": "action", "value": {"target": target, "text": text}}


def bullets(*items: str) -> str:
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


# --- The helplines directory --------------------------------------------------------------------------

EMERGENCY = "Emergency services"
NON_EMERGENCY = "Police non-emergency number"
STALKING_HELPLINE = "National Stalking Helpline"
DOMESTIC_ABUSE_HELPLINE = "National Domestic Abuse Helpline"
SAMARITANS = "Samaritans"
VICTIM_SUPPORT = "Victim Support"

SEE_WEBSITE = "See the website for opening hours"

# Only numbers checked against the services' own or official pages. Opening hours are given only where
# the service says it is always open; otherwise readers are sent to the website, which stays current.
# "needs" are codes: danger, stalking, domestic_abuse, emotional, crime, men, lgbt, young_people.
HELPLINES: list[dict[str, Any]] = [
    {
        "name": EMERGENCY,
        "helps_with": (
            "Police, ambulance, fire or coastguard when someone is in danger now or a crime is happening. "
            "If you are deaf or cannot speak on the phone, you can register your mobile for emergency texts "
            "before you need them: text the word register to 999. With Relay UK, call 18000."
        ),
        "phone": "999",
        "phone_note": (
            "If you cannot speak, stay on the line. On a mobile, press 55 when prompted. "
            "From a landline, stay on the line even if you cannot make a sound."
        ),
        "opening_hours": "24 hours, every day",
        "website": "",
        "area": "uk",
        "languages": "English",
        "needs": ["danger"],
        "is_emergency": True,
    },
    {
        "name": NON_EMERGENCY,
        "helps_with": "Reporting a crime to the police, or asking their advice, when it is not an emergency.",
        "phone": "101",
        "phone_note": "You can also report online on your police force's website.",
        "opening_hours": "24 hours, every day",
        "website": "https://www.police.uk/",
        "area": "uk",
        "languages": "English",
        "needs": ["crime", "stalking"],
        "is_emergency": True,
    },
    {
        "name": STALKING_HELPLINE,
        "helps_with": (
            "Advice for anyone affected by stalking or harassment, and for the people around them: the law, "
            "reporting, gathering evidence and staying safe. Run by the Suzy Lamplugh Trust."
        ),
        "phone": "0808 802 0300",
        "phone_note": "Free to call.",
        "opening_hours": SEE_WEBSITE,
        "website": "https://www.suzylamplugh.org/",
        "area": "uk",
        "languages": "English",
        "needs": ["stalking"],
        "is_emergency": True,
    },
    {
        "name": DOMESTIC_ABUSE_HELPLINE,
        "helps_with": (
            "Support for women experiencing domestic abuse, including stalking by a partner or ex-partner, "
            "and for friends and family calling for them. Can help you find a safe place to stay. Run by Refuge."
        ),
        "phone": "0808 2000 247",
        "phone_note": "Free to call.",
        "opening_hours": "24 hours, every day",
        "website": "https://www.nationaldahelpline.org.uk/",
        "area": "england",
        "languages": "English",
        "needs": ["domestic_abuse", "stalking"],
        "is_emergency": True,
    },
    {
        "name": SAMARITANS,
        "helps_with": (
            "Someone to talk to about anything that is troubling you, including if you feel you cannot go on."
        ),
        "phone": "116 123",
        "phone_note": "Free to call.",
        "opening_hours": "24 hours, every day",
        "website": "https://www.samaritans.org/",
        "area": "uk",
        "languages": "English",
        "needs": ["emotional"],
        "is_emergency": True,
    },
    {
        "name": VICTIM_SUPPORT,
        "helps_with": (
            "Free, confidential support in England and Wales for anyone affected by crime, whether or not it "
            "was reported to the police."
        ),
        "phone": "08 08 16 89 111",
        "phone_note": "Free to call.",
        "opening_hours": "24 hours, every day",
        "website": "https://www.victimsupport.org.uk/",
        "area": "england_and_wales",
        "languages": "English",
        "needs": ["crime", "emotional"],
        "is_emergency": False,
    },
    {
        "name": "Paladin National Stalking Advocacy Service",
        "helps_with": "Advice and advocacy for people being stalked, especially where the risk is high.",
        "phone": "020 3866 4107",
        "phone_note": "",
        "opening_hours": SEE_WEBSITE,
        "website": "https://paladinservice.co.uk/",
        "area": "england_and_wales",
        "languages": "English",
        "needs": ["stalking"],
        "is_emergency": False,
    },
    {
        "name": "Live Fear Free",
        "helps_with": (
            "Support in Wales for anyone experiencing domestic abuse or sexual violence, and for the people "
            "around them. Funded by the Welsh Government."
        ),
        "phone": "0808 80 10 800",
        "phone_note": "Free to call. You can also text 07860 077333.",
        "opening_hours": "24 hours, every day",
        "website": "https://www.gov.wales/live-fear-free",
        "area": "wales",
        "languages": "English",
        "needs": ["domestic_abuse"],
        "is_emergency": False,
    },
    {
        "name": "Scotland's Domestic Abuse and Forced Marriage Helpline",
        "helps_with": (
            "Support in Scotland for anyone experiencing domestic abuse or forced marriage, and for friends, "
            "family and professionals."
        ),
        "phone": "0800 027 1234",
        "phone_note": "Free to call.",
        "opening_hours": "24 hours, every day",
        "website": "",
        "area": "scotland",
        "languages": "English, with a confidential interpreting service",
        "needs": ["domestic_abuse"],
        "is_emergency": False,
    },
    {
        "name": "Domestic and Sexual Abuse Helpline (Northern Ireland)",
        "helps_with": "Support in Northern Ireland for anyone affected by domestic or sexual abuse. Run by Nexus.",
        "phone": "0808 802 1414",
        "phone_note": "Free to call.",
        "opening_hours": "24 hours, every day",
        "website": "https://dsahelpline.org/",
        "area": "northern_ireland",
        "languages": "English",
        "needs": ["domestic_abuse"],
        "is_emergency": False,
    },
    {
        "name": "Men's Advice Line",
        "helps_with": "Support for men experiencing domestic abuse, and for the people around them. Run by Respect.",
        "phone": "0808 801 0327",
        "phone_note": "Free to call.",
        "opening_hours": SEE_WEBSITE,
        "website": "https://mensadviceline.org.uk/",
        "area": "uk",
        "languages": "English",
        "needs": ["domestic_abuse", "men"],
        "is_emergency": False,
    },
    {
        "name": "Galop LGBT+ Domestic Abuse Helpline",
        "helps_with": (
            "Support for lesbian, gay, bisexual, trans and queer people experiencing domestic abuse, "
            "answered by LGBT+ people."
        ),
        "phone": "0800 999 5428",
        "phone_note": "Free to call.",
        "opening_hours": SEE_WEBSITE,
        "website": "https://galop.org.uk/",
        "area": "uk",
        "languages": "English",
        "needs": ["domestic_abuse", "lgbt"],
        "is_emergency": False,
    },
    {
        "name": "Crimestoppers",
        "helps_with": "Passing on information about a crime without giving your name.",
        "phone": "0800 555 111",
        "phone_note": "Free to call. You do not have to give your name.",
        "opening_hours": "24 hours, every day",
        "website": "https://crimestoppers-uk.org/",
        "area": "uk",
        "languages": "English",
        "needs": ["crime"],
        "is_emergency": False,
    },
    {
        "name": "Childline",
        "helps_with": "Support for children and young people up to 19, about anything that is worrying them.",
        "phone": "0800 1111",
        "phone_note": "Free to call.",
        "opening_hours": SEE_WEBSITE,
        "website": "https://www.childline.org.uk/",
        "area": "uk",
        "languages": "English",
        "needs": ["young_people", "emotional"],
        "is_emergency": False,
    },
]

NEEDS: list[tuple[str, str]] = [
    ("danger", "In danger now"),
    ("stalking", "Stalking and harassment"),
    ("domestic_abuse", "Domestic abuse"),
    ("crime", "Reporting a crime"),
    ("emotional", "Someone to talk to"),
    ("men", "Support for men"),
    ("lgbt", "Support for LGBT+ people"),
    ("young_people", "Children and young people"),
]

# --- Topics -------------------------------------------------------------------------------------------

UNDERSTANDING = "understanding-stalking"
EVIDENCE = "evidence"
SAFETY = "staying-safe"
ONLINE = "online-safety"
POLICE = "police-and-the-law"
SUPPORT = "support"

TOPICS: list[tuple[str, str]] = [
    ("Understanding stalking", UNDERSTANDING),
    ("Evidence and records", EVIDENCE),
    ("Staying safe", SAFETY),
    ("Online safety", ONLINE),
    ("The police and the law", POLICE),
    ("Support", SUPPORT),
]

# --- The home page ------------------------------------------------------------------------------------

HOME: dict[str, Any] = {
    "intro": (
        "<p>Free, private help for people in the UK who are being stalked or harassed. Read plain advice, "
        "find a helpline, and keep a private diary of what is happening, ready to show the police.</p>"
    ),
    "body": [
        heading("What you can do here"),
        paragraph(
            bullets(
                "<b>Read advice</b> on what stalking is, keeping evidence, staying safe and reporting to the police.",
                "<b>Find a helpline</b> near you, including ones that are open day and night.",
                "<b>Keep a diary</b> of what happens. It is encrypted, and every change is kept, so it "
                "can be used as evidence.",
                "<b>Share it</b> with a support worker, only if you choose to.",
            )
        ),
        action("sign_up", "Create a free, private account"),
        callout(
            "info",
            "Leaving this site quickly",
            "<p>Select <b>Exit this page</b>, or press Shift 3 times, to leave at once. It does not clear your "
            "browser history, so use a private window if someone else can use your device.</p>",
        ),
        heading("Is this stalking?"),
        paragraph(
            "<p>Stalking is behaviour that is fixated, obsessive, unwanted and repeated. If someone keeps "
            "contacting you, following you or turning up where you are, and it frightens or upsets you, you "
            "do not have to put up with it. You do not need to be sure to ask for help.</p>"
        ),
        action("diary", "Start your diary"),
    ],
}

# --- The advice index ---------------------------------------------------------------------------------

ADVICE_INDEX: dict[str, Any] = {
    "title": "Advice",
    "slug": "advice",
    "intro": (
        "<p>Plain advice for people in the UK who are being stalked or harassed, and for the people around "
        "them. If you are in danger now, call 999.</p>"
    ),
}

# --- Advice pages -------------------------------------------------------------------------------------

WHAT_IS_STALKING = "what-is-stalking"
DIARY_AND_EVIDENCE = "keeping-a-diary-and-evidence"
SAFETY_PLAN = "making-a-safety-plan"
ONLINE_SAFETY = "online-safety-and-devices"
REPORTING = "reporting-to-the-police"
ORDERS = "protective-orders"
RIGHTS = "your-rights-as-a-victim"
EX_PARTNER = "when-it-is-an-ex-partner"
FRIENDS_AND_FAMILY = "helping-someone-who-is-being-stalked"
WORK = "stalking-and-work"
LOOKING_AFTER_YOURSELF = "looking-after-yourself"

ADVICE_PAGES: list[dict[str, Any]] = [
    {
        "slug": WHAT_IS_STALKING,
        "title": "What stalking is",
        "summary": (
            "Stalking is behaviour that is fixated, obsessive, unwanted and repeated, and makes you afraid or "
            "distressed. It is a crime, and it is not your fault."
        ),
        "topics": [UNDERSTANDING],
        "related": [DIARY_AND_EVIDENCE, REPORTING, EX_PARTNER],
        "body": [
            paragraph(
                "<p>Stalking is when someone keeps giving you attention you do not want, again and again, and it "
                "makes you feel afraid, anxious or distressed. It can be a stranger, someone you know a little, "
                "or an ex-partner. Most people who are stalked know the person doing it.</p>"
            ),
            heading("Remember FOUR"),
            paragraph(
                "<p>The police and stalking services use four words to spot stalking. The behaviour is:</p>"
                + bullets(
                    "<b>Fixated</b>: the person is focused on you and keeps coming back to you.",
                    "<b>Obsessive</b>: they cannot let it go, and it seems to take over their life.",
                    "<b>Unwanted</b>: you do not want it. You may have said so, or you may feel too afraid to.",
                    "<b>Repeated</b>: it keeps happening.",
                )
            ),
            heading("What stalking can look like"),
            checklist(
                "Things people who stalk often do",
                [
                    "Follow you, or wait outside your home or work",
                    "Turn up at places you go",
                    "Call, text, email or message you again and again, including from new numbers or accounts",
                    "Send you gifts or leave things for you",
                    "Watch what you do online, or post about you",
                    "Contact your friends, family or workmates about you",
                    "Damage your home, car or things",
                    "Track your phone or car",
                    "Threaten you, or people and pets you care about",
                ],
            ),
            callout(
                "info",
                "Each thing on its own can seem small",
                "<p>One message or one sighting may not seem like much. Stalking is the pattern. Write each "
                "thing down, even the small ones.</p>",
            ),
            heading("Stalking is a crime"),
            paragraph(
                "<p>Stalking is a crime in every part of the UK. You do not have to be sure it is stalking "
                "before you ask for help. Trust your instincts.</p>"
            ),
            accordion(
                (
                    "Is it stalking if they have never threatened me?",
                    "<p>It can be. Stalking does not need threats or violence. What matters is the pattern, and "
                    "how it makes you feel.</p>",
                ),
                (
                    "Is it my fault?",
                    "<p>No. Nothing you did or said makes it your fault. The person doing it is responsible for "
                    "what they do.</p>",
                ),
                (
                    "Is stalking the same as harassment?",
                    "<p>They overlap. Harassment is behaviour, more than once, that alarms or distresses you. "
                    "Stalking is harassment by someone fixated on you. You do not have to know which it is: tell "
                    "the police what is happening and they decide how to treat it.</p>",
                ),
            ),
            helpline(STALKING_HELPLINE),
            action("diary", "Start a private diary"),
        ],
    },
    {
        "slug": DIARY_AND_EVIDENCE,
        "title": "Keeping a diary and gathering evidence",
        "summary": (
            "A record written as things happen helps the police see the pattern. What to write down, what to "
            "keep, and how to keep it safe."
        ),
        "topics": [EVIDENCE],
        "related": [REPORTING, ONLINE_SAFETY, WHAT_IS_STALKING],
        "body": [
            paragraph(
                "<p>Stalking is a pattern, and the police and courts need to see it. A diary written at the time, "
                "with the evidence you keep, is one of the best ways to show it.</p>"
            ),
            heading("What to write down each time"),
            checklist(
                "For each thing that happens",
                [
                    "The date and time",
                    "Where it happened",
                    "What the person did or said, in their exact words if you can",
                    "How they contacted you: the phone number, account name or email address",
                    "Anyone who saw it, and how to reach them",
                    "Any vehicle: its colour, make, and as much of the number plate as you saw",
                    "How it made you feel, and anything you changed because of it",
                ],
            ),
            callout(
                "info",
                "Write down how it affects you",
                "<p>Note how each thing made you feel and what you changed, such as your route home or your phone "
                "number. This helps the police understand the harm the stalking is causing.</p>",
            ),
            heading("Keep the evidence"),
            paragraph(
                bullets(
                    "Do not delete messages, emails, voicemails or call logs, even upsetting ones.",
                    "Take screenshots that show the date, time and sender. Keep the original too.",
                    "Keep letters, cards and gifts. Touch them as little as you can and put them in a bag.",
                    "Photograph any damage to your home, car or things.",
                    "Ask neighbours or shops whether their cameras caught anything. Ask soon: recordings are "
                    "often not kept for long.",
                )
            ),
            callout(
                "warning",
                "Keep your record where the person cannot reach it",
                "<p>If the person could get into your phone, computer or home, keep your diary somewhere they "
                "cannot. The diary on this site is private and encrypted, and <b>Exit this page</b> leaves at "
                "once.</p>",
            ),
            heading("Try not to reply"),
            paragraph(
                "<p>It is usually safest not to reply to the person or react to them at all. A reply, even an "
                "angry one, can encourage them to carry on. If you want to say something to them, talk to the "
                "police or a helpline first.</p>"
            ),
            accordion(
                (
                    "Is a diary on my phone good enough?",
                    "<p>Yes. What matters is that you write it at the time or soon after, with dates and times. "
                    "If you correct something, keep the old version. The diary on this site keeps every version "
                    "and the time it was written.</p>",
                ),
                (
                    "I did not write things down at the start. Is it too late?",
                    "<p>No. Write down what you remember now, and say that you are writing it later. Give dates "
                    "as best you can. A record started late still helps.</p>",
                ),
                (
                    "Should I block them?",
                    "<p>Blocking can help you feel safer, and that matters. But messages from a blocked number "
                    "or account may not be kept. Some people mute instead, or ask someone they trust to check an "
                    "account for them. A helpline can help you decide.</p>",
                ),
            ),
            action("diary", "Start your diary"),
            helpline(STALKING_HELPLINE),
        ],
    },
    {
        "slug": SAFETY_PLAN,
        "title": "Making a safety plan",
        "summary": (
            "A safety plan is what you will do to stay safe, decided before you need it. How to make one, and "
            "who can help."
        ),
        "topics": [SAFETY],
        "related": [ONLINE_SAFETY, WORK, FRIENDS_AND_FAMILY],
        "body": [
            paragraph(
                "<p>A safety plan is a set of simple steps you decide on now, so you know what to do if things get "
                "worse. It can cover your home, your travel, your work and your phone. You can make it with "
                "someone you trust, or with a helpline or support worker.</p>"
            ),
            callout(
                "warning",
                "If you are in danger now",
                "<p>Call 999. If you cannot speak, stay on the line. On a mobile, press 55 when you are prompted.</p>",
            ),
            heading("Decide in advance"),
            checklist(
                "Your plan",
                [
                    "Who you will call if you feel unsafe, with their number written down",
                    "Safe places you can go, such as a friend's home, a busy shop or a police station",
                    "A code word that tells a friend or family member to call the police for you",
                    "How you would get out of your home quickly",
                    "How you will keep your phone charged, with credit or data",
                    "What you will do about children or pets",
                ],
            ),
            heading("Have a bag ready"),
            checklist(
                "Things to pack",
                [
                    "Keys, money and bank cards",
                    "Medicines and prescriptions",
                    "ID, such as a passport or driving licence",
                    "Important papers, such as for your home, benefits or children",
                    "A phone charger and a written list of important numbers",
                ],
            ),
            paragraph("<p>If the person could find the bag at home, leave it with someone you trust.</p>"),
            heading("Everyday steps"),
            paragraph(
                bullets(
                    "Change your routes, and the times you travel, where you can.",
                    "Tell people you trust what is happening. Show them a photo of the person if that feels right.",
                    "Ask the police for advice on making your home more secure.",
                    "Think about a personal alarm, a door chain or a video doorbell.",
                )
            ),
            callout(
                "info",
                "Look at your plan again",
                "<p>Check your plan when something new happens, when you move, or when the person's behaviour "
                "changes.</p>",
            ),
            accordion(
                (
                    "Who should I tell?",
                    "<p>People who might see the person or be contacted by them: family, close friends, "
                    "neighbours, your manager or reception at work, and your child's school. Ask them not to "
                    "talk to the person, to write down anything that happens, and to tell you.</p>",
                ),
                (
                    "Can someone help me make a plan?",
                    "<p>Yes. Stalking and domestic abuse helplines can talk you through it, and so can a support "
                    "worker if you have one.</p>",
                ),
            ),
            action("plan", "Make a safety plan"),
            helpline(EMERGENCY),
            helpline(STALKING_HELPLINE),
        ],
    },
    {
        "slug": ONLINE_SAFETY,
        "title": "Online safety and checking your devices",
        "summary": (
            "How someone could track you through your phone, your accounts or a hidden tracker, and how to check "
            "safely."
        ),
        "topics": [ONLINE, SAFETY],
        "related": [SAFETY_PLAN, DIARY_AND_EVIDENCE],
        "body": [
            paragraph(
                "<p>People who stalk often use technology. They may track where you are, read your messages or "
                "watch what you post. You can check for this, but plan first: removing something may tell the "
                "person that you have found it.</p>"
            ),
            callout(
                "warning",
                "Before you change anything",
                "<p>If the person notices that a tracker or app has gone, or that they are locked out, they may "
                "react. Talk to the police or a helpline first. Look things up on a device the person has never "
                "used.</p>",
            ),
            heading("Location sharing and shared accounts"),
            checklist(
                "Things to check",
                [
                    "Location sharing in apps such as Find My, Google Maps, Snapchat and Life360",
                    "Which phones and computers are signed in to your Apple, Google, Microsoft and social media "
                    "accounts",
                    "Family groups, shared cloud storage and shared photo albums",
                    "Email forwarding rules you did not set up",
                    "Smart speakers, cameras, doorbells or heating that someone else can control",
                    "Car apps linked to someone else's account",
                ],
            ),
            paragraph(
                "<p>Change your passwords on a device the person has never used. Use a different password for "
                "each account, and turn on two-step sign-in. On an iPhone, Safety Check (in Settings, under "
                "Privacy &amp; Security) shows what you share and lets you stop sharing.</p>"
            ),
            heading("Trackers such as AirTags"),
            paragraph(
                "<p>Small trackers, such as Apple AirTags, can be hidden in a bag, a coat or a car. iPhones and "
                "most Android phones can warn you when an unknown tracker seems to be moving with you. On Android, "
                "look for <b>Unknown tracker alerts</b> in Settings. A tracker may also play a sound.</p>"
            ),
            paragraph(
                bullets(
                    "If you find one, take a photo of it and of where it was.",
                    "Tell the police, and keep it if they ask you to.",
                    "Think about your safety before you turn it off, as the person may notice.",
                )
            ),
            heading("Stalkerware"),
            paragraph(
                "<p>Stalkerware is a hidden app that lets someone else read your messages, listen to calls or see "
                "where you are. Someone usually needs to have had your phone in their hands, or to know your "
                "passwords, to set it up.</p>"
            ),
            checklist(
                "Signs to look out for",
                [
                    "The person knows things you only said in messages or calls",
                    "Your battery runs down, or your phone gets hot, much faster than before",
                    "Apps you do not recognise, or settings you did not change",
                    "Your phone uses much more data than before",
                ],
            ),
            paragraph(
                "<p>None of these proves it on its own. A factory reset usually removes stalkerware, but it also "
                "removes evidence and may alert the person. A new phone, with new accounts, is the surest way to "
                "have a clean device.</p>"
            ),
            accordion(
                (
                    "Should I come off social media?",
                    "<p>You do not have to. You can make your accounts private, turn off location on posts, check "
                    "who follows you, and ask friends not to tag you or say where you are.</p>",
                ),
                (
                    "Is it safe to use this site on my phone?",
                    "<p>If someone may be watching your phone, use a device they cannot reach. Read "
                    '<a href="/help/using-this-site/">using this site safely</a>.</p>',
                ),
            ),
            helpline(STALKING_HELPLINE),
        ],
    },
    {
        "slug": REPORTING,
        "title": "Reporting stalking to the police",
        "summary": "How to report stalking, what to have with you, and what usually happens next.",
        "topics": [POLICE],
        "related": [DIARY_AND_EVIDENCE, ORDERS, RIGHTS],
        "body": [
            paragraph(
                "<p>You can report stalking to the police at any time. If you are in danger, or the person is "
                "there now, call 999. Otherwise call 101, go to a police station, or use your police force's "
                "website.</p>"
            ),
            helpline(EMERGENCY),
            helpline(NON_EMERGENCY),
            heading("Before you report"),
            checklist(
                "Have these to hand",
                [
                    "Your diary of what has happened",
                    "Screenshots, messages, photos and anything else you have kept",
                    "The person's name, address, photo and vehicle, if you know them",
                    "The names of anyone who saw what happened",
                    "Any reference numbers from times you reported before",
                ],
            ),
            heading("When you report"),
            paragraph(
                bullets(
                    "Say that you think you are being stalked. Use the word stalking.",
                    "Describe the whole pattern, not only the latest thing.",
                    "Ask for a <b>crime reference number</b>, and the name and contact details of the officer "
                    "dealing with it. Write them in your diary.",
                    "Ask to be put in touch with a support service.",
                )
            ),
            heading("What happens next"),
            paragraph(
                "<p>The police may ask you questions about your safety, take a statement from you, and speak to "
                "or arrest the person. If there is enough evidence, the person may be charged and the case may go "
                "to court. In England and Wales, the Crown Prosecution Service (CPS) decides whether to charge in "
                "many cases. In Scotland, the Procurator Fiscal decides whether to prosecute.</p>"
            ),
            callout(
                "info",
                "If you give evidence in court",
                "<p>You can ask for help to give evidence, called special measures: for example a screen so you "
                "do not see the person, or giving evidence by video link. Ask the police about them early.</p>",
            ),
            heading("The law"),
            paragraph(
                "<p>Stalking is a crime. In England and Wales, the offences are in the Protection from Harassment "
                "Act 1997 (sections 2A and 4A). In Scotland, stalking is an offence under section 39 of the "
                "Criminal Justice and Licensing (Scotland) Act 2010. In Northern Ireland, it is an offence under "
                "the Protection from Stalking Act (Northern Ireland) 2022.</p>"
            ),
            accordion(
                (
                    "I reported it before and nothing happened. Can I report again?",
                    "<p>Yes. Report each new thing, and give the earlier reference numbers so the police can link "
                    "them and see the pattern.</p>",
                ),
                (
                    "What if I feel I am not being taken seriously?",
                    "<p>You can ask to speak to a more senior officer. Note who you spoke to and when. A helpline "
                    "can advise you, and you can make a complaint.</p>",
                ),
                (
                    "Can someone help me report?",
                    "<p>Yes. A friend can come with you, and stalking and domestic abuse services can support you "
                    "through reporting.</p>",
                ),
            ),
            action("diary", "Keep your diary ready for the police"),
        ],
    },
    {
        "slug": ORDERS,
        "title": "Protective orders",
        "summary": (
            "Court orders that can stop someone contacting you or coming near you: Stalking Protection Orders, "
            "restraining orders and non-molestation orders."
        ),
        "topics": [POLICE],
        "related": [REPORTING, EX_PARTNER, RIGHTS],
        "body": [
            paragraph(
                "<p>A court can order the person to stay away from you and stop contacting you. Breaking these "
                "orders is a crime. Which order fits depends on who the person is. The orders on this page are "
                "for England and Wales. Scotland and Northern Ireland have their own: a helpline or a solicitor "
                "can tell you more.</p>"
            ),
            heading("Stalking Protection Orders"),
            paragraph(
                "<p>The police can apply to a magistrates' court for a Stalking Protection Order, under the "
                "Stalking Protection Act 2019. It can ban the person from contacting you or coming near you, and "
                "can require them to do things, such as take part in a programme. The police can apply before "
                "anyone is charged with a crime. You cannot apply yourself, but you can ask the police to.</p>"
            ),
            heading("Restraining orders"),
            paragraph(
                "<p>When a criminal court deals with the person, it can make a restraining order to protect you. "
                "It can do this if they are convicted, and in some cases even if they are found not guilty. You "
                "do not apply for it, but you can tell the police that you want one.</p>"
            ),
            heading("Non-molestation orders"),
            paragraph(
                "<p>If the person is a partner or ex-partner, a family member, or someone you have lived with, "
                "you can apply yourself to the family court for a non-molestation order, under the Family Law Act "
                "1996. It can stop them from threatening, harassing or pestering you. If you are in danger, the "
                "court can make it without telling them first.</p>"
            ),
            callout(
                "info",
                "Help to apply",
                "<p>A solicitor or a domestic abuse service can help you apply. You may be able to get legal aid.</p>",
            ),
            accordion(
                (
                    "What should I do if the person breaks an order?",
                    "<p>Call 999 if you are in danger. Otherwise report it to the police, and write it in your "
                    "diary. Keep a copy of the order with you.</p>",
                ),
                (
                    "Can I get an order if I do not know who the person is?",
                    "<p>An order names the person, so they need to be identified first. Keep reporting to the "
                    "police, who may be able to find out who it is.</p>",
                ),
            ),
            helpline(STALKING_HELPLINE),
            action("diary", "Record every breach in your diary"),
        ],
    },
    {
        "slug": RIGHTS,
        "title": "Your rights as a victim",
        "summary": (
            "In England and Wales, the Victims' Code says what you are entitled to from the police, prosecutors "
            "and courts. What it means for you."
        ),
        "topics": [POLICE, SUPPORT],
        "related": [REPORTING, ORDERS],
        "body": [
            paragraph(
                "<p>If you report a crime in England and Wales, the Code of Practice for Victims of Crime, called "
                "the Victims' Code, says what you are entitled to. Many of these rights apply from the moment you "
                "report.</p>"
            ),
            checklist(
                "You are entitled to",
                [
                    "Have the crime recorded without unjustified delay",
                    "Be told about support services, and be referred to them",
                    "Be told about the investigation and about decisions in your case",
                    "An interpreter if you need one",
                    "Make a Victim Personal Statement about how the crime has affected you",
                    "Be told the outcome of the case",
                    "Complain if you do not get these rights",
                ],
            ),
            callout(
                "info",
                "Your Victim Personal Statement",
                "<p>If the person is charged, you can make a statement about how the stalking has affected you. "
                "If they are convicted, the court considers it when deciding the sentence. You can ask to read "
                "it out in court.</p>",
            ),
            heading("If they decide not to charge"),
            paragraph(
                "<p>In many cases you can ask for a decision not to charge or prosecute to be looked at again. "
                "This is called the Victims' Right to Review. Ask the police or the CPS how.</p>"
            ),
            heading("Support does not depend on reporting"),
            paragraph(
                "<p>You can get support from Victim Support, and from stalking and domestic abuse services, "
                "whether or not you have told the police.</p>"
            ),
            helpline(VICTIM_SUPPORT),
            heading("In Scotland and Northern Ireland"),
            paragraph(
                "<p>Scotland has the Victims' Code for Scotland, and Northern Ireland has the Victim Charter. "
                "They set out rights of their own.</p>"
            ),
        ],
    },
    {
        "slug": EX_PARTNER,
        "title": "When the person is an ex-partner",
        "summary": (
            "Stalking by an ex-partner is common and can be dangerous. What to look out for, and where to get help."
        ),
        "topics": [UNDERSTANDING, SUPPORT],
        "related": [ORDERS, SAFETY_PLAN, WHAT_IS_STALKING],
        "body": [
            paragraph(
                "<p>Many people are stalked by someone they used to be in a relationship with. It can start when "
                "the relationship ends, or carry on from controlling behaviour during it. It is stalking, and it "
                "is also domestic abuse.</p>"
            ),
            callout(
                "warning",
                "Take it seriously",
                "<p>Stalking by an ex-partner is linked to a higher risk of violence. If they threaten you, hurt a "
                "pet, break in, or you feel things are getting worse, get help now. Trust your instincts.</p>",
            ),
            helpline(EMERGENCY),
            heading("Where to get help"),
            paragraph(
                "<p>Domestic abuse services understand stalking by ex-partners. They can help you plan for your "
                "safety, find somewhere safe to stay, and deal with the police and courts.</p>"
            ),
            helpline(DOMESTIC_ABUSE_HELPLINE),
            helpline("Men's Advice Line"),
            helpline("Galop LGBT+ Domestic Abuse Helpline"),
            heading("Children and contact"),
            paragraph(
                "<p>If you share children, arrangements to see them can give the person a way to reach you. Hand "
                "children over in a safe, public place, or ask someone else to do it. Tell your child's school or "
                "nursery who may collect them. A solicitor or a domestic abuse service can advise you about the "
                "family court.</p>"
            ),
            accordion(
                (
                    "They keep contacting me about the children. Is that stalking?",
                    "<p>Some contact about children can be reasonable. But if it is used to follow, frighten or "
                    "control you, or goes far beyond what is needed, write it down. Some parents use a parenting "
                    "app, or another person, to pass messages.</p>",
                ),
                (
                    "Can I get a court order myself?",
                    "<p>Because the person is an ex-partner, you may be able to apply yourself for a "
                    "non-molestation order. See protective orders.</p>",
                ),
            ),
            action("plan", "Make a safety plan"),
        ],
    },
    {
        "slug": FRIENDS_AND_FAMILY,
        "title": "Helping someone who is being stalked",
        "summary": (
            "If someone you care about is being stalked, how you can help them, and how to look after yourself."
        ),
        "topics": [SUPPORT],
        "related": [WHAT_IS_STALKING, SAFETY_PLAN, LOOKING_AFTER_YOURSELF],
        "body": [
            paragraph(
                "<p>Being believed makes a big difference. Listen, take it seriously, and let them make their own "
                "choices.</p>"
            ),
            checklist(
                "Ways to help",
                [
                    "Listen, and believe them",
                    "Help them keep a diary and collect evidence",
                    "Offer to go with them to the police or to appointments",
                    "Agree a code word they can use to ask you to call the police",
                    "Help with practical things, such as lifts or checking on their home",
                ],
            ),
            callout(
                "warning",
                "Do not confront the person",
                "<p>It can put you and them at greater risk, and can make the stalking worse. Do not share where "
                "they live, work or go, in person or online, and ask others not to.</p>",
            ),
            heading("If the person contacts you"),
            paragraph(
                "<p>People who stalk sometimes contact friends, family or workmates, to find out about the person "
                "they are stalking or to pass on messages. Do not reply or pass anything on. Write down what "
                "happened, and tell the person being stalked. If they have reported it, tell the police too.</p>"
            ),
            heading("Look after yourself"),
            paragraph(
                "<p>Supporting someone can be hard. Helplines talk to friends and family too, and you can call "
                "Samaritans about how you feel.</p>"
            ),
            accordion(
                (
                    "They do not want to go to the police. What can I do?",
                    "<p>Respect their choice. You can still help them keep a record and stay safe, and tell them "
                    "about helplines. If you believe someone is in danger now, call 999.</p>",
                ),
            ),
            helpline(STALKING_HELPLINE),
            helpline(SAMARITANS),
        ],
    },
    {
        "slug": WORK,
        "title": "Stalking and your work",
        "summary": "If the person turns up at or contacts your work, what you and your employer can do.",
        "topics": [SAFETY],
        "related": [SAFETY_PLAN, DIARY_AND_EVIDENCE],
        "body": [
            paragraph(
                "<p>People who stalk often turn up at or contact the victim's work, because they know where you "
                "will be. Telling your employer can feel hard, but it means they can help keep you safe.</p>"
            ),
            heading("What to ask your employer"),
            checklist(
                "Your employer could",
                [
                    "Screen calls and emails, and not confirm whether you work there",
                    "Not give out your details, shifts or location to anyone",
                    "Tell reception or security, with a photo of the person if you are happy to share it",
                    "Change your hours, desk or way in and out, if that helps",
                    "Keep a record of anything that happens at work, and keep any camera recordings",
                    "Take your photo and profile off the company website",
                ],
            ),
            callout(
                "info",
                "Your employer's duty",
                "<p>Employers have a duty to look after the health and safety of their staff. Many have a policy "
                "on domestic abuse or stalking: ask your manager or HR.</p>",
            ),
            heading("Getting to and from work"),
            paragraph(
                "<p>Change your route and times if you can. Ask a colleague to walk with you to your car or the "
                "station. Tell someone when you leave and when you arrive.</p>"
            ),
            accordion(
                (
                    "Do I have to tell my employer?",
                    "<p>No, it is your choice. Telling someone you trust at work can make you safer, and you can "
                    "ask them to keep it private.</p>",
                ),
                (
                    "What if the person works with me?",
                    "<p>Tell your manager or HR, or someone more senior if your manager is involved. Your "
                    "employer can look at changing shifts or places of work. You can still report it to the "
                    "police.</p>",
                ),
            ),
            action("diary", "Record what happens at work"),
            helpline(STALKING_HELPLINE),
        ],
    },
    {
        "slug": LOOKING_AFTER_YOURSELF,
        "title": "Looking after yourself",
        "summary": "Being stalked is frightening and tiring. How it can affect you, and where to find support.",
        "topics": [SUPPORT],
        "related": [FRIENDS_AND_FAMILY, SAFETY_PLAN],
        "body": [
            paragraph(
                "<p>Being stalked can affect your sleep, your health, your work and your relationships. Feeling "
                "anxious, on edge, low or angry is a normal reaction to something that is not normal.</p>"
            ),
            checklist(
                "Things that can help",
                [
                    "Talk to someone you trust about how you feel",
                    "Talk to your GP if it is affecting your sleep or your mood",
                    "Keep doing things that help you feel like yourself, in places that feel safe",
                    "Get support from a specialist service: you do not have to cope alone",
                ],
            ),
            callout(
                "warning",
                "If you feel you cannot go on",
                "<p>Call Samaritans on 116 123, at any time. It is free. If your life is in danger now, call 999.</p>",
            ),
            helpline(SAMARITANS),
            helpline(VICTIM_SUPPORT),
        ],
    },
]

# --- The self-check -----------------------------------------------------------------------------------

SELF_CHECK: dict[str, Any] = {
    "title": "Is this stalking?",
    "slug": "is-this-stalking",
    "intro": (
        "<p>These questions can help you think about what is happening to you. There are no right or wrong "
        "answers, and you do not need to answer them all.</p>"
    ),
    "questions": [
        {
            "pattern": "fixated",
            "question": "Does the person seem focused on you, and keep coming back to you whatever you do?",
            "guidance": (
                "<p>People who stalk are fixated: their attention stays on you even when you ignore them, move "
                "on, or make clear you are not interested.</p>"
            ),
        },
        {
            "pattern": "fixated",
            "question": "Do they turn up where you are, or wait near your home or work?",
            "guidance": (
                "<p>Turning up, following and waiting nearby are common in stalking. Write down each time, with "
                "the date, the time and where.</p>"
            ),
        },
        {
            "pattern": "obsessive",
            "question": "Do they know things about your life that you did not tell them?",
            "guidance": (
                "<p>This can mean they are watching you, online or in person, or tracking your phone or car. Read "
                "our advice on checking your devices.</p>"
            ),
        },
        {
            "pattern": "obsessive",
            "question": "Do they contact your friends, family or workmates about you?",
            "guidance": (
                "<p>Getting information or sending messages through other people is part of stalking. Ask the "
                "people around you to write down any contact and tell you.</p>"
            ),
        },
        {
            "pattern": "unwanted",
            "question": "Is it contact you do not want, or have you asked them to stop?",
            "guidance": (
                "<p>Stalking is unwanted. You do not have to have said so: you may have felt too afraid. The "
                "person may say they are being kind or romantic. It is still unwanted if you do not want it.</p>"
            ),
        },
        {
            "pattern": "unwanted",
            "question": "Has it made you afraid or anxious, or made you change how you live?",
            "guidance": (
                "<p>Changing your route, your phone number or your plans because of someone's behaviour is a "
                "sign of how serious it is. Write down how it affects you.</p>"
            ),
        },
        {
            "pattern": "repeated",
            "question": "Has it happened more than once, even if each time seemed small?",
            "guidance": (
                "<p>Stalking is a pattern. One message may seem like nothing, but many together tell a different "
                "story. A diary shows the pattern.</p>"
            ),
        },
        {
            "pattern": "repeated",
            "question": "Does it carry on, or come back, after you have tried to stop it?",
            "guidance": (
                "<p>Blocking a number only for a new one to appear, or a quiet spell followed by more contact, "
                "are common. Keep your record going.</p>"
            ),
        },
    ],
    "outcome": (
        "<p>If you answered yes to some of these, what is happening may be stalking. You do not need to be sure "
        "to get help. Trust your instincts. Call the National Stalking Helpline on 0808 802 0300 for advice, or "
        "101 to report it to the police. If you are in danger now, call 999.</p>"
    ),
}

# --- The directory ------------------------------------------------------------------------------------

DIRECTORY: dict[str, Any] = {
    "title": "Helplines and services",
    "slug": "helplines",
    "intro": (
        "<p>Helplines and services for people in the UK. Choose where you live or what you need to narrow the "
        "list. If you are in danger now, call 999.</p>"
    ),
}

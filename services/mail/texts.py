"""Every text a mail says, in Dutch, in one catalogue (as ``api.web.texts`` is for the pages); the kinds' names
here are also what the preferences page calls them."""

from __future__ import annotations

from typing import Any

from core.vocab import MailFrequency, NotificationKind

# What a kind of notification is, as a person chooses mail for it ("Mail mij over …").
KIND_LABELS: dict[NotificationKind, str] = {
    NotificationKind.ANSWER: "Antwoorden op mijn vragen",
    NotificationKind.ACCEPTED: "Mijn antwoord is geaccepteerd",
    NotificationKind.SUGGESTED_QUESTION: "Nieuwe vragen die passen bij mijn werk",
    NotificationKind.REVIEW: "Praktijken die op mijn beoordeling wachten",
    NotificationKind.PUBLISHED: "Mijn praktijk is gepubliceerd",
    NotificationKind.SENT_BACK: "Mijn praktijk is teruggestuurd",
    NotificationKind.APPLIED: "Iemand past mijn praktijk toe",
    NotificationKind.FEEDBACK: "Feedback op mijn praktijk",
    NotificationKind.FOLLOWED: "Nieuws over wat ik volg",
}
# The kinds in groups, as the preferences page shows them; their order is also a digest's: my own work first.
GROUPS: tuple[tuple[str, tuple[NotificationKind, ...]], ...] = (
    ("Mijn vragen en antwoorden", (NotificationKind.ANSWER, NotificationKind.ACCEPTED)),
    (
        "Mijn praktijken",
        (NotificationKind.PUBLISHED, NotificationKind.SENT_BACK, NotificationKind.APPLIED, NotificationKind.FEEDBACK),
    ),
    ("Uit het netwerk", (NotificationKind.SUGGESTED_QUESTION, NotificationKind.REVIEW, NotificationKind.FOLLOWED)),
)
KIND_ORDER: tuple[NotificationKind, ...] = tuple(kind for _, kinds in GROUPS for kind in kinds)

FREQUENCY_LABELS: dict[MailFrequency, str] = {
    MailFrequency.DIRECT: "Direct, per bericht",
    MailFrequency.DAILY: "In een dagelijks overzicht",
    MailFrequency.WEEKLY: "In een wekelijks overzicht",
    MailFrequency.NEVER: "Nooit per mail",
}

# The first line of a mail about one notification: by the event that made it, else by its kind.
HEADLINES: dict[str, str] = {
    "suggested_question": "Een collega stelt een vraag die past bij jouw werk",
    "answer": "Er is een nieuw antwoord op je vraag",
    "accepted": "Je antwoord is geaccepteerd",
    "applied": "Iemand past je praktijk toe",
    "feedback": "Er is feedback op je praktijk",
    "review": "Een praktijk wacht op je beoordeling",
    "published": "Je praktijk is gepubliceerd",
    "sent_back": "Je praktijk is teruggestuurd naar de auteurs",
    "followed": "Nieuws over iets wat je volgt",
    "followed.answer.created": "Een nieuw antwoord op een vraag die je volgt",
    "followed.practice.updated": "Een nieuwe versie van een praktijk die je volgt",
    "followed.practice.published": "Een nieuwe praktijk over iets wat je volgt",
    "followed.question.created": "Een nieuwe vraag over iets wat je volgt",
}

NL: dict[str, str] = {
    "greeting": "Beste {name},",
    "open_practice": "Bekijk de praktijk",
    "open_question": "Bekijk de vraag",
    "title_only": "Om privacyredenen staat de tekst van de vraag niet in deze mail: een casus kan gegevens van een "
    "inwoner bevatten. Lees de vraag in Praktijkbank.",
    "why_direct": "Je krijgt deze mail omdat je voor ‘{kind}’ hebt gekozen voor direct bericht.",
    "why_digest": "Je krijgt dit overzicht omdat je voor deze onderwerpen hebt gekozen voor een {digest} overzicht.",
    "unsubscribe_kind": "Geen mail meer over ‘{kind}’",
    "unsubscribe_digest": "Geen {digest} overzicht meer",
    "settings": "Al je mailinstellingen",
    "notifications": "Al je meldingen",
    "digest.daily": "dagelijks",
    "digest.weekly": "wekelijks",
    "digest.name.daily": "het dagelijkse overzicht",
    "digest.name.weekly": "het wekelijkse overzicht",
    "digest.subject.daily": "Je dagelijkse overzicht van Praktijkbank: {count} nieuwe meldingen",
    "digest.subject.weekly": "Je wekelijkse overzicht van Praktijkbank: {count} nieuwe meldingen",
    "digest.subject_one.daily": "Je dagelijkse overzicht van Praktijkbank: 1 nieuwe melding",
    "digest.subject_one.weekly": "Je wekelijkse overzicht van Praktijkbank: 1 nieuwe melding",
    "digest.lead": "Dit is er nieuw voor jou sinds {since}.",
    "test.subject": "Testbericht van Praktijkbank",
    "test.body": "Dit is een testbericht. Als je dit leest, kan Praktijkbank mail versturen via {server}.",
    "signature": "Praktijkbank",
}


def t(key: str, **values: Any) -> str:
    return NL[key].format(**values) if values else NL[key]


def headline(kind: NotificationKind, event: str | None) -> tuple[str, bool]:
    """The first line about a notification, and whether it says more than its kind's name (what a digest shows)."""
    specific = HEADLINES.get(f"{kind.value}.{event}")
    return (specific, True) if specific else (HEADLINES[kind.value], False)

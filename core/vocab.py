"""The controlled vocabularies of a practice. Stored as plain strings; validated at the edges."""

from __future__ import annotations

from enum import StrEnum


class Theme(StrEnum):
    JEUGD = "jeugd"
    ONDERWIJS = "onderwijs"
    VEILIGHEID = "veiligheid"
    WMO = "wmo"
    ZORG_EN_GEZONDHEID = "zorg_en_gezondheid"
    WONEN = "wonen"
    WIJKTEAM = "wijkteam"
    WERK_EN_INKOMEN = "werk_en_inkomen"
    SCHULDHULP = "schuldhulp"
    PARTICIPATIE = "participatie"
    PROFESSIONEEL_LEREN = "professioneel_leren"


class LegalFrame(StrEnum):
    JEUGDWET = "jeugdwet"
    WMO_2015 = "wmo_2015"
    PARTICIPATIEWET = "participatiewet"
    WGS = "wgs"
    OMGEVINGSWET = "omgevingswet"
    WET_PASSEND_ONDERWIJS = "wet_passend_onderwijs"
    WET_VERPLICHTE_GGZ = "wet_verplichte_ggz"
    HUISVESTINGSWET = "huisvestingswet"
    GEEN = "geen"


class RecognitionLevel(StrEnum):
    """From local, unassessed field practice up to the databanks' 'effectief'."""

    PRAKTIJKVOORBEELD = "praktijkvoorbeeld"
    GOED_BESCHREVEN = "goed_beschreven"
    GOED_ONDERBOUWD = "goed_onderbouwd"
    EFFECTIEF = "effectief"


class Status(StrEnum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class Visibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    COMMUNITY = "community"


class DocKind(StrEnum):
    """What an index task and an index point are about."""

    PRACTICE = "practice"
    QUESTION = "question"


class EventKind(StrEnum):
    """What happened, as notifications, mail, follows and webhooks hear of it (``services.events``)."""

    QUESTION_CREATED = "question.created"
    ANSWER_CREATED = "answer.created"
    ANSWER_ACCEPTED = "answer.accepted"
    PRACTICE_APPLIED = "practice.applied"
    PRACTICE_FEEDBACK = "practice.feedback"
    PRACTICE_SUBMITTED = "practice.submitted"  # offered for review
    PRACTICE_PUBLISHED = "practice.published"
    PRACTICE_SENT_BACK = "practice.sent_back"  # from review back to its authors
    PRACTICE_UPDATED = "practice.updated"  # a new version of a published practice


class NotificationKind(StrEnum):
    """What a person is told ('Meldingen'); each kind has its own mail choice."""

    SUGGESTED_QUESTION = "suggested_question"  # a new question that matches what I know
    ANSWER = "answer"  # an answer to my question
    ACCEPTED = "accepted"  # my answer accepted
    APPLIED = "applied"  # my practice applied
    FEEDBACK = "feedback"  # feedback on my practice
    REVIEW = "review"  # a practice offered for review in a community I curate
    PUBLISHED = "published"  # my practice published
    SENT_BACK = "sent_back"  # my practice sent back from review
    FOLLOWED = "followed"  # news of what I follow: a practice, version or answer


class MailFrequency(StrEnum):
    DIRECT = "direct"
    DAILY = "daily"
    WEEKLY = "weekly"
    NEVER = "never"


class FollowKind(StrEnum):
    THEME = "theme"
    COMMUNITY = "community"
    PRACTICE = "practice"
    QUESTION = "question"


class Language(StrEnum):
    NL = "nl"
    EN = "en"


class ProfileVisibility(StrEnum):
    PUBLIC = "public"
    INTERNAL = "internal"
    HIDDEN = "hidden"


class CommunityRole(StrEnum):
    MEMBER = "member"
    COACH = "coach"
    CURATOR = "curator"


# The roles that review a community's practices (publish or send back) and hear when one is offered for review.
REVIEWING_ROLES = (CommunityRole.COACH.value, CommunityRole.CURATOR.value)


# The long text sections of a practice, in reading order, with their Dutch and English headings.
SECTIONS: dict[str, tuple[str, str]] = {
    "situation": ("Aanleiding", "Situation"),
    "target_group": ("Doelgroep", "Target group"),
    "not_for": ("Niet bedoeld voor", "Not meant for"),
    "goals": ("Doel", "Goals"),
    "approach": ("Aanpak", "Approach"),
    "working_elements": ("Werkzame elementen", "Working elements"),
    "results": ("Resultaten", "Results"),
    "lessons": ("Geleerde lessen", "Lessons learned"),
    "preconditions": ("Randvoorwaarden", "Preconditions"),
    "costs": ("Kosten en tijd", "Costs and time"),
}
SECTION_NAMES: tuple[str, ...] = tuple(SECTIONS)
SECTION_LABELS: dict[str, str] = {
    "summary": "Samenvatting",
    "title": "Titel",
    "question": "Vraag",
    "answers": "Antwoorden",
    **{name: pair[0] for name, pair in SECTIONS.items()},
}

"""Question scaffolding: the words every case carries that say nothing about its need.

A professional who describes a case ends with "Wat kan ik als wijkcoach deze week doen?" or "How have others
handled this?". Those words are the same in every case, but BM25 scores them like any other: a practice that happens
to mention "week", "drie" or "coach" outranks the one about the need, and the snippets light up the wrong words.
The lexical leg and the highlights therefore read a question without them (the dense leg reads the whole text: a
model weighs words by their context). The lists come from the calibration half of the judged cases
(``benchmarks/data/cases``): words and phrases that recur across cases of different themes (counting, ages,
time, saying and going, asking for tips) and name no need; words that recur but do name one ("moeder", "school",
"schulden") stay.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Phrases first (they hold words that are informative elsewhere: "als" + a role says who asks, not what is needed).
_PHRASES = {
    "nl": (
        r"\bwat\s+(?:kan|kunnen|moet|moeten|zou|zouden)\s+(?:ik|we|wij|jij|je|u)(?:\s+als\s+[\w'-]+)?",
        r"\b(?:ik|wij|we|jij|je|u)\s+als\s+[\w'-]+",  # "ik als wijkcoach": who asks, not what is needed
        r"\bhoe\s+(?:pakken|pak|gaan|doen|lossen)\s+(?:anderen|jullie|collega's|andere\s+gemeenten)\b",
        r"\b(?:heeft|hebben)\s+(?:iemand|jullie|anderen|collega's)\b",
        r"\bwie\s+(?:weet|heeft|kent|kan)\b",
        r"\bzijn\s+er\s+(?:gemeenten|collega's|teams|anderen)\s+die\b",
        r"\b(?:deze|volgende|komende|vorige)\s+(?:week|maand|dagen|weken)\b",
        r"\bop\s+korte\s+termijn\b",
    ),
    "en": (
        r"\b(?:i|we)\s*(?:am|are|'m|'re)\s+an?\s+[\w'-]+(?:\s+[\w'-]+)?",  # "I am a youth worker"
        r"\bas\s+an?\s+[\w'-]+(?:\s+[\w'-]+)?",  # "as a neighbourhood coach"
        r"\bwhat\s+(?:can|could|should|do)\s+(?:i|we|you)\b",
        r"\bhow\s+(?:have|do|did)\s+(?:others|other\s+councils|other\s+teams|you)\b",
        r"\b(?:has|does|did)\s+anyone\b",
        r"\b(?:this|next|last)\s+(?:week|month)\b",
        r"\bany\s+(?:ideas|tips|advice|suggestions|experience)\b",
    ),
}
# One word list per language, kept as text: a word per entry reads as the list it is.
_WORDS = {
    "nl": frozenset(
        """doen gedaan aanpakken pakken anderen andere collega collega's iemand ervaring ervaringen tips ideeën
        idee advies suggesties graag week weken maand maanden dag dagen jaar jaren keer vandaag morgen gisteren
        nu inmiddels eigenlijk gewoon steeds echt wel bijna ergens pas eerste elke twee drie vier vijf zes zeven
        acht negen tien verder weet weten kunnen kan moet moeten zou zouden willen wil we zegt zeggen zit zitten
        gaat gaan komt komen laten zien""".split()  # noqa: SIM905
    ),
    "en": frozenset(
        """do doing done handle handled handling others other colleague colleagues anyone someone experience
        experiences tips ideas idea advice suggestions week weeks month months day days year years today now
        really just way fine two three four five six seven eight nine ten know can could should would
        want""".split()  # noqa: SIM905
    ),
}
_WORD = re.compile(r"[\w'-]+", re.UNICODE)


@lru_cache(maxsize=8)
def _phrases(language: str) -> re.Pattern[str]:
    return re.compile("|".join(_PHRASES[language]), re.IGNORECASE | re.UNICODE)


def without_scaffolding(text: str, language: str | None) -> str:
    """``text`` without its question scaffolding, in ``language`` (both lists when the language is unclear)."""
    for code in (language,) if language in _PHRASES else tuple(_PHRASES):
        text = _phrases(code).sub(" ", text)
    words = _WORDS.get(language or "", _WORDS["nl"] | _WORDS["en"])
    return _WORD.sub(lambda m: " " if m.group(0).lower() in words else m.group(0), text)

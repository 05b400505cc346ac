"""Texts that test a tokenizer: accents, compounds, punctuation, ligatures, full-width letters, emoji and other
scripts, empty and long texts, Dutch and English."""

from __future__ import annotations

# Characters most vocabularies lack, several in a row (emoji sequences, CJK).
UNKNOWN_RUN = "Kinderen 👶 en ouders 👨‍👩‍👧 — emoji, 日本語のテキスト, and Ελληνικά."

LONG_NL = (
    "Het wijkteam werkt samen met de jeugdgezondheidszorg, het onderwijs en de schuldhulpverlening. "
    "Wanneer een gezin vastloopt, stelt de casusregisseur één plan op met alle betrokkenen; de ouders "
    "houden zelf de regie. Na zes weken volgt een evaluatie: werkt de aanpak, of is er meer nodig? "
) * 6
LONG_EN = (
    "The early-help team meets weekly with schools, health visitors and housing officers. Each family gets "
    "a single lead professional who co-ordinates the plan, reviews progress after six weeks, and escalates "
    "to statutory services only when risks increase despite support. "
) * 6
HARD_TEXTS = [
    "Hoe voorkom je een ondertoezichtstelling als ouders hulp blijven afhouden?",
    "jeugdzorgaanbieder schuldhulpverleningstraject mantelzorgondersteuning wijkverpleegkundige",
    "Coördinatie bij één gezin: café-overleg, ruïne, naïef, reünie, financiële zorgen.",
    "Wat kost het?  Tabs\ten   dubbele   spaties, en 3,5% korting — “aanhalingstekens” … (haakjes) [blokhaken]!",
    "E-mail: info@gemeente.nl; tel. 010-1234567; art. 7.3 Wmo 2015; €1.250,- per jaar.",
    "ﬁnanciële ｆｕｌｌｗｉｄｔｈ letters, non\u00a0breaking space, Ångström, Ça va, straße",
    UNKNOWN_RUN,
    "How do we prevent young people from being recruited as drug couriers?",
    "Single front door for early help requests: one decision within five working days.",
    "'s-Hertogenbosch, Zuid-Holland, re-integratie, co-ouderschap, 18-/18+ overgang",
    "",
    LONG_NL,
    LONG_EN,
]

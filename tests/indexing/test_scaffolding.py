"""Question scaffolding stays out of the lexical leg and the highlights; the words of the need stay in."""

from __future__ import annotations

import pytest

from indexing.dutch import CompoundLexicalEncoder
from indexing.highlight import QueryTerms, make_snippet
from indexing.lexical import LexicalEncoder
from indexing.scaffolding import without_scaffolding

pytestmark = pytest.mark.sqlite_pass  # the lexical encoders and highlights: no database at all

MOTHER = (
    "Een moeder van drie kinderen belt in paniek: de energieleverancier dreigt af te sluiten, ze heeft een "
    "betalingsregeling bij de woningcorporatie die ze niet kan nakomen en ze durft haar post niet meer te openen. "
    "Wat kan ik als wijkcoach deze week doen?"
)


def words(text: str) -> set[str]:
    return set(text.lower().replace("?", " ").replace(".", " ").replace(",", " ").split())


@pytest.mark.parametrize(
    ("text", "language", "gone", "kept"),
    [
        (
            MOTHER,
            "nl",
            {"drie", "wijkcoach", "week", "doen", "kan"},
            {"energieleverancier", "betalingsregeling", "post"},
        ),
        (
            "Ik als klantmanager zie een man die al maanden zijn huur niet betaalt. Hoe pakken anderen dit aan?",
            "nl",
            {"klantmanager", "maanden", "anderen"},
            {"huur", "betaalt", "man"},
        ),
        (
            "I am a youth worker. A boy of fifteen skips school to care for his mother. How have others handled this?",
            "en",
            {"youth", "worker", "others", "handled"},
            {"boy", "school", "care", "mother"},
        ),
    ],
    ids=["mother", "role-and-others", "english"],
)
def test_scaffolding_goes_and_the_need_stays(text: str, language: str, gone: set[str], kept: set[str]) -> None:
    left = words(without_scaffolding(text, language))
    assert not gone & left, gone & left
    assert kept <= left, kept - left


def test_a_role_is_kept_when_it_is_the_subject() -> None:
    """Only "ik/wij als <rol>" says who asks: a case about coaches keeps the word."""
    assert "wijkcoach" in words(without_scaffolding("De wijkcoach heeft geen tijd voor huisbezoeken.", "nl"))


@pytest.mark.parametrize("encoder", [LexicalEncoder(), CompoundLexicalEncoder()], ids=["plain", "compounds"])
def test_the_lexical_query_has_no_scaffolding_terms(encoder: LexicalEncoder) -> None:
    terms = set(encoder.query(MOTHER, "nl").indices)
    for word in ("week", "drie", "wijkcoach", "doen"):
        assert not set(encoder.query(word, "nl").indices) & terms, word
    assert set(encoder.query("energieleverancier", "nl").indices) <= terms


def test_highlights_mark_only_the_words_of_the_need() -> None:
    practice = (
        "Binnen tien werkdagen na een melding van de woningcorporatie of de energieleverancier gaat een "
        "wijkcoach op huisbezoek; drie keer per week is er een spreekuur over post en betalingsregeling."
    )
    snippet = make_snippet(practice, QueryTerms(MOTHER, CompoundLexicalEncoder()), language="nl")
    marked = {snippet.text[start:end].lower() for start, end in snippet.highlights}
    assert {"woningcorporatie", "energieleverancier", "post", "betalingsregeling"} <= marked
    assert not marked & {"week", "drie", "wijkcoach", "keer"}, marked

"""Dutch compound splitting for the lexical leg: ``jeugdzorgaanbieder`` also counts as jeugd + zorg + aanbieder.

Dutch writes compounds as one word, so a question about "zorg voor de jeugd" misses a text about
"jeugdzorgaanbieders" in plain BM25. The splitter follows Koehn & Knight (2003): among all ways to cut a word into
known parts (with the linking ``s``/``e``/``en``), take the one whose parts have the highest geometric mean
frequency, and keep the word whole when the word itself is more frequent than that. Parts are appended after the
word, so exact matches still count and stemming (done later by the BM25 encoder) applies to the parts too.

The vocabulary is a small curated list of social-domain morphemes, optionally with frequencies learned from a
corpus. A curated list is deterministic: documents and queries are split the same way whatever is in the index.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from functools import lru_cache

from indexing.lexical import LEXICAL_SCHEME, LexicalEncoder, SparseVec, guess_language
from indexing.scaffolding import without_scaffolding

# Words that must never stand as a part: verb particles, prepositions and pronouns make nonsense splits
# ("aanpak" is not aan + pak, "overleg" is not over + leg).
# fmt: off
PARTICLES = frozenset([
    "aan", "af", "al", "als", "bij", "binnen", "boven", "buiten", "daar", "door", "een", "elk", "heen", "hier",
    "in", "langs", "mee", "mede", "met", "na", "naar", "om", "onder", "op", "over", "rond", "samen", "tegen",
    "terug", "toe", "tussen", "uit", "van", "veel", "ver", "voor", "voorbij", "weer", "weg", "zelf", "zich", "niet",
    "niets", "iets", "wat", "wie", "waar", "hoe", "dat", "dit", "die", "der", "des", "ten", "ter", "het"
])
# fmt: on

# Frequent morphemes of Dutch social-domain texts (Wmo, Jeugdwet, Participatiewet, schuldhulp, wijkteams).
# fmt: off
CURATED = frozenset([
    "aanbieder", "aanbod", "aanmelding", "aanpassing", "aanvraag", "achterstand", "activiteit", "advies", "afspraak",
    "agent", "akkoord", "arbeid", "arts", "baan", "bank", "basis", "bedrag", "bedrijf", "begeleider", "begeleiding",
    "behandeling", "beheer", "beleid", "beperking", "beroep", "beschermer", "bescherming", "beschikking", "besteding",
    "betaling", "bewind", "bewindvoerder", "bezoek", "bijstand", "boete", "brief", "budget", "buurt", "casus",
    "centrum", "coach", "code", "consulent", "contact", "contract", "corporatie", "crisis", "dag", "dagbesteding",
    "deur", "deurwaarder", "diagnose", "dienst", "dienstverlening", "diploma", "dossier", "drugs", "echtscheiding",
    "energie", "familie", "financiering", "fonds", "functionaris", "gedrag", "geheugen", "geld", "gemeenschap",
    "gemeente", "gesprek", "gevaar", "geweld", "gezin", "gezondheid", "ggz", "groep", "handel", "handhaving", "huis",
    "huishouden", "hulp", "hulpmiddel", "hulpverlener", "hulpverlening", "huur", "huurder", "incasso", "indicatie",
    "inkomen", "inkomsten", "inwoner", "jeugd", "jeugdhulp", "jeugdzorg", "jongere", "jongeren", "kaart", "kamer",
    "kennis", "kind", "kinderen", "klacht", "klant", "kosten", "krediet", "leeftijd", "leer", "leerling", "leerplicht",
    "leider", "leiding", "lening", "les", "leverancier", "lijst", "maatschappij", "maatwerk", "mantel", "mantelzorg",
    "mantelzorger", "medewerker", "melding", "mishandeling", "netwerk", "nood", "onderwijs", "onderzoek", "ontruiming",
    "opleiding", "opvang", "opvoeding", "ouder", "oudere", "ouderen", "ouders", "overdracht", "overlast", "overleg",
    "partner", "pas", "persoon", "plaats", "plaatsing", "plan", "politie", "praktijk", "preventie", "probleem",
    "problemen", "proef", "professional", "programma", "psychiatrie", "raad", "recht", "regeling", "regie", "regio",
    "regisseur", "rekening", "risico", "ronde", "route", "samenwerking", "sanering", "school", "schuld", "schulden",
    "signaal", "signalen", "spreekuur", "stap", "stelling", "steun", "steunpunt", "student", "taal", "team", "termijn",
    "thuis", "tijd", "toeslag", "toezicht", "training", "traject", "uitkering", "uitstroom", "vangnet", "veilig",
    "veiligheid", "verband", "verblijf", "verhuizing", "verlener", "verlening", "verpleeg", "verpleegkundige",
    "verpleging", "verslaving", "verzekeraar", "verzekering", "verzuim", "vlucht", "vluchteling", "voorziening",
    "vraag", "vrijwilliger", "wacht", "wachtlijst", "wachttijd", "werk", "werkgever", "werking", "werknemer", "werving",
    "wet", "wijk", "wmo", "wonen", "woning", "zaak", "ziekte", "zorg", "zorgen", "zorger", "zwanger", "zwangerschap",
])
# fmt: on
_CURATED_WEIGHT = 1000.0  # a curated morpheme counts as a frequent word
_LINKERS = ("s", "en", "e")  # tussen-s and -e(n)- between parts: arbeid-s-markt, ouder-en-zorg
_HEAD_ENDINGS = ("s", "en", "n", "e")  # plural or inflected last part: aanbieder-s, zorg-en
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)


class CompoundSplitter:
    def __init__(
        self,
        frequencies: Mapping[str, float],
        *,
        min_word: int = 8,
        min_part: int = 4,
        max_parts: int = 4,
        min_frequency: float = 2.0,
    ) -> None:
        self._freq = frequencies
        self._min_word, self._min_part, self._max_parts = min_word, min_part, max_parts
        self._min_frequency = min_frequency
        self.split = lru_cache(maxsize=200_000)(self._split)

    @classmethod
    def curated(cls, extra: Mapping[str, float] | None = None, **options: int | float) -> CompoundSplitter:
        """The curated morphemes, plus (optionally) frequencies learned from texts."""
        frequencies: dict[str, float] = dict(extra or {})
        for word in CURATED:
            frequencies[word] = frequencies.get(word, 0.0) + _CURATED_WEIGHT
        return cls(frequencies, **options)  # type: ignore[arg-type]

    @classmethod
    def wordfreq(cls, *, words: int = 300_000, min_zipf: float = 1.5) -> CompoundSplitter:
        """A general Dutch vocabulary: the ``wordfreq`` package's large Dutch list (an optional dependency)."""
        import wordfreq  # type: ignore[import-not-found,unused-ignore]

        frequencies = {
            word: 10 ** wordfreq.zipf_frequency(word, "nl", wordlist="large")
            for word in wordfreq.top_n_list("nl", words, wordlist="large")
        }
        return cls(frequencies, min_frequency=10**min_zipf)

    def _known(self, part: str, *, head: bool) -> float:
        if part in PARTICLES or len(part) < (3 if part in CURATED else self._min_part):
            return 0.0
        frequency = self._freq.get(part, 0.0)
        if frequency < self._min_frequency and head:
            for ending in _HEAD_ENDINGS:
                stem = part[: -len(ending)] if part.endswith(ending) else ""
                if len(stem) >= self._min_part and stem not in PARTICLES:
                    frequency = max(frequency, self._freq.get(stem, 0.0))
        return frequency if frequency >= self._min_frequency else 0.0

    def _segmentations(self, word: str, parts_left: int) -> list[list[tuple[str, float]]]:
        found: list[list[tuple[str, float]]] = []
        head = self._known(word, head=True)
        if head:
            found.append([(word, head)])
        if parts_left <= 1:
            return found
        for cut in range(3, len(word) - 2):
            left = word[:cut]
            options = [(left, self._known(left, head=False))]
            options += [
                (left[: -len(ln)], self._known(left[: -len(ln)], head=False))
                for ln in _LINKERS
                if left.endswith(ln) and len(left) > len(ln)
            ]
            for part, frequency in options:
                if frequency:
                    found += [[(part, frequency), *rest] for rest in self._segmentations(word[cut:], parts_left - 1)]
        return found

    def _split(self, word: str) -> tuple[str, ...]:
        """The parts of ``word`` (lower case), or () when it is best left whole."""
        if len(word) < self._min_word or not word.isalpha():
            return ()
        best: tuple[str, ...] = ()
        best_score = self._freq.get(word, 0.0)
        for segmentation in self._segmentations(word, self._max_parts):
            if len(segmentation) < 2:
                continue
            product = 1.0
            for _, frequency in segmentation:
                product *= frequency
            geometric = product ** (1 / len(segmentation))
            if geometric > best_score:
                best, best_score = tuple(part for part, _ in segmentation), geometric
        return best

    def expand(self, text: str, *, replace: bool = False) -> str:
        """The text with the parts of every compound after it (or instead of it, with ``replace``)."""

        def parts(match: re.Match[str]) -> str:
            word = match.group(0)
            found = self.split(word.lower())
            if not found:
                return word
            return " ".join(found) if replace else f"{word} {' '.join(found)}"

        return _TOKEN.sub(parts, text)


def word_frequencies(texts: Iterable[str]) -> Counter[str]:
    """Lower-cased word counts, the vocabulary a corpus teaches the splitter."""
    counts: Counter[str] = Counter()
    for text in texts:
        counts.update(word.lower() for word in _TOKEN.findall(text))
    return counts


class CompoundLexicalEncoder(LexicalEncoder):
    """The BM25 encoder with Dutch compounds split in documents and in queries that are (or may be) Dutch."""

    def __init__(
        self,
        splitter: CompoundSplitter | None = None,
        *,
        mode: str = "keep",
        vocabulary: str = "curated",
        **bm25: float,
    ) -> None:
        super().__init__(**bm25)
        self.splitter = splitter or (
            CompoundSplitter.wordfreq() if vocabulary == "wordfreq" else CompoundSplitter.curated()
        )
        self._replace = mode == "replace"
        # Recorded in the index meta: documents indexed with another splitting must be re-indexed.
        self.scheme = f"{LEXICAL_SCHEME}+nl-compounds-{vocabulary}-{mode}-v2"

    def document(self, text: str, language: str) -> SparseVec:
        if language == "nl":
            text = self.splitter.expand(text, replace=self._replace)
        return super().document(text, language)

    def query(self, text: str, language: str | None = None) -> SparseVec:
        language = language or guess_language(text)
        if language in ("nl", None):  # scaffolding first: its compounds must not come back as parts
            text = self.splitter.expand(without_scaffolding(text, language), replace=self._replace)
        return super().query(text, language)

"""Generate N synthetic practices as JSONL "authored records" (what `praktijkbank import file.jsonl` reads).

Every record is built from the seed practices in ``seed_practices/`` (parsed with
``services.transfer.parse_markdown``): the metadata of one seed, each section taken from a (possibly different)
seed of the same language, sentences shuffled and partly swapped with those of a third seed, place names and
figures varied, titles recombined, slugs unique. Lengths and vocabulary therefore stay those of real practices.

Deterministic: the same ``--n`` and ``--seed`` give byte-identical output.

    python benchmarks/generate.py --n 10000 --out /tmp/practices-10k.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from core.vocab import SECTION_NAMES  # noqa: E402
from services.transfer import parse_markdown  # noqa: E402
from storage.repositories.directory import slugify  # noqa: E402

REQUIRED_SECTIONS = ("situation", "approach")

# The fictional places the seeds talk about; replaced in generated text by a place of the generated practice.
SEED_PLACES = ("Brakelveen", "Eemdal", "Hoogzand", "Lindewaard", "Westerkoog", "Zuidermeer", "Eastvale")
_SEED_PLACE_RE = re.compile(r"\b(" + "|".join(SEED_PLACES) + r")\b")

NL_PREFIXES = (
    "Eem",
    "Hoog",
    "Brakel",
    "Wester",
    "Zuider",
    "Linde",
    "Noorder",
    "Ooster",
    "Beek",
    "Berg",
    "Heide",
    "Klaver",
    "Molen",
    "Ruis",
    "Steen",
    "Wilder",
    "Aken",
    "Vlier",
    "Gras",
    "Elzen",
    "Haver",
    "Maren",
)
NL_SUFFIXES = (
    "dal",
    "zand",
    "veen",
    "koog",
    "meer",
    "waard",
    "hoven",
    "brug",
    "horst",
    "dijk",
    "broek",
    "loo",
    "wolde",
)
EN_PREFIXES = ("East", "West", "North", "South", "Ash", "Brook", "Oak", "Mill", "Stone", "Elm", "Marsh", "Thorn")
EN_SUFFIXES = ("vale", "field", "bury", "ford", "ham", "wick", "ton", "mere", "ley", "stead")
NL_REGIONS = (
    "Groningen",
    "Friesland",
    "Drenthe",
    "Overijssel",
    "Flevoland",
    "Gelderland",
    "Utrecht",
    "Noord-Holland",
    "Zuid-Holland",
    "Zeeland",
    "Noord-Brabant",
    "Limburg",
)
EN_REGIONS = ("Kent", "Essex", "Yorkshire", "Devon", "Norfolk", "Cumbria", "Lancashire", "Surrey")
NL_ORG_PATTERNS = (
    "Gemeente {t}",
    "Gemeente {t}",
    "Gemeente {t}",
    "Wijkteam {t}-{w}",
    "Stichting Welzijn {t}",
    "Jeugdteam {t}",
    "GGD Regio {t}",
    "Stichting Schuldhulp {t}",
    "Bibliotheek {t}",
    "Woningcorporatie {t}wonen",
    "Sociaal Team {t}",
    "Werkbedrijf {t}",
)
EN_ORG_PATTERNS = (
    "Municipality of {t}",
    "Municipality of {t}",
    "{t} Council",
    "{t} Community Trust",
    "{t} Early Help Service",
)
NL_WIJKEN = ("Centrum", "Noord", "Zuid", "Oost", "West", "De Horst", "Het Veld", "De Akkers", "Molenwijk")
NL_COMMUNITY_PATTERNS = (
    "Leergemeenschap {x} {t}",
    "Lerend Netwerk {x} {t}",
    "Praktijkkring {x} {t}",
    "Intervisiekring {x} {t}",
)
EN_COMMUNITY_PATTERNS = ("{t} Practice Network", "{t}–{u} Exchange", "{x} Learning Circle {t}")
THEME_LABELS = {
    "jeugd": ("Jeugd & Gezin", "Youth"),
    "onderwijs": ("Onderwijs", "Education"),
    "veiligheid": ("Veiligheid", "Safety"),
    "wmo": ("Wmo", "Adult Care"),
    "zorg_en_gezondheid": ("Zorg & Gezondheid", "Health"),
    "wonen": ("Wonen & Zorg", "Housing"),
    "wijkteam": ("Wijkteams", "Neighbourhood Teams"),
    "werk_en_inkomen": ("Werk & Inkomen", "Work"),
    "schuldhulp": ("Schuldhulp", "Money Advice"),
    "participatie": ("Participatie", "Inclusion"),
    "professioneel_leren": ("Professioneel Leren", "Practice Learning"),
}
NL_FIRST = (
    "Anouk",
    "Bram",
    "Charlotte",
    "Daan",
    "Esra",
    "Fatima",
    "Gerrit",
    "Hanneke",
    "Ilse",
    "Jeroen",
    "Karim",
    "Lotte",
    "Mohamed",
    "Nadia",
    "Olaf",
    "Priya",
    "Ruud",
    "Sanne",
    "Tim",
    "Ufuk",
    "Vera",
    "Willem",
    "Yara",
    "Zeynep",
    "Marloes",
    "Joost",
    "Hatice",
    "Kees",
    "Annemiek",
    "Bilal",
    "Dewi",
    "Emre",
    "Femke",
    "Gijs",
)
NL_LAST = (
    "de Vries",
    "Jansen",
    "Bakker",
    "Visser",
    "Smit",
    "Meijer",
    "de Boer",
    "Mulder",
    "de Groot",
    "Bos",
    "Vos",
    "Peters",
    "Hendriks",
    "van Leeuwen",
    "Dekker",
    "Brouwer",
    "de Wit",
    "Dijkstra",
    "Smits",
    "Ouali",
    "Yilmaz",
    "El Amrani",
    "Kaya",
    "Veenstra",
    "van Dam",
    "Kok",
    "Jacobs",
    "Vermeulen",
    "van den Berg",
    "Postma",
)
EN_FIRST = ("Sarah", "James", "Aisha", "Tom", "Priya", "Olivia", "Daniel", "Grace", "Omar", "Emma", "Liam", "Ruth")
EN_LAST = ("Whitfield", "Patel", "Hughes", "Okafor", "Bennett", "Clarke", "Khan", "Turner", "Morris", "Walsh")
NL_TITLE_PREFIXES = ("Pilot: ", "Wijkgericht: ", "Regionale aanpak: ", "Vervolgproject: ", "Opgeschaald: ")
EN_TITLE_PREFIXES = ("Pilot: ", "Scaled up: ", "Neighbourhood approach: ", "Follow-up: ")

_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_NUMBERED = re.compile(r"^\s*\d+[.)]\s+")
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9ÀÁÂÄÉÈËÏÖÜ“\"'(])")
_NUMBER = re.compile(r"(?<![\w.,€/-])(\d{2,4})(?![\w/]|[.,]\d)")


def load_seeds(folder: Path) -> list[dict[str, Any]]:
    seeds = []
    for file in sorted(folder.glob("*.md")):
        text = file.read_text(encoding="utf-8")
        if text.startswith("---"):
            seeds.append(parse_markdown(text))
    if not seeds:
        raise SystemExit(f"no seed practices found in {folder}")
    return seeds


# --- text pieces --------------------------------------------------------------------------------------------


def units_of(text: str) -> list[tuple[str, str]]:
    """A section as ('item', line) for list lines and ('sent', sentence) for prose, in order."""
    # Markdown semantics first: hard-wrapped lines continue their paragraph or list item.
    blocks: list[tuple[str, str]] = []
    for line in text.splitlines():
        if not line.strip():
            blocks.append(("break", ""))
        elif _LIST_ITEM.match(line):
            blocks.append(("item", line.strip()))
        elif blocks and blocks[-1][0] in ("item", "para"):
            blocks[-1] = (blocks[-1][0], blocks[-1][1] + " " + line.strip())
        else:
            blocks.append(("para", line.strip()))
    units: list[tuple[str, str]] = []
    for kind, body in blocks:
        if kind == "para":
            units.extend(("sent", s.strip()) for s in _SENTENCE.split(body) if s.strip())
        else:
            units.append((kind, body))
    return units


def render(units: list[tuple[str, str]]) -> str:
    lines: list[str] = []
    paragraph: list[str] = []
    number = 0
    for kind, text in units:
        if kind != "sent" and paragraph:
            lines.append(" ".join(paragraph))
            paragraph = []
        if kind == "sent":
            paragraph.append(text)
        elif kind == "item":
            if _NUMBERED.match(text):
                number += 1
                text = f"{number}. " + _NUMBERED.sub("", text, count=1)
            lines.append(text)
        elif lines and lines[-1] != "":
            lines.append("")
    if paragraph:
        lines.append(" ".join(paragraph))
    return "\n".join(lines).strip()


def shuffle_runs(rng: random.Random, units: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Shuffle the sentences inside each paragraph and the items inside each list (structure stays)."""
    out: list[tuple[str, str]] = []
    run: list[tuple[str, str]] = []
    for unit in [*units, ("break", "")]:
        if run and unit[0] != run[0][0]:
            rng.shuffle(run)
            out.extend(run)
            run = []
        if unit[0] == "break":
            out.append(unit)
        else:
            run.append(unit)
    return out[:-1]


def vary_numbers(rng: random.Random, text: str) -> str:
    def repl(match: re.Match[str]) -> str:
        value = int(match.group(1))
        if 1900 <= value <= 2099 or rng.random() > 0.35:
            return match.group(1)
        return str(max(2, round(value * rng.uniform(0.6, 1.6))))

    return _NUMBER.sub(repl, text)


class Generator:
    def __init__(self, seeds: list[dict[str, Any]], rng: random.Random) -> None:
        self.rng = rng
        self.seeds = seeds
        self.by_language: dict[str, list[dict[str, Any]]] = {}
        for seed in seeds:
            self.by_language.setdefault(seed["language"], []).append(seed)
        self.towns = {
            "nl": sorted({p + s for p in NL_PREFIXES for s in NL_SUFFIXES}),
            "en": sorted({p + s for p in EN_PREFIXES for s in EN_SUFFIXES}),
        }
        # A directory of realistic size: a few hundred places in use, people reused across practices.
        self.towns = {
            lang: rng.sample(names, min(len(names), 160 if lang == "nl" else 40)) for lang, names in self.towns.items()
        }
        self.people = {
            "nl": [f"{first} {last}" for first in NL_FIRST for last in NL_LAST],
            "en": [f"{first} {last}" for first in EN_FIRST for last in EN_LAST],
        }
        self.roles = {
            lang: [a.get("role") or "beleidsmedewerker" for s in group for a in s.get("authors") or []]
            for lang, group in self.by_language.items()
        }
        self.communities = {"nl": self._communities("nl", 36), "en": self._communities("en", 8)}
        self.used_titles: set[str] = set()

    def _communities(self, lang: str, count: int) -> list[str]:
        names: list[str] = []
        patterns = NL_COMMUNITY_PATTERNS if lang == "nl" else EN_COMMUNITY_PATTERNS
        while len(names) < count:
            theme = self.rng.choice(sorted(THEME_LABELS))
            label = THEME_LABELS[theme][0 if lang == "nl" else 1]
            town, other = self.rng.sample(self.towns[lang], 2)
            name = self.rng.choice(patterns).format(x=label, t=town, u=other)
            if name not in names:
                names.append(name)
        return names

    # --- pieces ---------------------------------------------------------------------------------------------

    def _place(self, text: str, town: str) -> str:
        return _SEED_PLACE_RE.sub(town, text)

    def section(self, name: str, base: dict[str, Any], lang: str, town: str) -> str | None:
        rng = self.rng
        donors = [s for s in self.by_language[lang] if s.get(name)]
        if not donors:
            return None
        # Half of the time the section comes from the base practice, else from another practice.
        primary = base if base.get(name) and rng.random() < 0.5 else rng.choice(donors)
        units = units_of(primary[name])
        if rng.random() < 0.6 and len(donors) > 1:
            other = units_of(rng.choice(donors)[name])
            others = [u for u in other if u[0] == "sent"]
            for i, unit in enumerate(units):
                if unit[0] == "sent" and others and rng.random() < 0.3:
                    units[i] = others.pop(rng.randrange(len(others)))
        if rng.random() < 0.8:
            units = shuffle_runs(rng, units)
        text = render(units)
        return vary_numbers(rng, self._place(text, town))[:19000] or None

    def title(self, base: dict[str, Any], lang: str, town: str) -> str:
        rng = self.rng
        title = self._place(base["title"], town)
        roll = rng.random()
        if roll < 0.35:
            other = self._place(rng.choice(self.by_language[lang])["title"], town)
            for sep in (" – ", ": "):
                if sep in title and sep in other:
                    title = title.split(sep, 1)[0] + sep + other.split(sep, 1)[1]
                    break
        elif roll < 0.75 and town not in title:
            title += f" in {town}"
        if rng.random() < 0.15:
            title = rng.choice(NL_TITLE_PREFIXES if lang == "nl" else EN_TITLE_PREFIXES) + title
        if title in self.used_titles:
            # Two practices with the same title happen, but rarely: make most repeats distinct.
            title += f" in {town}" if town not in title else f" ({self.rng.randrange(2016, 2026)})"
        if len(title) > 200:
            title = title[:200].rsplit(" ", 1)[0]
        self.used_titles.add(title)
        return title

    def summary(self, base: dict[str, Any], lang: str, town: str) -> str:
        units = units_of(base["summary"])
        head, tail = units[:1], units[1:]
        self.rng.shuffle(tail)
        if self.rng.random() < 0.4:
            extra = [u for u in units_of(self.rng.choice(self.by_language[lang])["summary"]) if u[0] == "sent"]
            if extra and tail:
                tail[-1] = self.rng.choice(extra)
        return vary_numbers(self.rng, self._place(render(head + tail), town))[:2000]

    # --- one record -----------------------------------------------------------------------------------------

    def record(self, number: int) -> dict[str, Any]:
        rng = self.rng
        base = rng.choice(self.seeds)
        lang = base["language"]
        town = rng.choice(self.towns[lang])
        title = self.title(base, lang, town)
        slug = f"{slugify(title)[:100].strip('-')}-{number:05d}"
        org = rng.choice(NL_ORG_PATTERNS if lang == "nl" else EN_ORG_PATTERNS).format(t=town, w=rng.choice(NL_WIJKEN))
        themes = list(base["themes"])
        if rng.random() < 0.25:
            extra = rng.choice(sorted(THEME_LABELS))
            if extra not in themes:
                themes.append(extra)
        record: dict[str, Any] = {
            "slug": slug,
            "title": title,
            "summary": self.summary(base, lang, town),
            "language": lang,
            "themes": themes,
            "recognition_level": rng.choice(self.seeds)["recognition_level"],
            "organisation": org,
            "region": rng.choice(NL_REGIONS if lang == "nl" else EN_REGIONS),
            "authors": [
                {"name": name, "role": rng.choice(self.roles[lang]), "organisation": org}
                for name in rng.sample(self.people[lang], rng.choice((1, 1, 1, 2, 2, 3)))
            ],
            "created": (dt.date(2016, 1, 1) + dt.timedelta(days=rng.randrange(3600))).isoformat(),
        }
        if base.get("legal_frames"):
            record["legal_frames"] = list(base["legal_frames"])
        # Status and visibility follow the seeds' mix (most published and public).
        mix = rng.choice(self.seeds)
        for key in ("status", "visibility"):
            if mix.get(key):
                record[key] = mix[key]
        if rng.random() < 0.6:
            record["community"] = rng.choice(self.communities[lang])
        if base.get("sources") and rng.random() < 0.7:
            record["sources"] = [
                {"title": self._place(s["title"], town), "url": f"https://example.org/{slug}/{i + 1}"}
                for i, s in enumerate(base["sources"])
            ]
        for name in SECTION_NAMES:
            # A section is present about as often as in the seeds; the required ones always.
            present = name in REQUIRED_SECTIONS or rng.random() < _presence(self.by_language[lang], name)
            if present:
                text = self.section(name, base, lang, town)
                if text:
                    record[name] = text
        return record


def _presence(group: list[dict[str, Any]], name: str) -> float:
    return sum(1 for s in group if s.get(name)) / len(group)


def generate(n: int, seed: int, seed_dir: Path) -> list[dict[str, Any]]:
    generator = Generator(load_seeds(seed_dir), random.Random(seed))
    return [generator.record(i + 1) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000, help="number of practices (default 1000)")
    parser.add_argument("--seed", type=int, default=20261128, help="random seed (default 20261128)")
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to write")
    parser.add_argument("--seed-dir", type=Path, default=ROOT / "seed_practices")
    args = parser.parse_args()

    records = generate(args.n, args.seed, args.seed_dir)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    lengths = [sum(len(record.get(k) or "") for k in ("summary", *SECTION_NAMES)) for record in records]
    languages = {lang: sum(1 for r in records if r["language"] == lang) for lang in ("nl", "en")}
    print(
        f"wrote {len(records)} practices to {args.out}: text chars per practice mean {statistics.mean(lengths):.0f}, "
        f"median {statistics.median(lengths):.0f}, max {max(lengths)}; languages {languages}; "
        f"unique titles {len({r['title'] for r in records})}, organisations {len({r['organisation'] for r in records})}"
    )


if __name__ == "__main__":
    main()

"""Atom documents (RFC 4287), built as an element tree: the XML writer escapes every text, so a title holding
markup stays text in every feed reader."""

from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import UTC, datetime

from api.web.templating import label
from api.web.texts import t
from services.feeds import Feed, FeedEntry

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_TYPE = "application/atom+xml"
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# What XML 1.0 cannot hold at all: a feed with one of these is not well-formed, so it is left out of the text.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_EMPTY = datetime(1970, 1, 1, tzinfo=UTC)  # an empty feed's time: fixed, so its ETag stays the same too


@dataclass(frozen=True)
class FeedDocument:
    """What a feed is, beside its entries: absolute links, and the key its stable id is made of."""

    key: str  # "praktijken", "thema/wmo", "persoonlijk/<person id>": never a secret
    title: str
    self_url: str
    page_url: str  # the page this feed follows
    base: str  # the site's public base URL, without a trailing slash


def feed_id(document: FeedDocument) -> str:
    """Stable for as long as the site's public URL is, and the same whichever token opened a personal feed."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{document.base}/feeds/{document.key}')}"


def render(document: FeedDocument, feed: Feed) -> bytes:
    # The namespace as a plain attribute: ElementTree's ``default_namespace`` refuses attributes without one.
    root = ET.Element("feed", {"xmlns": ATOM_NS, _XML_LANG: "nl"})
    _text(root, "id", feed_id(document))
    _text(root, "title", document.title, type="text")
    _text(root, "updated", _time(feed.updated or _EMPTY))
    _link(root, "self", document.self_url, ATOM_TYPE)
    _link(root, "alternate", document.page_url, "text/html")
    author = ET.SubElement(root, _tag("author"))
    _text(author, "name", t("site.name"))
    _text(author, "uri", document.base + "/")
    _text(root, "generator", t("site.name"), uri=document.base + "/")
    _text(root, "icon", document.base + "/static/favicon.svg")
    for entry in feed.entries:
        _entry(root, entry, document.base)
    document_bytes: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document_bytes


def _entry(root: ET.Element, entry: FeedEntry, base: str) -> None:
    element = ET.SubElement(root, _tag("entry"))
    _text(element, "id", f"urn:uuid:{entry.id}")
    _text(element, "title", entry.title, type="text")
    _text(element, "updated", _time(entry.updated))
    if entry.published is not None:
        _text(element, "published", _time(entry.published))
    _link(element, "alternate", base + entry.path, "text/html")
    for person in entry.authors:
        author = ET.SubElement(element, _tag("author"))
        _text(author, "name", person.name)
        _text(author, "uri", f"{base}/mensen/{person.slug}")
    for theme in entry.themes:
        ET.SubElement(element, _tag("category"), {"term": theme, "label": _clean(label("theme", theme))})
    if entry.summary:
        _text(element, "summary", entry.summary, type="text")


def _tag(name: str) -> str:
    return name  # in the Atom namespace the root declares


def _clean(value: str) -> str:
    return _NOT_XML.sub("", value)


def _text(parent: ET.Element, name: str, value: str, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name), attributes)
    element.text = _clean(value)
    return element


def _link(parent: ET.Element, rel: str, href: str, media_type: str) -> None:
    ET.SubElement(parent, _tag("link"), {"rel": rel, "type": media_type, "href": href})


def _time(value: datetime) -> str:
    """RFC 3339 in UTC, as Atom's date constructs want it."""
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")

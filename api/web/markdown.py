"""Markdown for the pages: rendered and sanitised for reading, stripped to plain text for snippets."""

from __future__ import annotations

import re

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup, escape

from indexing.highlight import Snippet

# Raw HTML in the source is shown as text (html=False); nh3 then removes anything that is not plain structure,
# so a javascript: link or an event handler can never reach the page, whatever markdown-it lets through.
_MD = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).disable("image")
_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "a", "blockquote", "code", "pre", "h3", "h4", "h5", "h6", "hr"}
_ATTRIBUTES = {"a": {"href"}}
_SCHEMES = {"http", "https", "mailto"}


def render(text: str | None) -> Markup:
    """Markdown as safe HTML. Headings inside a section start at h3: the page owns h1 and h2."""
    if not text:
        return Markup("")
    html = _MD.render(_demote_headings(text))
    clean = nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes=_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )
    return Markup(clean)  # noqa: S704 - sanitised by nh3 just above


def _demote_headings(text: str) -> str:
    return re.sub(r"^(#{1,2})(?=\s)", "###", text, flags=re.M)


# Markup that means nothing in a one-line snippet: emphasis marks, list bullets, heading marks, link targets.
_NOISE = re.compile(
    r"(?P<mark>\*\*|__|`|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*]))"
    r"|(?P<lead>^[ \t]*(?:[-*+]|\d+[.)]|#{1,6}|>)[ \t]+)"
    r"|(?P<link>\]\([^)\s]*\))|(?P<open>\[(?=[^\]]*\]\())",
    flags=re.M,
)


def plain_snippet(snippet: Snippet) -> Snippet:
    """The snippet without Markdown marks and line breaks, its highlights moved along with the text."""
    text = snippet.text
    keep = [True] * len(text)
    for match in _NOISE.finditer(text):
        for i in range(match.start(), match.end()):
            keep[i] = False
    out: list[str] = []
    new_index = [0] * (len(text) + 1)
    for i, char in enumerate(text):
        new_index[i] = len(out)
        if not keep[i]:
            continue
        if char in "\r\n\t":
            char = " "
        if char == " " and out and out[-1] == " ":
            continue
        out.append(char)
    new_index[len(text)] = len(out)
    highlights = []
    for start, end in snippet.highlights:
        a, b = new_index[start], new_index[end]
        if b > a:
            highlights.append((a, b))
    return Snippet("".join(out), highlights)


def highlighted(snippet: Snippet) -> Markup:
    """A plain snippet with the query's words in <mark>; every piece escaped."""
    snippet = plain_snippet(snippet)
    parts: list[str] = []
    cursor = 0
    for start, end in snippet.highlights:
        if start < cursor:
            continue
        parts.append(str(escape(snippet.text[cursor:start])))
        parts.append(f'<mark class="utrecht-mark">{escape(snippet.text[start:end])}</mark>')
        cursor = end
    parts.append(str(escape(snippet.text[cursor:])))
    return Markup("".join(parts))  # noqa: S704 - every piece is escaped above

"""Writing Atom 1.0 feeds (RFC 4287): one writer for every feed nethealth serves.

The caller gives plain values; this module only lays out the elements RFC 4287 requires
(feed: id, title, updated, author; entry: id, title, updated) and the optional ones given.
Timestamps are RFC 3339 strings (`2026-06-01T10:05:00Z`).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field

ATOM_NS = "http://www.w3.org/2005/Atom"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"


@dataclass(frozen=True)
class Link:
    href: str
    rel: str = "alternate"
    type: str | None = None


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    updated: str
    summary: str | None = None
    published: str | None = None
    links: Sequence[Link] = ()
    categories: Sequence[str] = ()


@dataclass(frozen=True)
class Feed:
    id: str
    title: str
    updated: str
    entries: Sequence[Entry]
    subtitle: str | None = None
    links: Sequence[Link] = field(default_factory=tuple)
    author: str = "nethealth"
    generator: str = "nethealth"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _link(parent: ET.Element, link: Link) -> None:
    attrs = {"rel": link.rel, "href": link.href}
    if link.type:
        attrs["type"] = link.type
    _sub(parent, "link", **attrs)


def render(feed: Feed) -> bytes:
    """The feed document, UTF-8 with an XML declaration."""
    root = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(root, "id", feed.id)
    _sub(root, "title", feed.title)
    if feed.subtitle:
        _sub(root, "subtitle", feed.subtitle)
    _sub(root, "updated", feed.updated)
    for link in feed.links:
        _link(root, link)
    author = _sub(root, "author")
    _sub(author, "name", feed.author)
    _sub(root, "generator", feed.generator)
    for e in feed.entries:
        entry = _sub(root, "entry")
        _sub(entry, "id", e.id)
        _sub(entry, "title", e.title)
        _sub(entry, "updated", e.updated)
        if e.published:
            _sub(entry, "published", e.published)
        for link in e.links:
            _link(entry, link)
        for term in e.categories:
            _sub(entry, "category", term=term)
        if e.summary is not None:
            _sub(entry, "summary", e.summary, type="text")
    ET.register_namespace("", ATOM_NS)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data

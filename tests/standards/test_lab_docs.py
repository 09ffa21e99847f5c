"""docs/lab.md quotes the lab's real configuration: each `<!-- lab:NAME -->` block is what the
templates render (`doc_blocks`), its domains table is the lab's plan, and every check's link
from a scan report lands on a section that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from nethealth.standards.checks import REGISTRY
from nethealth.standards.lab.plan import DOMAINS, LAB_DOCS, Plan, config_link, fails
from nethealth.standards.lab.templates import doc_blocks
from scripts import lab_docs

DOC = Path(__file__).resolve().parents[2] / "docs" / "lab.md"
BLOCK = re.compile(r"<!-- lab:([a-z0-9-]+) -->\n```[a-z]*\n(.*?)```", re.DOTALL)


def _slug(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^a-z0-9 -]", "", heading.strip().lower()).replace(" ", "-")


def test_every_quoted_block_is_what_the_templates_render() -> None:
    quoted = dict(BLOCK.findall(DOC.read_text()))
    expected = doc_blocks()
    assert set(quoted) == set(expected)
    for name, text in expected.items():
        assert quoted[name] == text, (
            f"docs/lab.md block {name!r} differs (run scripts/lab_docs.py); it should read:\n{text}"
        )


def test_the_rewriting_script_keeps_the_doc_as_committed() -> None:
    """scripts/lab_docs.py renders the committed docs/lab.md unchanged, and puts back a block
    and a table row someone edited by hand."""
    committed = DOC.read_text()
    assert lab_docs.rendered(committed) == committed
    edited = committed.replace("ssl_session_tickets off;", "ssl_session_tickets on;", 1)
    edited = edited.replace("| no-spf.lab | `mail-spf` |", "| no-spf.lab | `mail-dmarc` |")
    assert edited != committed and lab_docs.rendered(edited) == committed


def test_the_domains_table_is_the_plan() -> None:
    rows = re.findall(r"^\| ([a-z0-9.-]+\.lab) \| (.*?) \|", DOC.read_text(), re.MULTILINE)
    shown = {name: re.findall(r"`([a-z0-9-]+)`", cell) for name, cell in rows}
    assert shown == {d.name: fails(d, Plan("netns")) for d in DOMAINS}
    assert shown["ideal.lab"] == []


@pytest.mark.parametrize("check", [c.id for c in REGISTRY])
def test_every_check_links_to_a_section_of_the_lab_docs(check: str) -> None:
    anchors = {_slug(h) for h in re.findall(r"^#+ (.+)$", DOC.read_text(), re.MULTILINE)}
    base, _, anchor = config_link(check).partition("#")
    assert base == LAB_DOCS
    assert anchor in anchors

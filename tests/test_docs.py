"""The docs a newcomer reads: every relative link and image of the README and docs/ leads
somewhere, and the configuration page says what the code declares and reads."""
from __future__ import annotations

import importlib.util
import pathlib
import re
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# [text](target) and ![alt](target), the target up to a space (an optional "title") or ")".
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", re.MULTILINE | re.DOTALL)


def _anchors(page: pathlib.Path) -> set[str]:
    """The ids GitHub gives a page's headings: lower case, punctuation dropped, spaces as dashes."""
    text = FENCE.sub("", page.read_text(encoding="utf-8"))
    anchors = set()
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower().replace("`", "")).replace(" ", "-")
        anchors.add(slug)
    return anchors


def _links(page: pathlib.Path) -> list[str]:
    return LINK.findall(FENCE.sub("", page.read_text(encoding="utf-8")))


def test_the_pattern_finds_links_images_and_anchors(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# A `vdk run`, step\n[a](b.md#c) ![x](shots/y.png \"title\") [w](https://e.org)\n"
                    "```\n[not](a-link.md)\n```\n")
    assert _links(page) == ["b.md#c", "shots/y.png", "https://e.org"]
    assert _anchors(page) == {"a-vdk-run-step"}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_relative_link_and_image_resolves(page):
    broken = []
    for target in _links(page):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # https:, mailto: ...: not this repository's
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target} (no {resolved.relative_to(ROOT) if ROOT in resolved.parents else resolved})")
        elif anchor and resolved.suffix == ".md" and anchor not in _anchors(resolved):
            broken.append(f"{target} (no heading #{anchor} in {resolved.relative_to(ROOT)})")
    assert broken == [], f"{page.relative_to(ROOT)}: broken links: {broken}"


def test_every_screenshot_is_shown_in_the_docs():
    shown = {(page.parent / target).resolve() for page in PAGES for target in _links(page)}
    unused = [p.name for p in sorted((ROOT / "docs/screenshots").glob("*.png")) if p.resolve() not in shown]
    assert unused == []


def test_the_configuration_page_is_what_the_code_declares_and_reads():
    spec = importlib.util.spec_from_file_location("configuration_doc", ROOT / "scripts/configuration_doc.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    expected = generator.render()
    assert (ROOT / "docs/configuration.md").read_text(encoding="utf-8") == expected, (
        "docs/configuration.md differs from the code: run python scripts/configuration_doc.py")
    # The page lists every option `vdk config-help` shows for the plugin, through the real vdk.
    shown = subprocess.run([str(pathlib.Path(sys.executable).parent / "vdk"), "config-help"],
                           capture_output=True, text=True, timeout=120)
    assert shown.returncode == 0, shown.stderr
    declared = set(re.findall(r"\b(NOTEBOOK_[A-Z_]+)\b", shown.stdout.upper()))
    assert declared and declared == set(re.findall(r"^\| `(NOTEBOOK_[A-Z_]+)`", expected, re.MULTILINE))


def test_the_configuration_page_names_what_it_lacks(monkeypatch):
    """A variable the code reads without a description stops the generator, naming it."""
    spec = importlib.util.spec_from_file_location("configuration_doc", ROOT / "scripts/configuration_doc.py")
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    monkeypatch.delitem(generator.ENVIRONMENT, "SHELL")
    with pytest.raises(SystemExit, match="reads SHELL without a description"):
        generator.render()

#!/usr/bin/env python3
"""Write each addon's README.rst from its manifest and readme/ fragments
(DESCRIPTION, CONFIGURE, USAGE), as OCA's readme generator does:

    python3 docs/readme_rst.py

The fragments are Markdown of a small kind (paragraphs, bullet lists,
**bold**, *italic*, `code`, links and images); images point at the
addon's static/description on GitHub, where the Odoo Apps store finds
them."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RAW = "https://raw.githubusercontent.com/crm-ecommerce/crm-ecommerce/18.0/addons/{addon}/"
SECTIONS = (
    ("DESCRIPTION.md", "Description"),
    ("CONFIGURE.md", "Configuration"),
    ("USAGE.md", "Usage"),
)


def inline(text):
    text = re.sub(r"(?<!`)`([^`]+)`(?!`)", r"``\1``", text)
    return re.sub(r"\[([^\]]+)\]\(([^)]+)\)", r"`\1 <\2>`_", text)


def convert(markdown, addon):
    """Markdown fragment -> reStructuredText: nested lists get the blank
    lines reStructuredText needs around them, images become directives."""
    out = []
    previous_indent = None
    for line in markdown.splitlines():
        image = re.fullmatch(r"!\[([^\]]*)\]\(\.\./([^)]+)\)", line.strip())
        if image:
            out += [
                "",
                f".. image:: {RAW.format(addon=addon)}{image.group(2)}",
                f"   :alt: {image.group(1)}",
                "",
            ]
            continue
        bullet = re.match(r"^(\s*)[*-] ", line)
        if bullet:
            indent = len(bullet.group(1))
            if previous_indent is not None and indent != previous_indent and out and out[-1]:
                out.append("")
            previous_indent = indent
        elif not line.strip():
            previous_indent = None
        out.append(inline(line))
    return "\n".join(out).strip() + "\n"


def render(addon_dir):
    """The README.rst an addon's manifest and fragments make."""
    manifest = ast.literal_eval((addon_dir / "__manifest__.py").read_text())
    title = manifest["name"]
    parts = [title, "=" * len(title), "", manifest["summary"], ""]
    for fragment, heading in SECTIONS:
        path = addon_dir / "readme" / fragment
        if path.exists():
            parts += [heading, "-" * len(heading), "", convert(path.read_text(), addon_dir.name)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(parts))


def write(addon_dir):
    (addon_dir / "README.rst").write_text(render(addon_dir))


if __name__ == "__main__":
    for manifest in sorted((ROOT / "addons").glob("*/__manifest__.py")):
        write(manifest.parent)

"""Lesson prose: one markdown file per lesson and language, cut into named parts.

`assets/lessons/<lang>/<slug>.md` starts with `# Title`; each part follows a marker line
`<!-- name -->`: the stages (`why`, `predict`, `play`, `saw`, `code`) and, per question, its
prompt `check:<id>` and the explanation of a wrong answer `why:<id>`. Numbers never live in the
prose: it names them as `$placeholders`, which `fill` replaces with what torch computed, so both
languages show the same numbers.

>>> parts = parse("# T\\n<!-- why -->\\nA *tensor*.\\n<!-- saw -->\\nShape $shape.\\n")
>>> parts["title"], parts["why"], fill(parts["saw"], {"shape": "(3, 4)"})
('T', 'A *tensor*.', 'Shape (3, 4).')
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from string import Template

__all__ = ["LANGS", "PROSE_DIR", "fill", "load", "parse", "placeholders"]

LANGS = ("en", "zh")
PROSE_DIR = Path(__file__).resolve().parents[2] / "assets" / "lessons"
_MARKER = re.compile(r"^<!--\s*([\w:]+)\s*-->\s*$", re.M)
_TITLE = re.compile(r"\A#\s+(.+)$", re.M)


def parse(text: str) -> dict[str, str]:
    """The parts of one lesson file, by name, plus its `title`."""
    title = _TITLE.search(text.lstrip())
    parts = {"title": title.group(1).strip() if title else ""}
    pieces = _MARKER.split(text)
    for name, body in zip(pieces[1::2], pieces[2::2], strict=True):
        if name in parts:
            raise ValueError(f"part <!-- {name} --> appears twice")
        parts[name] = body.strip()
    return parts


@cache
def load(lang: str, slug: str, root: Path = PROSE_DIR) -> dict[str, str]:
    """The parts of lesson `slug` in `lang` (one of LANGS)."""
    if lang not in LANGS:
        raise ValueError(f"no lessons in {lang!r}; there are {', '.join(LANGS)}")
    return parse((root / lang / f"{slug}.md").read_text(encoding="utf-8"))


def fill(text: str, numbers: Mapping[str, object]) -> str:
    """`text` with each `$name` replaced by `numbers[name]` (unknown names stay as they are)."""
    return Template(text).safe_substitute({k: str(v) for k, v in numbers.items()})


def placeholders(text: str) -> set[str]:
    """The `$names` that `text` expects to be filled."""
    return {m.group("named") or m.group("braced") for m in Template.pattern.finditer(text)
            if m.group("named") or m.group("braced")}  # fmt: skip

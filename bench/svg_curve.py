"""A line chart as a small SVG file, with no plotting library: bench/load.py's memory curve."""

from __future__ import annotations

from pathlib import Path

W, H = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 80, 24, 40, 52  # room for the tick labels and the axis titles


def _ticks(high: float, count: int = 5) -> list[float]:
    step = max(high / count, 1e-9)
    magnitude = 10 ** len(str(int(step))) / 10 if step >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= step)
    return [i * step for i in range(int(high // step) + 2)]


def write_svg(path: Path, points: list[tuple[float, float]], title: str, x_label: str,
              y_label: str, marks: list[tuple[float, str]] = ()) -> None:  # fmt: skip
    """`points` (x, y) as a line, y from 0; `marks`: vertical lines with a label at x."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    x0, x1 = min(xs), max(xs) or 1
    y_ticks = _ticks(max(ys) * 1.05)
    top = y_ticks[-1]

    def sx(x: float) -> float:
        return LEFT + (x - x0) / ((x1 - x0) or 1) * (W - LEFT - RIGHT)

    def sy(y: float) -> float:
        return H - BOTTOM - y / top * (H - TOP - BOTTOM)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" '
             f'font-family="sans-serif" font-size="12"><rect width="100%" height="100%" fill="white"/>',
             f'<text x="{W / 2}" y="20" text-anchor="middle" font-size="14">{title}</text>',
             f'<text x="{W / 2}" y="{H - 8}" text-anchor="middle">{x_label}</text>',
             f'<text x="16" y="{H / 2}" transform="rotate(-90 16 {H / 2})" '
             f'text-anchor="middle">{y_label}</text>']  # fmt: skip
    for t in y_ticks:
        parts.append(f'<line x1="{LEFT}" x2="{W - RIGHT}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" '
                     f'stroke="#ddd"/><text x="{LEFT - 6}" y="{sy(t) + 4:.1f}" '
                     f'text-anchor="end">{t:g}</text>')  # fmt: skip
    for t in _ticks(x1 - x0, 8):
        if x0 + t <= x1:
            parts.append(f'<text x="{sx(x0 + t):.1f}" y="{H - BOTTOM + 16}" '
                         f'text-anchor="middle">{t:g}</text>')  # fmt: skip
    for x, label in marks:
        parts.append(f'<line x1="{sx(x):.1f}" x2="{sx(x):.1f}" y1="{TOP}" y2="{H - BOTTOM}" '
                     f'stroke="#999" stroke-dasharray="4 3"/><text x="{sx(x) + 4:.1f}" '
                     f'y="{H - BOTTOM - 8}">{label}</text>')  # fmt: skip
    line = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in points)
    parts.append(f'<polyline points="{line}" fill="none" stroke="#1f77b4" stroke-width="2"/>')
    parts.append("</svg>")
    Path(path).write_text("\n".join(parts))

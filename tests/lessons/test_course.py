"""The course's content: both languages complete and alike, every answer torch's, every number
in the prose computed, every code block true as printed."""

from __future__ import annotations

import contextlib
import io
import re
import subprocess
import sys

import pytest
import torch

from graphlab.lessons import LESSONS, STAGES, lesson, lesson_graph, lesson_tensors
from graphlab.lessons.checks import grade
from graphlab.lessons.prose import LANGS, PROSE_DIR, load, placeholders

SLUGS = [x.slug for x in LESSONS]
CODE = re.compile(r"```python\n(.*?)```", re.S)


@pytest.mark.parametrize("slug", SLUGS)
def test_both_languages_have_the_same_parts_and_placeholders(slug):
    en, zh = (load(lang, slug) for lang in LANGS)
    assert set(en) == set(zh)
    item = lesson(slug)
    wanted = {"title", *(s for s in STAGES if s != "check"), "why:predict"}
    wanted |= {f"{p}:{q.id}" for q in item.questions for p in ("check", "why")}
    assert wanted <= set(en), wanted - set(en)
    for part in en:
        assert en[part].strip() and zh[part].strip(), part
        assert placeholders(en[part]) == placeholders(zh[part]), part
    assert re.search(r"[\u4e00-\u9fff]", zh["title"]) and zh["title"] != en["title"]


@pytest.mark.parametrize("slug", SLUGS)
def test_every_answer_is_one_of_the_options_and_grades_right(slug):
    item = lesson(slug)
    for q in (item.predict, *item.questions):
        answer = q.answer()
        assert q.numeric or answer in q.options, (q.id, answer)
        assert grade(q, answer).ok
        wrong = "999" if q.numeric else next(o for o in q.options if o != answer)
        assert not grade(q, wrong).ok


def test_tensor_answers_match_torch_computed_another_way():
    answers = {q.id: q.answer() for q in lesson("tensors").questions}
    assert answers["broadcast"] == str(tuple(torch.broadcast_shapes((5, 1, 4), (3, 1))))
    with pytest.raises(RuntimeError):
        torch.broadcast_shapes((2, 3), (2,))
    assert answers["refused"] == "error"
    assert answers["promotion"] == str(
        torch.result_type(torch.tensor([1, 2]), torch.tensor([0.5]))
    ).removeprefix("torch.")
    assert lesson("tensors").predict.answer() == str(tuple(torch.broadcast_shapes((3, 1), (4,))))


def test_broadcast_table_lines_shapes_up_from_the_right():
    for a, b in [((3, 1), (4,)), ((5, 1, 4), (3, 1)), ((2,), (7, 1, 2)), ((), (2, 3))]:
        result = lesson_tensors.broadcast(", ".join(map(str, a)), ", ".join(map(str, b)))
        want = tuple(torch.broadcast_shapes(a, b))
        assert result.result == lesson_tensors.shape_text(want)
        (_, row_a), (_, row_b), (_, row_sum) = result.rows
        assert len(row_a) == len(row_b) == len(row_sum) == len(want)
        assert [c for c in row_a if c] == [str(d) for d in a]
        assert row_sum == [str(d) for d in want]


@pytest.mark.parametrize("text", ["3, x", "1, 2, 3, 4, 5, 6, 7", "100000", "-1"])
def test_a_bad_shape_is_refused_with_the_reason(text):
    with pytest.raises(ValueError):
        lesson_tensors.parse_shape(text)


def test_graph_answers_match_torch():
    x = torch.tensor(2.0, requires_grad=True)
    h = x * 3
    (h**2).backward()
    assert lesson_graph.grads_after_backward() == ["x"] and x.grad is not None
    assert lesson_graph.grads_after_backward(retain=True) == ["x", "h"]
    answers = {q.id: q.answer() for q in lesson("graph").questions}
    w = torch.ones(2, requires_grad=True)
    (w * 3).sum().backward()
    assert float(answers["grad"]) == w.grad[0].item() == 3.0
    assert answers == {"leaf": "False", "grad": "3.0", "detach": "False"}


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("lang", LANGS)
def test_code_blocks_print_what_their_comments_say(slug, lang, tmp_path):
    (code,) = CODE.findall(load(lang, slug)["code"])
    printed = _run(code, f"{lang}/{slug}.md", tmp_path).splitlines()
    calls = [line for line in code.splitlines() if line.strip().startswith("print(")]
    assert len(calls) == len(printed)
    for line, shown in zip(calls, printed, strict=True):
        if "#" in line:
            assert shown == line.split("#", 1)[1].strip(), (line, shown)


def _run(code: str, name: str, folder) -> str:
    """What our own lesson's code block prints, run as a script runs. One that starts processes
    runs as a file in a fresh interpreter (its children import the functions from it)."""
    if "mp.spawn" in code:
        script = folder / "lesson.py"
        script.write_text(code)
        done = subprocess.run([sys.executable, str(script)], cwd=folder, capture_output=True,
                              text=True, timeout=240)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        # torch.jit.trace needs a module name for the functions it traces.
        exec(compile(code, name, "exec"), {"__name__": "__main__"})
    return out.getvalue()


def test_every_lesson_file_exists_in_both_languages():
    en, zh = ({p.name for p in (PROSE_DIR / lang).glob("*.md")} for lang in LANGS)
    assert en == zh and en >= {f"{slug}.md" for slug in SLUGS}

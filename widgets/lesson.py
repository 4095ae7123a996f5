"""The lesson page: one lesson's stages in order, its questions graded, and the course list.

The place is the address: `?lesson=<slug>&step=<1..6>` (and `&lang=` from the language switch),
so a link resumes or shares it. Progress is per session: a lesson is started once opened and
done once every question was answered right.
"""

from __future__ import annotations

import streamlit as st

from graphlab.lessons import LESSONS, STAGES, Lesson, lesson
from graphlab.lessons.checks import Question, grade
from graphlab.lessons.prose import fill, load
from widgets.expression import escape_markdown
from widgets.i18n import N_, _, language
from widgets.lesson_play import PLAYS

PROGRESS = "course_progress"  # slug -> set of question ids answered right
_PREDICTED = "course_predicted"  # slug -> the option predicted
STAGE_NAMES = {
    "why": N_("Why"),
    "predict": N_("Predict"),
    "play": N_("Play"),
    "saw": N_("What you saw"),
    "check": N_("Check"),
    "code": N_("Plain PyTorch"),
}


def place() -> tuple[Lesson, int]:
    """The lesson and stage (0-based) the address names; the first of each when it names none
    (or something that is not there)."""
    try:
        current = lesson(str(st.query_params.get("lesson", LESSONS[0].slug)))
    except KeyError:
        current = LESSONS[0]
    try:
        stage = min(max(int(st.query_params.get("step", 1)) - 1, 0), len(STAGES) - 1)
    except ValueError:
        stage = 0
    return current, stage


def go(slug: str, stage: int) -> None:
    st.query_params["lesson"] = slug
    st.query_params["step"] = str(stage + 1)


def mark(slug: str) -> str:
    """✓ done, ● started, ○ not yet: this session's progress in lesson `slug`."""
    right = st.session_state.get(PROGRESS, {}).get(slug)
    if right is None:
        return "○"
    return "✓" if len(right) >= len(lesson(slug).questions) else "●"


def show(current: Lesson, stage: int) -> None:
    """One stage of `current`, with the stage bar above it and Back / Next below."""
    st.session_state.setdefault(PROGRESS, {}).setdefault(current.slug, set())
    parts = load(language(), current.slug)
    number = [x.slug for x in LESSONS].index(current.slug) + 1
    st.title(_("Lesson {n}: {title}").format(n=number, title=parts["title"]))
    names = [_(STAGE_NAMES[s]) for s in STAGES]
    chosen = st.segmented_control(
        _("Stage"), range(len(STAGES)), default=stage, format_func=names.__getitem__,
        key=f"course_stage_{current.slug}_{stage}", label_visibility="collapsed",
    )  # fmt: skip
    if chosen is not None and chosen != stage:
        go(current.slug, chosen)
        st.rerun()
    getattr(_Stages, STAGES[stage])(current, parts)
    _footer(current, stage)


class _Stages:
    """One function per stage, named as in STAGES."""

    @staticmethod
    def why(current: Lesson, parts: dict) -> None:
        st.markdown(parts["why"])

    @staticmethod
    def predict(current: Lesson, parts: dict) -> None:
        st.markdown(parts["predict"])
        predicted = st.session_state.setdefault(_PREDICTED, {})
        choice = st.radio(_("Your prediction"), current.predict.options, index=None,
                          key=f"course_predict_{current.slug}")  # fmt: skip
        if choice is not None:
            predicted[current.slug] = choice
            st.info(_("Noted: {choice}. Now run it in Play.").format(choice=choice))

    @staticmethod
    def play(current: Lesson, parts: dict) -> None:
        st.markdown(parts["play"])
        PLAYS[current.widget]()

    @staticmethod
    def saw(current: Lesson, parts: dict) -> None:
        numbers = PLAYS[current.widget](state_only=True)
        st.markdown(fill(parts["saw"], numbers))
        given = st.session_state.get(_PREDICTED, {}).get(current.slug)
        if given is None:
            st.caption(_("You made no prediction; go back to Predict to make one."))
            return
        _verdict(current.predict, given, parts)

    @staticmethod
    def check(current: Lesson, parts: dict) -> None:
        for q in current.questions:
            key = f"course_{current.slug}_{q.id}"
            box = st.container(key=f"{key}_box")  # one question, its answer and its verdict
            box.markdown(parts[f"check:{q.id}"])
            if q.numeric:
                given = box.text_input(_("Your answer"), key=key, max_chars=30)
            else:
                given = box.radio(_("Your answer"), q.options, index=None, key=key, horizontal=True)
            # A callback, not the button's return value: a click that lands while another
            # answer's rerun is under way is still counted.
            box.button(_("Check"), key=f"{key}_check", disabled=not given,
                       on_click=_grade_later, args=(key,))  # fmt: skip
            graded = st.session_state.get(f"{key}_graded")
            if graded is not None and graded == given:
                with box:
                    if _verdict(q, given, parts):
                        st.session_state[PROGRESS][current.slug].add(q.id)
            st.divider()

    @staticmethod
    def code(current: Lesson, parts: dict) -> None:
        st.markdown(parts["code"])


def _grade_later(key: str) -> None:
    st.session_state[f"{key}_graded"] = st.session_state.get(key)


def _verdict(question: Question, given: object, parts: dict) -> bool:
    result = grade(question, given)
    if result.ok:
        st.success(_("Right: torch says {expected}.").format(expected=result.expected))
    else:
        why = fill(parts[f"why:{question.id}"], {"expected": result.expected,
                                                  "given": _literal(question, given)})  # fmt: skip
        st.error(_("Not quite.") + " " + why)
    return result.ok


def _literal(question: Question, given: object) -> str:
    """The answer as markdown: an option or a number as it is, anything else the visitor typed
    escaped (so it shows literally, never as a link)."""
    text = str(given)
    if given in (question.options or ()):
        return text
    try:
        float(text)
    except ValueError:
        return escape_markdown(text)
    return text


def _footer(current: Lesson, stage: int) -> None:
    back, ahead = st.columns(2)
    index = [x.slug for x in LESSONS].index(current.slug)
    if stage > 0 and back.button(_("Back"), icon=":material/arrow_back:", key="course_back"):
        go(current.slug, stage - 1)
        st.rerun()
    if stage < len(STAGES) - 1:
        if ahead.button(_("Next"), icon=":material/arrow_forward:", type="primary",
                        key="course_next"):  # fmt: skip
            go(current.slug, stage + 1)
            st.rerun()
    elif index + 1 < len(LESSONS):
        if ahead.button(_("Next lesson"), icon=":material/arrow_forward:", type="primary",
                        key="course_next_lesson"):  # fmt: skip
            go(LESSONS[index + 1].slug, 0)
            st.rerun()
    else:
        ahead.success(_("That was the last lesson so far."))


def lesson_links(page) -> None:
    """The course (in the sidebar container the app gives): every lesson in order, with this
    session's progress mark."""
    st.caption(_("Course"))
    for number, item in enumerate(LESSONS, start=1):
        title = load(language(), item.slug)["title"]
        st.page_link(page, label=f"{mark(item.slug)} {number}. {title}",
                     query_params={"lesson": item.slug, "step": "1"})  # fmt: skip

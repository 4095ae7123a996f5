"""Model Graph's first view: the largest summary whose layout fits the view across."""

from __future__ import annotations

import re

import pytest

from graphlab import models
from graphlab.core.summary import summarize
from graphlab.models.builtins import BUILTINS
from graphlab.render import cluster_paths, fit_budget, to_dot
from graphlab.render.fit import BUDGETS, SLACK, layout_size

OPTIONS = {"modules": True, "show_saved": False, "show_shapes": True, "legend": False}
NODE = re.compile(r'^\s*"(?:[^"\\]|\\.)*" \[label=', re.M)


def _graph(name: str):
    return models.graph(models.spec_of(name)).without({"saved"})


def test_the_largest_budget_that_fits_wins_by_a_measure_of_our_own():
    graph = _graph("resnet")

    def measure(dot: str) -> tuple[float, float]:  # 20 pt per node: a stand-in for Graphviz
        return 20.0 * len(NODE.findall(dot)), 100.0

    for width in (150, 400, 1200, 5000):
        chosen = fit_budget(graph, width, measure=measure, **OPTIONS)
        fits = [b for b in BUDGETS if 20 * len(summarize(graph, b).nodes) <= SLACK * width]
        assert chosen == (fits[0] if fits else BUDGETS[-1])


@pytest.mark.parametrize("name", list(BUILTINS))
def test_every_builtin_fits_a_desktop_view_across_or_is_as_small_as_it_gets(name):
    graph = _graph(name)
    budget = fit_budget(graph, 680, **OPTIONS)
    width, _ = layout_size(to_dot(summarize(graph, budget), **OPTIONS))
    assert width <= SLACK * 680 or budget == BUDGETS[-1]
    if budget != BUDGETS[0]:  # nothing larger would have fitted
        larger = BUDGETS[BUDGETS.index(budget) - 1]
        shown = summarize(graph, larger)
        assert len(shown.nodes) == len(summarize(graph, budget).nodes) or (
            layout_size(to_dot(shown, **OPTIONS))[0] > SLACK * 680
        )


def test_a_narrower_view_never_gets_a_bigger_picture():
    graph = _graph("transformer")
    budgets = [fit_budget(graph, w, **OPTIONS) for w in (2000, 1000, 680, 390)]
    assert budgets == sorted(budgets, reverse=True) and budgets[0] > budgets[-1]


def test_cluster_names_lead_to_the_module_each_frame_holds():
    graph = summarize(_graph("resnet"), 100)
    dot = to_dot(graph, **OPTIONS)
    titles = dict(re.findall(r'subgraph (cluster_\d+) \{ label="([^"]*)"', dot))
    paths = cluster_paths(graph)
    assert paths and set(paths) == set(titles)
    for name, path in paths.items():
        assert titles[name].split(" · ")[0] == path

"""The Model Graph page never builds a visitor's model in the server: a worker plans, builds and
captures it (issue 15, reproduction 4). The answers are kept for every visitor, bounded; a
refusal (a full pool) is said and not kept."""

from __future__ import annotations

import json

import pytest

from graphlab.models import builder
from graphlab.worker import failure
from graphlab.worker.model_graph import model_request
from tests.app.pages import open_page, the_dot
from widgets import model_source, worker_wait

PAGE = "app_pages/model_graph.py"
GRU = {"input": [2, 5, 3], "layers": [{"type": "gru", "hidden_size": 4, "sequence": True}]}


@pytest.fixture()
def no_build_here(monkeypatch):
    """Planning or building a model in this process fails the test."""

    def reached(*args, **kwargs):
        raise AssertionError("the server built a visitor's model")

    for name in ("plan", "build", "graph", "_dry_run"):
        monkeypatch.setattr(builder, name, reached)
    model_source.SHARED.clear()


@pytest.fixture()
def asked(monkeypatch) -> list[str]:
    """The sources sent to the pool, in order."""
    sent: list[str] = []
    real = worker_wait.run

    def run(source, *args, **kwargs):
        sent.append(source)
        return real(source, *args, **kwargs)

    monkeypatch.setattr(worker_wait, "run", run)
    return sent


def test_a_typed_spec_is_planned_and_drawn_by_a_worker_once(no_build_here, asked):
    at = open_page(PAGE)
    at.text_area(key="mg_spec").input(json.dumps(GRU)).run()
    assert not at.exception and not at.error
    dot = the_dot(at)
    assert "subgraph cluster_" in dot and '[label="(2, 4)"]' in dot  # the cell's hidden state
    assert model_request(GRU, "captured") in asked
    rows = at.table[0].value
    assert list(rows.iloc[:, -1]) == ["[2, 5, 4]"]  # the worker's plan, in the layer table
    sent = len(asked)
    again = open_page(PAGE)  # another visitor, the same spec: kept, not built again
    again.text_area(key="mg_spec").input(json.dumps(GRU)).run()
    assert the_dot(again) == the_dot(at) and model_request(GRU, "captured") not in asked[sent:]


def test_a_bad_spec_is_said_from_the_workers_spec_error(no_build_here):
    at = open_page(PAGE)
    spec = {"input": [2, 4], "layers": [{"type": "linear"}]}
    at.text_area(key="mg_spec").input(json.dumps(spec)).run()
    (error,) = at.error
    said = error.value.replace("\\", "")
    assert "layer 1 (linear): `out_features` is required" in said


def test_a_full_pool_is_said_and_not_kept(monkeypatch):
    model_source.SHARED.clear()
    busy = failure("the sandbox is busy; try again in a moment", busy=True)
    monkeypatch.setattr(worker_wait, "run", lambda *args, **kwargs: busy)
    at = open_page(PAGE)
    assert "the sandbox is busy" in at.error[0].value and not at.exception
    assert len(model_source.SHARED) == 0
    monkeypatch.undo()
    at.run()
    assert not at.error and "ConvolutionBackward0" in the_dot(at)

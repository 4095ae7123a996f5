"""`python -m graphlab model NAME --max-nodes 300 -o out.svg`: a model's graph, summarized.

NAME is a model of the registry (`graphlab.models.BUILTINS`, listed by `--help`; its trainable
ones are the very networks `python -m graphlab train --model NAME` trains) or a JSON spec file.
The graph is grouped by module and summarized to `--max-nodes` visible nodes.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from graphlab.core.summary import MAX_NODES, summarize
from graphlab.models import builder as models

from .output import write_graph

__all__ = ["add_model_parser", "run_model"]


def add_model_parser(subparsers) -> argparse.ArgumentParser:
    """Add the `model` command to an `argparse` sub-parser collection."""
    names = "\n".join(f"  {b.name:<14} {b.title}" for b in models.BUILTINS.values())
    parser = subparsers.add_parser(
        "model",
        help="draw a built-in model (or a JSON spec), summarized to a node budget",
        epilog=f"built-in models:\n{names}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="NAME", help="built-in model name or spec.json")
    parser.add_argument("-o", "--output", help="out.svg | out.dot | out.json (default: DOT)")
    parser.add_argument(
        "--max-nodes", type=int, default=MAX_NODES, help="visible node budget (0: no limit)"
    )
    parser.add_argument(
        "--expand", action="append", default=None, metavar="MODULE", help="open this module"
    )
    parser.add_argument(
        "--depth", type=int, default=None, help="keep modules this deep or deeper closed"
    )
    parser.add_argument("--roll", action="store_true", help="all calls of a module as one box")
    parser.add_argument("--rankdir", default="TB", choices=["TB", "BT", "LR", "RL"])
    parser.add_argument("--saved", action="store_true", help="show saved tensors")
    parser.add_argument("--no-shapes", action="store_true", help="no shapes on edges")
    parser.add_argument("--eval", action="store_true", help="run the model in eval mode")
    parser.set_defaults(run=run_model)
    return parser


def run_model(args: argparse.Namespace) -> int:
    try:
        spec = _spec(args.name)
        start = time.perf_counter()
        graph = models.graph(spec, models.UNLIMITED, train=not args.eval)
    except (models.SpecError, OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    full = len(graph.nodes)
    if not args.saved:
        graph = graph.without({"saved"})
    small = summarize(graph, args.max_nodes or None, args.expand, depth=args.depth, roll=args.roll)
    options = {"rankdir": args.rankdir, "show_saved": args.saved, "show_shapes": not args.no_shapes}
    note = small.meta.get("summary") or f"{len(small.nodes):,} nodes"
    code = write_graph(args.output, small, {**options, "modules": True})
    if args.output is None:
        print(note, file=sys.stderr)  # stdout holds the DOT
    if code or args.output is None:
        return code
    seconds = time.perf_counter() - start
    print(f"wrote {args.output}: {full:,} captured nodes; {note} ({seconds:.2f} s)")
    return 0


def _spec(name: str) -> dict:
    if name in models.BUILTINS:
        return models.spec_of(name)
    path = Path(name)
    if path.suffix.lower() == ".json" and path.is_file():
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as err:
            raise ValueError(f"{name} is not valid JSON: {err}") from None
    raise ValueError(
        f"unknown model {name!r}; use one of {', '.join(models.BUILTINS)} or a .json spec"
    )

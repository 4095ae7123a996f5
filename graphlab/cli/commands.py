"""Command line: `python -m graphlab demo|model|train ...` (see --help)."""

from __future__ import annotations

import argparse

from graphlab.lessons import gallery as examples

from .model import add_model_parser
from .output import write_graph
from .train import add_train_parser


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 0
    return args.run(args)


def _parser() -> argparse.ArgumentParser:
    demos = "\n".join(f"  {ex.name:<16} {ex.title}" for ex in examples.EXAMPLES.values())
    parser = argparse.ArgumentParser(
        prog="python -m graphlab",
        description="Draw PyTorch autograd graphs.",
        epilog=f"built-in demos:\n{demos}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(title="commands")
    demo = sub.add_parser(
        "demo",
        help="render a built-in example",
        epilog=f"demos:\n{demos}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    demo.add_argument("name", choices=list(examples.EXAMPLES), metavar="NAME", help="demo name")
    demo.add_argument(
        "-o", "--output", help="out.svg | out.dot | out.json (default: DOT on stdout)"
    )
    demo.add_argument("--rankdir", default="TB", choices=["TB", "BT", "LR", "RL"])
    demo.add_argument("--no-saved", action="store_true", help="hide saved tensors")
    demo.set_defaults(run=_run_demo)
    add_model_parser(sub)
    add_train_parser(sub)
    return parser


def _run_demo(args: argparse.Namespace) -> int:
    graph = examples.graph(args.name)
    options = {"rankdir": args.rankdir, "show_saved": not args.no_saved}
    code = write_graph(args.output, graph, options)
    if code or args.output is None:
        return code
    print(f"wrote {args.output} ({len(graph.nodes)} nodes, {len(graph.edges)} edges)")
    return 0

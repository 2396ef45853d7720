"""``python -m autograder``: the instructor's commands."""

import argparse
import sys

from . import release


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    releasing = commands.add_parser(
        "release",
        help="regenerate assignments/ (and the generated student packages in solutions/) from solutions/",
    )
    releasing.add_argument("names", nargs="*", help="assignments to release (default: all)")
    args = parser.parse_args(argv)
    try:
        return release.main(args.names)
    except (KeyError, ValueError) as error:
        parser.exit(2, f"release failed: {error}\n")


if __name__ == "__main__":
    sys.exit(main())

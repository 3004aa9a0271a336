"""What the three commands share besides model.errors: the version flag."""

from __future__ import annotations

import argparse

from model import package_version


def add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")

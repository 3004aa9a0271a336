"""What the three commands share besides model.errors: the version flag."""

from __future__ import annotations

import argparse
from importlib import metadata


def package_version() -> str:
    try:
        return metadata.version("colorizer")
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "(development)"


def add_version(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--version", action="version", version=f"%(prog)s {package_version()}")

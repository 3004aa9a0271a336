"""The one error type for a user's mistakes (a bad argument, a missing folder, an unusable
weights file): every command reports it as one line and exits with status 2."""

from __future__ import annotations

import sys
from collections.abc import Callable

USAGE_EXIT = 2  # as argparse exits on a bad argument


class UserError(Exception):
    """Something the user can fix; its message says what and how, with no traceback."""


def run_command(prog: str, main: Callable[[], int]) -> int:
    """Run a command's body; a UserError becomes ``prog: error: message`` on stderr and exit 2."""
    try:
        return main()
    except UserError as e:
        print(f"{prog}: error: {e}", file=sys.stderr)
        return USAGE_EXIT

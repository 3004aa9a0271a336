"""Add Colorizer to the desktop's application menu and "Open With" list (Linux, freedesktop).

    .venv/bin/python packaging/install_desktop_entry.py            # install for this user
    .venv/bin/python packaging/install_desktop_entry.py --remove   # take it out again

Writes the launcher to $XDG_DATA_HOME/applications (default ~/.local/share) with Exec pointing
at this environment's `colorizer`, since a virtual environment is not on PATH, and the icon to
the hicolor theme. Touches nothing else; run it again after moving the checkout.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEMPLATE = HERE / "linux" / "colorizer.desktop"
ICON = HERE.parent / "resources" / "icons" / "colorizer.svg"


def data_home() -> Path:
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def launcher_text(executable: Path) -> str:
    """The template with this environment's absolute command (quoted as the spec asks)."""
    command = '"' + str(executable).replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = []
    for line in TEMPLATE.read_text().splitlines():
        if line.startswith("Exec="):
            line = f"Exec={command} %f"
        elif line.startswith("TryExec="):
            line = f"TryExec={executable}"
        lines.append(line)
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--remove", action="store_true", help="remove the launcher and icon")
    p.add_argument("--executable", type=Path, default=Path(sys.executable).parent / "colorizer", help="the colorizer command")
    args = p.parse_args(argv)
    launcher = data_home() / "applications" / "colorizer.desktop"
    icon = data_home() / "icons" / "hicolor" / "scalable" / "apps" / "colorizer.svg"
    if args.remove:
        for f in (launcher, icon):
            f.unlink(missing_ok=True)
        print(f"removed {launcher} and {icon}")
        return 0
    if not args.executable.exists():
        print(f"{args.executable}: no such command; run `make run` (or pip install .) first", file=sys.stderr)
        return 1
    launcher.parent.mkdir(parents=True, exist_ok=True)
    icon.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(ICON, icon)
    tmp = launcher.with_suffix(".tmp")
    tmp.write_text(launcher_text(args.executable.resolve()))
    os.replace(tmp, launcher)
    print(f"installed {launcher} (runs {args.executable.resolve()}) and {icon}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

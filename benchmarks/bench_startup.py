"""Start-up of the app: from launching `python -m colorizer_app.main PHOTO` to a window on screen,
to the full window, and to the first colour of the photo (network loaded in the worker, photo
opened, preview drawn). Run three times; the first run warms the disk cache and is shown apart.

    python benchmarks/bench_startup.py [PHOTO]       (QT_QPA_PLATFORM=offscreen unless a display is set)
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHOTO = ROOT.parent / "shared" / "data" / "legacy" / "n02692877_airship.jpg"


def one_launch(photo: Path) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(tmp) / "startup.log"
        env = {**os.environ, "COLORIZER_STARTUP_LOG": str(log), "XDG_CONFIG_HOME": tmp, "XDG_DATA_HOME": tmp}
        env.setdefault("QT_QPA_PLATFORM", "offscreen" if not os.environ.get("DISPLAY") else "xcb")
        t0 = time.time()
        proc = subprocess.Popen([sys.executable, "-m", "colorizer_app.main", str(photo)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        times: dict[str, float] = {}
        while "colour" not in times and time.time() - t0 < 120:
            time.sleep(0.02)
            if log.exists():
                times = {e: float(t) - t0 for e, t in (line.split() for line in log.read_text().splitlines())}
        proc.kill()
        proc.wait()
        return times


def main() -> None:
    photo = Path(sys.argv[1]) if len(sys.argv) > 1 else PHOTO
    runs = [one_launch(photo) for _ in range(4)]
    print(f"launch of colorizer_app.main with {photo.name}; first (cold) run: " +
          ", ".join(f"{k} {v:.2f} s" for k, v in runs[0].items()))  # fmt: skip
    for event, what in (("window", "a window on screen"), ("ready", "the full window"), ("colour", "first colour")):
        values = [r[event] for r in runs[1:] if event in r]
        print(f"to {what:<20} median {statistics.median(values):.2f} s over {len(values)} warm runs")


if __name__ == "__main__":
    main()

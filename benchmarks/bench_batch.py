"""Batch figures (batch issue): throughput on 12 MP photos with 1 and 2 I/O workers, peak memory
for 24 and 50 MP scans, and where the time goes (network vs loading, composing, saving).

Photos are Kodak images from ../shared/data/test/kodak24 upscaled to 12 MP and saved as greyscale
JPEGs (generated here, in a temporary folder)."""

import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import child_peak  # noqa: E402
from model.inference.batch import BatchOptions, plan_jobs, run_batch  # noqa: E402
from model.inference.pipeline import Colorizer  # noqa: E402
from model.io.images import load_image, save_image  # noqa: E402

KODAK = Path(__file__).resolve().parents[2] / "shared" / "data" / "test" / "kodak24"
N_PHOTOS = 6

ONE_FILE = """
import time
from pathlib import Path
from model.cli.colorize import main
t0 = time.perf_counter()
code = main(["{src}", "-o", "{out}", "--no-progress", "--device", "cpu", "--format", "jpg"])
RESULT = {{"seconds": time.perf_counter() - t0, "code": code}}
"""


def make_photo(src: Path, dst: Path, size: tuple[int, int]) -> None:
    Image.open(src).convert("L").resize(size, Image.BICUBIC).save(dst, quality=90)


def main() -> None:
    sources = sorted(KODAK.glob("*.png"))
    if not sources:
        sys.exit(f"{KODAK}: Kodak photos not found")
    c = Colorizer.bundled(device="cpu")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        folder = tmp / "in"
        folder.mkdir()
        for i, s in enumerate(sources[:N_PHOTOS]):
            make_photo(s, folder / f"k{i:02d}.jpg", (4240, 2832))
        for jobs in (1, 2):
            out = tmp / f"out{jobs}"
            plan = plan_jobs([folder], out, BatchOptions(fmt="jpg"))
            out.mkdir()
            t0 = time.perf_counter()
            outcomes = run_batch(c, plan, BatchOptions(fmt="jpg", jobs=jobs))
            dt = time.perf_counter() - t0
            assert all(o.status == "done" for o in outcomes), outcomes
            print(f"12 MP JPEGs, {jobs} I/O worker(s): {len(plan) / dt * 60:5.1f} images/min ({dt / len(plan):.2f} s per photo)")
        # Where the time goes, phase by phase on one photo.
        src = folder / "k00.jpg"
        t = {}
        t0 = time.perf_counter()
        image = load_image(src)
        t["load"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        pred = c.predict(image.L)
        t["network"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        rgb = c.compose(pred, image.L, c.default_T)
        t["compose"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        save_image(rgb, tmp / "x.jpg", image)
        t["save"] = time.perf_counter() - t0
        total = sum(t.values())
        print("time shares on one 12 MP photo: " + ", ".join(f"{k} {v / total * 100:.0f}% ({v:.2f} s)" for k, v in t.items()))
        for name, size in (("24 MP", (6000, 4000)), ("50 MP", (8660, 5774))):
            src = tmp / f"scan_{name.split()[0]}.jpg"
            make_photo(sources[0], src, size)
            peak, r = child_peak(ONE_FILE.format(src=src, out=tmp / "big"))
            print(f"{name} scan through colorize: {r['seconds']:.1f} s, exit {r['code']}, peak resident {peak:.0f} MB")


if __name__ == "__main__":
    main()

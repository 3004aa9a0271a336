"""Reading 48-bit PNG scans losslessly (model/png16.py) against Pillow's 8-bit read of the same file,
and converting a 16-bit result into the scan's own RGB profile (model/io/icc.py)."""

import io
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.common import child_peak  # noqa: E402
from model.io.icc import srgb16_to_profile, tone_profile  # noqa: E402
from model.io.png16 import decode_png16, encode_png16  # noqa: E402
from tests.test_icc import wide_profile  # noqa: E402

PEAK = """
import time, numpy as np
from model.io.png16 import decode_png16
data = open({path!r}, "rb").read()
t0 = time.perf_counter(); arr = decode_png16(data)
RESULT = {{"s": time.perf_counter() - t0, "file_mb": len(data) / 1e6, "pixels_mb": arr.nbytes / 1e6}}
"""


def main() -> None:
    for name, (w, h) in (("2 MP", (1732, 1155)), ("12 MP", (4240, 2832))):
        y, x = np.mgrid[0:h, 0:w]
        noise = np.random.default_rng(0).integers(0, 512, (h, w, 3))
        arr = ((x[..., None] * 7 + y[..., None] * 5 + noise) % 65536).astype(np.uint16)  # a smooth scan with grain
        data = encode_png16(arr)
        t0 = time.perf_counter()
        back = decode_png16(data)
        ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        Image.open(io.BytesIO(data)).load()
        pillow = time.perf_counter() - t0
        assert np.array_equal(back, arr)
        print(f"48-bit PNG {name} ({len(data) / 1e6:.0f} MB): lossless read {ours:.2f} s, Pillow's 8-bit read {pillow:.2f} s")
        t0 = time.perf_counter()
        srgb16_to_profile(arr, tone_profile(wide_profile()))
        print(f"  16-bit result into an Adobe RGB-like profile: {time.perf_counter() - t0:.2f} s")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scan48.png"
        path.write_bytes(data)
        peak, r = child_peak(PEAK.format(path=str(path)))
        print(f"peak resident memory reading it: {peak:.0f} MB (file {r['file_mb']:.0f} MB, pixels {r['pixels_mb']:.0f} MB)")


if __name__ == "__main__":
    main()

"""A hostile folder against `colorize` (issue: nothing lost, nothing stalls). Each test builds its
inputs, runs the real command and checks the exit code, the message, the report, and that
nothing else in the folders changed."""

import argparse
import errno
import json
import os
import subprocess
import sys

import numpy as np
import tifffile
from PIL import Image

from model.cli.colorize import main as colorize
from model.inference import batch
from model.io import atomic
from model.io.images import load_image
from model.lab.bins import Q

from .images import gradient

RUN = ["--no-progress", "--device", "cpu"]


def snapshot(folder):
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def report_of(out, stem="colorize-report"):
    return json.loads((out / f"{stem}.json").read_bytes())


# ------------------------------------------------------------------ results lost or overwritten
def gradient_folder(folder, count: int, axis: int):
    """A folder of ``count`` distinct grey photos p0.png, p1.png, ... (a gradient rolled along ``axis``)."""
    folder.mkdir()
    for i in range(count):
        Image.fromarray(np.roll(gradient(), i, axis=axis)).save(folder / f"p{i}.png")
    return folder


def test_sources_whose_outputs_would_share_a_name_get_their_own(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(gradient(40, 30)).save(src / "scan001.tif")
    Image.fromarray(gradient(30, 40)).save(src / "scan001.jpg")
    for ext in ("png", "gif", "bmp"):
        Image.fromarray(gradient(20, 20)).save(src / f"x.{ext}")
    before = snapshot(src)
    out = tmp_path / "out"
    assert colorize([str(src), "-o", str(out), "--format", "jpg", *RUN]) == 0
    names = sorted(p.name for p in out.glob("*.jpg"))
    assert names == ["scan001_jpg_color.jpg", "scan001_tif_color.jpg", "x_bmp_color.jpg", "x_gif_color.jpg", "x_png_color.jpg"]
    assert Image.open(out / "scan001_tif_color.jpg").size == (40, 30)  # each result from its own source
    assert Image.open(out / "scan001_jpg_color.jpg").size == (30, 40)
    rows = {os.path.basename(r["source"]): r for r in report_of(out)["files"]}
    assert all(r["status"] == "done" for r in rows.values())
    assert "renamed to scan001_tif_color.jpg" in rows["scan001.tif"]["notes"][0]
    assert snapshot(src) == before
    out2 = tmp_path / "keep"  # --format keep: gif and bmp become PNG, beside x.png's own PNG
    assert colorize([str(src), "-o", str(out2), *RUN]) == 0
    assert {"x_png_color.png", "x_gif_color.png", "x_bmp_color.png"} <= {p.name for p in out2.iterdir()}
    assert "renamed" in capsys.readouterr().out


def test_stale_cleanup_removes_only_temporaries_of_dead_colorize_runs(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(gradient()).save(src / "a.png")
    out = tmp_path / "out"
    (out / "downloads").mkdir(parents=True)
    browsers = out / "downloads" / ".big.iso.part"
    browsers.write_bytes(b"half a download")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    ours_dead = out / f".colorize-{atomic.HOST_TAG}-{int(dead.stdout)}-abcdEFGH.part"
    ours_dead.write_bytes(b"x")
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        in_progress = out / f".colorize-{atomic.HOST_TAG}-{running.pid}-abcdEFGH.part"
        other_host = out / f".colorize-ffffff-{int(dead.stdout)}-abcdEFGH.part"
        if atomic.HOST_TAG == "ffffff":
            other_host = out / f".colorize-000000-{int(dead.stdout)}-abcdEFGH.part"
        for p in (in_progress, other_host):
            p.write_bytes(b"x")
        assert colorize([str(src), "-o", str(out), *RUN]) == 0
        assert browsers.read_bytes() == b"half a download"
        assert in_progress.exists() and other_host.exists() and not ours_dead.exists()
    finally:
        running.kill()


def test_shards_write_their_own_reports_and_merge(tmp_path, capsys):
    src = gradient_folder(tmp_path / "in", 5, axis=1)
    out = tmp_path / "out"
    assert colorize([str(src), "-o", str(out), "--shard", "1/2", *RUN]) == 0
    assert colorize([str(src), "-o", str(out), "--shard", "2/2", *RUN]) == 0
    one, two = report_of(out, "colorize-report.shard-1-of-2"), report_of(out, "colorize-report.shard-2-of-2")
    assert len(one["files"]) == 3 and len(two["files"]) == 2
    assert colorize(["--merge-reports", str(out)]) == 0
    merged = report_of(out)
    assert merged["summary"]["done"] == 5 and len({r["source"] for r in merged["files"]}) == 5
    assert (out / "colorize-report.csv").read_text().count("\n") == 6
    assert colorize(["--merge-reports", str(src)]) == 2
    assert "no shard reports" in capsys.readouterr().err


def test_names_that_are_not_utf8_are_reported_losslessly(tmp_path, capsys):
    src = tmp_path / "in"
    src.mkdir()
    raw = b"caf\xe9 scan.png"  # Latin-1, as old Windows and ZIP archives name files
    Image.fromarray(gradient()).save(os.path.join(os.fsencode(src), raw))
    out = tmp_path / "out"
    assert colorize([str(src), "-o", str(out), *RUN]) == 0
    row = report_of(out)["files"][0]
    assert os.fsencode(row["source"]).endswith(raw) and row["status"] == "done"
    assert "caf\\xe9 scan.png" in (out / "colorize-report.csv").read_text(encoding="utf-8")
    assert os.path.exists(os.fsencode(row["output"]))


def test_report_that_cannot_be_written_at_the_end_says_so_and_lists_failures(tmp_path, monkeypatch, capsys):
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(gradient()).save(src / "good.png")
    (src / "bad.jpg").write_bytes(b"not a jpeg")
    real = atomic.atomic_write_bytes

    def full_for_reports(data, path):
        if "colorize-report" in os.path.basename(path):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(data, path)

    monkeypatch.setattr(batch, "atomic_write_bytes", full_for_reports)
    out = tmp_path / "out"
    assert colorize([str(src), "-o", str(out), *RUN]) == 1
    captured = capsys.readouterr()
    assert "No space left on device" in captured.err and "the report is not" in captured.err
    assert "failed: " in captured.out and "bad.jpg" in captured.out and "Traceback" not in captured.err
    assert (out / "good_color.png").exists()
    assert (out / "colorize-report.csv").read_text().count("\n") == 3  # the rows written as files finished


def test_report_rows_are_on_disk_while_the_batch_runs(tmp_path, monkeypatch):
    src = gradient_folder(tmp_path / "in", 3, axis=0)
    out = tmp_path / "out"
    seen = []
    real_predict = batch.Colorizer.predict

    def predict_and_look(self, L):
        seen.append((out / "colorize-report.csv").read_text().count("\n") - 1)
        return real_predict(self, L)

    monkeypatch.setattr(batch.Colorizer, "predict", predict_and_look)
    assert colorize([str(src), "-o", str(out), "--jobs", "1", *RUN]) == 0
    assert seen[0] == 0 and seen[-1] >= 1  # rows of finished files were there before the last one ran


# ------------------------------------------------------------------ one file never stops a batch
def test_planar_and_multipage_16bit_tiffs_are_read(tmp_path):
    rng = np.random.default_rng(0)
    rgb = (rng.random((24, 32, 3)) * 65535).astype(np.uint16)
    tifffile.imwrite(tmp_path / "chunky.tif", rgb)
    tifffile.imwrite(tmp_path / "planar.tif", np.moveaxis(rgb, -1, 0), planarconfig="separate", photometric="rgb")
    chunky, planar = load_image(tmp_path / "chunky.tif"), load_image(tmp_path / "planar.tif")
    assert planar.bits == 16 and planar.L.shape == (24, 32)
    np.testing.assert_array_equal(planar.L, chunky.L)
    with tifffile.TiffWriter(tmp_path / "pages.tif") as tw:
        for v in (30000, 60000, 1000):
            tw.write(np.full((20, 30), v, np.uint16))
    multi = load_image(tmp_path / "pages.tif")
    assert multi.L.shape == (20, 30) and abs(float(multi.L.mean()) - float(load_one(tmp_path, 30000).L.mean())) < 0.01
    assert any("first one" in n for n in multi.notes)


def load_one(tmp_path, value):
    tifffile.imwrite(tmp_path / "one.tif", np.full((20, 30), value, np.uint16))
    return load_image(tmp_path / "one.tif")


def test_any_exception_in_one_file_is_that_files_failure(tmp_path, monkeypatch, capsys):
    src = tmp_path / "in"
    src.mkdir()
    for name in ("a.png", "b.png", "c.png"):
        Image.fromarray(gradient()).save(src / name)
    real = batch.load_image

    def buggy_reader(path):
        if path.name == "b.png":
            raise ValueError("could not broadcast input array from shape (3,64,48) into shape (48,64)")
        return real(path)

    monkeypatch.setattr(batch, "load_image", buggy_reader)
    out = tmp_path / "out"
    assert colorize([str(src), "-o", str(out), *RUN]) == 1
    rows = {os.path.basename(r["source"]): r for r in report_of(out)["files"]}
    assert rows["b.png"]["status"] == "failed" and "ValueError" in rows["b.png"]["reason"]
    assert rows["a.png"]["status"] == rows["c.png"]["status"] == "done"


def test_float_and_signed_grey_tiffs_are_scaled_by_their_range(tmp_path):
    ramp = np.linspace(0, 1, 64 * 48, dtype=np.float32).reshape(48, 64)
    tifffile.imwrite(tmp_path / "float.tif", ramp)
    tifffile.imwrite(tmp_path / "ref.tif", (ramp * 65535 + 0.5).astype(np.uint16))
    got, ref = load_image(tmp_path / "float.tif"), load_image(tmp_path / "ref.tif")
    assert np.abs(got.L - ref.L).max() < 0.01 and not got.notes
    tifffile.imwrite(tmp_path / "signed.tif", (ramp * 2000 - 1000).astype(np.int16))
    signed = load_image(tmp_path / "signed.tif")
    assert signed.L.min() < 1 and signed.L.max() > 99  # black to white, not nearly black
    assert any("stretched" in n for n in signed.notes)
    tifffile.imwrite(tmp_path / "hdr.tif", ramp * 40.0)
    assert load_image(tmp_path / "hdr.tif").L.max() > 99


def test_a_name_that_only_just_fits_is_written(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    name = "x" * 235 + ".png"  # 239 bytes; the output adds "_color": 245, under the 255 limit
    Image.fromarray(gradient()).save(src / name)
    out = tmp_path / "out"
    assert colorize([str(src), "-o", str(out), *RUN]) == 0
    assert (out / ("x" * 235 + "_color.png")).exists()


def test_absurd_dimensions_are_refused_from_the_header(tmp_path):
    import time

    from model.io.png16 import encode_png16

    src = tmp_path / "in"
    src.mkdir()
    strip = np.zeros((1, 2_000_000, 3), np.uint16)  # a few KB compressed, minutes to unfilter
    (src / "strip.png").write_bytes(encode_png16(strip))
    Image.fromarray(gradient()).save(src / "fine.png")
    out = tmp_path / "out"
    t0 = time.perf_counter()
    assert colorize([str(src), "-o", str(out), *RUN]) == 1
    assert time.perf_counter() - t0 < 60
    rows = {os.path.basename(r["source"]): r for r in report_of(out)["files"]}
    assert "2000000x1 pixels is not a photograph" in rows["strip.png"]["reason"]
    assert rows["fine.png"]["status"] == "done"


# ------------------------------------------------------------------ clear messages instead of silence
def test_every_entry_passed_over_is_listed_with_its_reason(tmp_path, capsys):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    Image.fromarray(gradient()).save(src / "a.png")
    Image.fromarray(gradient()).save(src / "sub" / "b.png")
    (src / "phone.heic").write_bytes(b"\x00\x00\x00\x18ftypheic")
    (src / "new.avif").write_bytes(b"\x00\x00\x00\x18ftypavif")
    (src / "loop.jpg").symlink_to(src / "loop.jpg")
    (src / "gone.png").symlink_to(src / "nowhere.png")
    (src / "linked").symlink_to(src / "sub", target_is_directory=True)
    os.mkfifo(src / "pipe.png")
    (src / "locked").mkdir()
    (src / "notes.txt").write_text("not a photo, not a word about it")
    os.chmod(src / "locked", 0)
    out = tmp_path / "out"
    try:
        code = colorize([str(src), "-o", str(out), "--recursive", *RUN])
    finally:
        os.chmod(src / "locked", 0o755)
    assert code == 0
    report = report_of(out)
    reasons = {os.path.basename(r["source"]): r["reason"] for r in report["files"] if r["status"] == "skipped"}
    assert "HEIC photos cannot be read" in reasons["phone.heic"] and "AVIF" in reasons["new.avif"]
    assert "loops" in reasons["loop.jpg"] and "a link to nothing" in reasons["gone.png"]
    assert "linked folder" in reasons["linked"] and "FIFO" in reasons["pipe.png"]
    if os.geteuid() != 0:  # root lists any folder
        assert "cannot list" in reasons["locked"]
    assert "notes.txt" not in reasons
    assert report["summary"] == {"done": 2, "skipped": len(reasons), "failed": 0}
    assert "passed over: " in capsys.readouterr().out


def test_a_fifo_on_the_command_line_is_not_opened(tmp_path):
    os.mkfifo(tmp_path / "pipe.jpg")
    out = tmp_path / "out"
    command = [sys.executable, "-m", "model.cli.colorize", str(tmp_path / "pipe.jpg"), "-o", str(out), *RUN]
    code = subprocess.run(command, timeout=120, capture_output=True, text=True)  # a read would block forever
    assert code.returncode == 0 and "FIFO" in report_of(out)["files"][0]["reason"]


def test_arguments_that_would_write_in_the_wrong_place_are_refused(tmp_path, capsys):
    proj = tmp_path / "P"
    (proj / "scans").mkdir(parents=True)
    Image.fromarray(gradient()).save(proj / "scans" / "a.png")
    before = snapshot(tmp_path)
    assert colorize([str(proj / "scans"), "-o", str(proj), "-r", *RUN]) == 2
    assert "lies inside the output folder" in capsys.readouterr().err
    assert colorize([str(proj / "scans"), "-o", "", *RUN]) == 2
    assert "output folder name is empty" in capsys.readouterr().err
    assert colorize([str(proj / "scans"), "-o", str(tmp_path / "o"), "--suffix", "/../../X", *RUN]) == 2
    assert "path separator" in capsys.readouterr().err
    (tmp_path / "afile").write_text("x")
    before = snapshot(tmp_path)
    assert colorize([str(proj / "scans"), "-o", str(tmp_path / "afile"), *RUN]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err
    assert colorize([str(tmp_path / "typo"), "-o", str(tmp_path / "new"), *RUN]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert not (tmp_path / "new").exists() and not (tmp_path / "o").exists()
    assert snapshot(tmp_path) == before


def test_exif_too_long_for_jpeg_keeps_what_fits_and_says_what_was_dropped(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    exif = Image.Exif()
    exif[0x010F] = "Leica"  # Make: small, kept
    exif[0x010E] = "x" * 300_000  # ImageDescription: 300 KB
    Image.fromarray(gradient()).save(src / "big.png", exif=exif.tobytes())
    out = tmp_path / "out"
    assert colorize([str(src), "-o", str(out), "--format", "jpg", *RUN]) == 0
    row = report_of(out)["files"][0]
    assert row["status"] == "done" and any("too long for JPEG: dropped ImageDescription" in n for n in row["notes"])
    kept = Image.open(out / "big_color.jpg").getexif()
    assert kept.get(0x010F) == "Leica" and 0x010E not in kept


def test_weights_and_temperatures_that_cannot_work_are_refused_plainly(tmp_path, capsys):
    import math

    import torch

    from model.nets import LiteColorNet
    from model.nets.weights import FORMAT, export_weights

    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(gradient()).save(src / "a.png")

    torch.save({"a": argparse.Namespace(x=1)}, tmp_path / "pickled.pt")  # any class: loading it would run code
    net = LiteColorNet(channels=16)
    export_weights(net, tmp_path / "word_T.pt", {"default_T": "vivid"})
    export_weights(net, tmp_path / "nan_T.pt", {"default_T": math.nan})
    state = {k: v.clone() for k, v in net.state_dict().items()}
    torch.save({"format": FORMAT, "arch": "lite", "config": {"channels": 16, "pretrained": True}, "state_dict": state,
                "card": {}}, tmp_path / "pretrained.pt")  # fmt: skip
    with torch.no_grad():
        for p in net.parameters():
            p.fill_(float("nan"))
    export_weights(net, tmp_path / "nan.pt", {})
    cases = {
        "pickled.pt": "not a safe weights file",
        "word_T.pt": "'vivid' is not a temperature",
        "nan_T.pt": "nan is not a temperature",
        "pretrained.pt": "not one this program builds",
        "nan.pt": "damaged weights",
    }
    for name, message in cases.items():
        assert colorize([str(src), "-o", str(tmp_path / "o"), "--model", str(tmp_path / name), *RUN]) == 2, name
        err = capsys.readouterr().err
        assert message in err and "weights_only" not in err and "Traceback" not in err, (name, err)
    assert colorize([str(src), "-o", str(tmp_path / "o"), "--model", "/etc/passwd", *RUN]) == 2
    assert "not a weights file" in capsys.readouterr().err
    assert colorize([str(src), "-o", str(tmp_path / "o"), "-T", "nan", *RUN]) == 2
    assert not (tmp_path / "o").exists()


def test_a_vanishing_temperature_gives_the_mode_not_black():
    import torch

    from model.lab.annealed import annealed_mean

    logits = torch.randn(1, Q, 4, 4) * 3
    tiny, mode = annealed_mean(logits, 1e-300, is_logits=True), annealed_mean(logits, 0.0, is_logits=True)
    assert torch.isfinite(tiny).all() and torch.equal(tiny, mode)


def test_a_folder_of_unusual_tiffs_goes_through_the_command(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    rgb = (np.random.default_rng(1).random((24, 32, 3)) * 65535).astype(np.uint16)
    tifffile.imwrite(src / "planar.tif", np.moveaxis(rgb, -1, 0), planarconfig="separate", photometric="rgb")
    with tifffile.TiffWriter(src / "pages.tif") as tw:
        for v in (30000, 1000):
            tw.write(np.full((20, 30), v, np.uint16))
    tifffile.imwrite(src / "float.tif", np.linspace(0, 1, 600, dtype=np.float32).reshape(20, 30))
    tifffile.imwrite(src / "signed.tif", np.linspace(-900, 900, 600).astype(np.int16).reshape(20, 30))
    before = snapshot(src)
    out = tmp_path / "out"
    assert colorize([str(src), "-o", str(out), *RUN]) == 0
    rows = {os.path.basename(r["source"]): r for r in report_of(out)["files"]}
    assert all(r["status"] == "done" for r in rows.values()) and len(rows) == 4
    assert any("first one" in n for n in rows["pages.tif"]["notes"])
    assert any("stretched" in n for n in rows["signed.tif"]["notes"])
    assert tifffile.imread(out / "planar_color.tif").shape == (24, 32, 3)
    assert snapshot(src) == before

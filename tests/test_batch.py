import errno
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import tifffile
from PIL import Image

from model.cli.colorize import main as colorize
from model.inference import batch
from model.inference.batch import BatchOptions, collect_inputs, parse_shard, take_shard
from model.io import atomic

from .images import gradient, make_all, make_bad

RUN = ["--no-progress", "--device", "cpu"]


def snapshot(folder):
    return {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def no_partials(folder):
    return not [p for p in folder.rglob("*") if p.name.endswith(".part") or p.name.startswith(".colorize-probe")]


@pytest.fixture
def archive(tmp_path):
    good = make_all(tmp_path / "in")
    bad = make_bad(tmp_path / "in" / "broken")
    return tmp_path / "in", good, bad


def test_archive_of_every_kind(archive, tmp_path, capsys):
    root, good, bad = archive
    before = snapshot(root)
    out = tmp_path / "out"
    code = colorize([str(root), "-o", str(out), "--recursive", "--format", "keep", *RUN])
    assert code == 1  # some files failed
    assert snapshot(root) == before  # inputs untouched
    report = json.loads((out / "colorize-report.json").read_text())
    by_name = {os.path.basename(r["source"]): r for r in report["files"]}
    assert report["summary"] == {"done": len(good), "skipped": 0, "failed": len(bad)}
    assert "empty file" in by_name["empty.jpg"]["reason"]
    assert "cannot read image" in by_name["text.jpg"]["reason"]
    assert by_name["truncated.jpg"]["status"] == "failed"
    assert any("first one" in n for n in by_name["anim.gif"]["notes"])
    assert any("colour photo" in n for n in by_name["rgb.png"]["notes"])
    assert (out / "colorize-report.csv").read_text().count("\n") == len(good) + len(bad) + 1
    printed = capsys.readouterr().out
    assert "failed: " in printed and "empty.jpg" in printed
    # Outputs: upright, same size, 16 bits kept, alpha kept, tree mirrored.
    assert Image.open(out / "rotated_color.jpg").size == (32, 64)
    assert tifffile.imread(out / "rgb16_color.tif").dtype == np.uint16
    assert Image.open(out / "palette_color.png").mode == "RGBA"
    assert Image.open(out / "la_color.png").mode == "RGBA"
    assert Image.open(out / "anim_color.png").size == (64, 48)
    assert (out / "unicode naïve – photo ü_color.png").exists()
    assert not (out / "broken").exists() or not any((out / "broken").iterdir())
    assert no_partials(out)


def test_skip_existing_and_overwrite(tmp_path):
    src = tmp_path / "in"
    make_all(src)
    out = tmp_path / "out"
    assert colorize([str(src / "gray.png"), "-o", str(out), *RUN]) == 0
    stamp = (out / "gray_color.png").stat().st_mtime_ns
    assert colorize([str(src / "gray.png"), "-o", str(out), "--skip-existing", *RUN]) == 0
    assert (out / "gray_color.png").stat().st_mtime_ns == stamp
    report = json.loads((out / "colorize-report.json").read_text())
    assert report["summary"]["skipped"] == 1
    assert colorize([str(src / "gray.png"), "-o", str(out), "--overwrite", *RUN]) == 0
    assert (out / "gray_color.png").stat().st_mtime_ns != stamp


def test_output_folder_inside_the_input_tree_is_not_fed_back(tmp_path):
    src = tmp_path / "in"
    make_all(src)
    out = src / "colour"
    assert colorize([str(src), "-o", str(out), "--recursive", *RUN]) == 0
    n = len(list(out.glob("*_color.*")))
    assert colorize([str(src), "-o", str(out), "--recursive", "--overwrite", *RUN]) == 0
    assert len(list(out.glob("*_color.*"))) == n and not list(out.glob("*_color_color*"))


def test_usage_errors_exit_2(tmp_path, capsys):
    (tmp_path / "a.png").write_bytes(b"")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert colorize([str(tmp_path / "a.png"), "-o", str(blocker / "sub"), *RUN]) == 2
    assert "output folder is not writable" in capsys.readouterr().err
    assert colorize([str(tmp_path / "missing.png"), "-o", str(tmp_path / "o"), *RUN]) == 2
    assert colorize([str(tmp_path), "-o", str(tmp_path), *RUN]) == 2
    assert colorize([str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "-T", "3", *RUN]) == 2
    assert colorize([str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--model", str(tmp_path / "a.png"), *RUN]) == 2
    with pytest.raises(SystemExit) as e:
        colorize(["--bogus"])
    assert e.value.code == 2


def test_read_only_output_folder_is_refused_before_starting(tmp_path, monkeypatch, capsys):
    make_all(tmp_path / "in")

    def refuse(self, data):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(batch.Path, "write_bytes", refuse)
    assert colorize([str(tmp_path / "in"), "-o", str(tmp_path / "out"), *RUN]) == 2
    assert "not writable (Permission denied)" in capsys.readouterr().err


def test_disk_full_fails_that_file_cleanly_and_goes_on(tmp_path, monkeypatch):
    make_all(tmp_path / "in")
    real_replace = os.replace

    def full_for_gray(src, dst):
        if os.path.basename(dst).startswith("gray_color"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", full_for_gray)
    out = tmp_path / "out"
    assert colorize([str(tmp_path / "in"), "-o", str(out), *RUN]) == 1
    report = json.loads((out / "colorize-report.json").read_text())
    failed = [r for r in report["files"] if r["status"] == "failed"]
    assert failed and all("No space left" in r["reason"] for r in failed)
    assert report["summary"]["done"] > 0 and no_partials(out)
    assert not list(out.glob("gray_color.*"))


def test_decompression_bomb_is_reported(tmp_path, monkeypatch):
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(gradient(200, 200)).save(src / "bomb.png")
    Image.fromarray(gradient(20, 20)).save(src / "small.png")
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 25000)  # Pillow only warns up to twice its limit: we refuse
    out = tmp_path / "out"
    assert colorize([str(src), "-o", str(out), *RUN]) == 1
    report = json.loads((out / "colorize-report.json").read_text())
    reasons = {os.path.basename(r["source"]): r["reason"] for r in report["files"]}
    assert "200x200 is 40,000 pixels, over the decompression-bomb limit of 25,000 pixels" in reasons["bomb.png"]
    assert reasons["small.png"] == ""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow itself refuses past twice the limit: one number still
    assert colorize([str(src), "-o", str(tmp_path / "out2"), *RUN]) == 1
    reason = json.loads((tmp_path / "out2" / "colorize-report.json").read_text())["files"][0]["reason"]
    assert reason.endswith("over the decompression-bomb limit of 1,000 pixels") and "178956970" not in reason


def test_shards_cover_every_file_exactly_once(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(23):
        (folder / f"{i:02d}.png").write_bytes(b"x")
    items = collect_inputs([folder], tmp_path / "out", recursive=False)
    for n in (1, 2, 5, 23, 30):
        shards = [take_shard(items, (k, n)) for k in range(1, n + 1)]
        flat = [s for shard in shards for s in shard]
        assert sorted(flat) == sorted(items) and len(flat) == len(set(flat))
    assert parse_shard("2/8") == (2, 8)
    for bad in ("0/3", "4/3", "x"):
        with pytest.raises(batch.UserError):
            parse_shard(bad)


def test_plan_mirrors_tree_and_formats(tmp_path):
    src = tmp_path / "in"
    (src / "a" / "b").mkdir(parents=True)
    for name in ("a/b/x.jpg", "y.gif", "z.TIF"):
        (src / name).write_bytes(b"x")
    jobs = batch.plan_jobs([src], tmp_path / "o", BatchOptions(recursive=True))
    outs = sorted(str(j.output.relative_to(tmp_path / "o")) for j in jobs)
    assert outs == ["a/b/x_color.jpg", "y_color.png", "z_color.TIF"]
    jobs = batch.plan_jobs([src], tmp_path / "o", BatchOptions(recursive=True, fmt="webp", suffix=""))
    assert sorted(j.output.name for j in jobs) == ["x.webp", "y.webp", "z.webp"]


@pytest.mark.slow
def test_killed_run_leaves_no_partial_output_and_resumes(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    for i in range(12):
        Image.fromarray(np.roll(gradient(900, 700), i * 7, axis=1)).save(src / f"p{i:02d}.png")
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "model.cli.colorize", str(src), "-o", str(out), "--format", "png", *RUN]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while time.time() < deadline and len(list(out.glob("*_color.png"))) < 2:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    written = list(out.glob("*_color.png"))
    assert 0 < len(written) < 12
    for p in written:  # every visible output is complete
        Image.open(p).load()
    assert colorize([str(src), "-o", str(out), "--format", "png", "--skip-existing", *RUN]) == 0
    assert len(list(out.glob("*_color.png"))) == 12 and no_partials(out)
    report = json.loads((out / "colorize-report.json").read_text())
    assert report["summary"]["skipped"] == len(written)


@pytest.mark.slow
def test_huge_scan_is_processed_in_bounded_memory(tmp_path):
    src = tmp_path / "scan.jpg"
    Image.fromarray(np.tile(gradient(866, 577), (10, 10))).save(src, quality=80)  # 8660 x 5770, 50 MP
    code = (
        "import sys, json\n"
        "from model.cli.colorize import main\n"
        f"code = main([{str(src)!r}, '-o', {str(tmp_path / 'out')!r}, '--no-progress', '--device', 'cpu'])\n"
        "hwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0]\n"
        "print(json.dumps({'code': code, 'peak_mb': int(hwm.split()[1]) / 1024}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=600)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert result["peak_mb"] < 1536  # 50 MP in, 150 MB of RGB out, well under 1.5 GB in all
    assert Image.open(tmp_path / "out" / "scan_color.jpg").size == (8660, 5770)

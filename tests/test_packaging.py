import configparser
import mimetypes
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))
import install_desktop_entry  # noqa: E402


def desktop_entry(text: str) -> dict:
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read_string(text)
    return dict(parser["Desktop Entry"])


def test_launcher_offers_every_format_the_app_opens():
    from model.io.folders import PHOTO_SUFFIXES

    entry = desktop_entry((ROOT / "packaging" / "linux" / "colorizer.desktop").read_text())
    assert entry["Type"] == "Application" and entry["Icon"] == "colorizer" and entry["Exec"].endswith("%f")
    offered = set(entry["MimeType"].rstrip(";").split(";"))
    needed = {mimetypes.types_map.get(s) or f"image/{s[1:]}" for s in PHOTO_SUFFIXES}
    assert needed <= offered


def test_install_writes_a_launcher_for_this_environment_and_removes_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    exe = tmp_path / "my envs" / "bin" / "colorizer"  # a space, as home folders often have
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\n")
    assert install_desktop_entry.main(["--executable", str(exe)]) == 0
    launcher = tmp_path / "data" / "applications" / "colorizer.desktop"
    entry = desktop_entry(launcher.read_text())
    assert entry["Exec"] == f'"{exe}" %f' and entry["TryExec"] == str(exe)
    icon = tmp_path / "data" / "icons" / "hicolor" / "scalable" / "apps" / "colorizer.svg"
    assert icon.read_bytes() == (ROOT / "resources" / "icons" / "colorizer.svg").read_bytes()
    assert install_desktop_entry.main(["--remove"]) == 0
    assert not launcher.exists() and not icon.exists()


def test_install_refuses_a_missing_command(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert install_desktop_entry.main(["--executable", str(tmp_path / "nowhere" / "colorizer")]) == 1
    assert "no such command" in capsys.readouterr().err
    assert not (tmp_path / "data").exists()


def test_app_icon_loads(qapp):
    from PySide6.QtGui import QIcon

    from colorizer_app.main import icon_path

    icon = QIcon(str(icon_path()))
    image = icon.pixmap(64, 64).toImage()
    assert not icon.isNull() and image.width() == 64
    assert image.pixelColor(56, 14).blue() > 150 and image.pixelColor(16, 14).saturation() < 20  # colour sky, grey sky


@pytest.mark.slow
def test_wheel_carries_weights_icon_and_licence(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
        check=True,
        cwd=tmp_path,  # keep setuptools' build/ folder out of the checkout
    )
    (wheel,) = tmp_path.glob("colorizer-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for model in ("colorizer-vivid", "colorizer-vivid-fast", "colorizer-natural"):
        assert {f"resources/models/{model}.pt", f"resources/models/{model}.json"} <= names
    assert "resources/icons/colorizer.svg" in names
    modules = {str(f.relative_to(ROOT)) for package in ("model", "colorizer_app") for f in (ROOT / package).rglob("*.py")}
    assert modules <= names, sorted(modules - names)  # every room of the package ships
    assert any(n.endswith("licenses/LICENSE") for n in names)

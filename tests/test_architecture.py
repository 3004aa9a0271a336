"""The import contract of model/ (written in model/__init__.py) checked on the source itself."""

import ast
import subprocess
import sys
from pathlib import Path

import model

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def imports_of(path: Path, package: str | None = None) -> set[str]:
    """Every module a source file imports, absolute names (relative imports resolved)."""
    package = package or ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parent + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # "from model.lab import bins"
    return found


def room_of(name: str) -> str | None:
    for room in (*model.LAYERS, model.BASE):
        if name == room or name.startswith(room + "."):
            return room
    return None


def rank(room: str) -> int:
    return len(model.LAYERS) if room == model.BASE else model.LAYERS.index(room)


def sources(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def wrong_way_imports(path: Path, name: str) -> list[str]:
    here = room_of(name)
    if here is None:
        return []
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return [f"{name} ({here}) imports {n} ({room_of(n)})" for n in sorted(imports_of(path, package))
            if room_of(n) is not None and rank(room_of(n)) < rank(here)]


def test_every_model_module_lives_in_a_room():
    homeless = [module_name(p) for p in sources("model") if module_name(p) != "model" and room_of(module_name(p)) is None]
    assert not homeless, homeless


def test_rooms_import_only_rooms_below_them():
    broken = [line for p in sources("model") for line in wrong_way_imports(p, module_name(p))]
    assert not broken, "\n".join(broken)


def test_the_checker_sees_a_wrong_way_import(tmp_path):
    # the contract test must notice a violation, relative or absolute, or it proves nothing
    fake = tmp_path / "fake.py"
    fake.write_text("from model.lab.bins import Q\nfrom ..inference import pipeline\n")
    found = wrong_way_imports(fake, "model.nets.fake")
    assert found == [f"model.nets.fake (model.nets) imports {name} (model.inference)"
                     for name in ("model.inference", "model.inference.pipeline")]


def test_model_never_imports_the_app_or_qt():
    gui = ("colorizer_app", "PySide6", "qtawesome", "shiboken6")
    broken = [f"{p.relative_to(ROOT)}: {n}" for p in sources("model") for n in imports_of(p) if n.split(".")[0] in gui]
    assert not broken, broken


def test_the_app_uses_no_trainer_or_command_line():
    broken = [f"{p.relative_to(ROOT)}: {n}" for p in sources("colorizer_app") for n in imports_of(p)
              if room_of(n) in model.APP_MAY_NOT_IMPORT]
    assert not broken, broken


def test_listing_a_folder_does_not_import_torch():
    code = "import sys, model.io.folders; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"

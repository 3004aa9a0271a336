import os
import stat
import sys

import pytest

from model.io.atomic import UMASK, atomic_write_bytes

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def test_new_files_get_the_umask_default_not_mkstemp_private_mode(tmp_path):
    atomic_write_bytes(b"x", tmp_path / "out.png")
    assert stat.S_IMODE(os.stat(tmp_path / "out.png").st_mode) == 0o666 & ~UMASK
    assert (tmp_path / "out.png").read_bytes() == b"x"


def test_a_replaced_file_keeps_its_mode(tmp_path):
    target = tmp_path / "out.png"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write_bytes(b"new", target)
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o640 and target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["out.png"]  # no temporary left behind

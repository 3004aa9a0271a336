"""Every command ends a user's mistake the same way: one line 'PROG: error: ...' and exit status 2."""

import numpy as np
import pytest
import torch

from model.cli import colorize, evaluate, train


def check_usage_error(code: int, capsys, prog: str, words: str) -> None:
    err = capsys.readouterr().err
    assert code == 2 and err.startswith(f"{prog}: error: ") and words in err and "Traceback" not in err


def test_colorize_names_a_missing_weights_file(tmp_path, capsys):
    from PIL import Image

    from .images import colour

    photo = tmp_path / "a.png"
    Image.fromarray(colour()).save(photo)
    code = colorize.main([str(photo), "-o", str(tmp_path / "out"), "--model", str(tmp_path / "none.pt")])
    check_usage_error(code, capsys, "colorize", "no such weights file")
    assert not (tmp_path / "out").exists()


def test_an_unknown_bundled_name_is_a_user_error_listing_the_names():
    from model.errors import UserError
    from model.nets.registry import bundled_model

    with pytest.raises(UserError, match="available: colorizer-vivid"):  # the default first
        bundled_model("colorizer-sepia")


def test_colorizer_eval_refuses_a_missing_folder(tmp_path, capsys):
    check_usage_error(evaluate.main(["--data", str(tmp_path / "nowhere")]), capsys, "colorizer-eval", "no such folder")


def test_colorizer_train_refuses_an_empty_folder(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = train.main(["--data", str(tmp_path / "empty"), "--out", str(tmp_path / "run"), "--device", "cpu"])
    check_usage_error(code, capsys, "colorizer-train", "no images found")


@pytest.mark.skipif(torch.cuda.is_available(), reason="needs a machine without CUDA")
def test_colorizer_train_refuses_cuda_where_there_is_none(tmp_path, capsys):
    code = train.main(["--data", str(tmp_path), "--out", str(tmp_path / "run"), "--device", "cuda"])
    check_usage_error(code, capsys, "colorizer-train", "no CUDA device")


def test_every_command_has_a_version(capsys):
    for main, prog in ((colorize.main, "colorize"), (train.main, "colorizer-train"), (evaluate.main, "colorizer-eval")):
        with pytest.raises(SystemExit) as done:
            main(["--version"])
        assert done.value.code == 0 and capsys.readouterr().out.startswith(f"{prog} ")


def test_progress_speaks_of_speed_without_the_warm_up():
    assert colorize.speed_text(1, 100, 0.0) == "measuring speed"
    assert colorize.speed_text(11, 101, 60.0) == "10.0 img/min, about 9:00 left"  # 10 files after the first, in a minute


def test_colorize_progress_line_has_no_empty_fields(tmp_path, capsys):
    from PIL import Image

    for i in range(3):
        Image.fromarray(np.full((48, 64), 40 * i, np.uint8)).save(tmp_path / f"p{i}.png")
    assert colorize.main([str(tmp_path), "-o", str(tmp_path / "out"), "--device", "cpu"]) == 0
    err = capsys.readouterr().err
    assert ", ," not in err and "img/min" in err

"""Every command ends a user's mistake the same way: one line 'PROG: error: ...' and exit status 2."""

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

"""Argument handling and the checks made before any work (no torch needed)."""

import shutil
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pixart_convert.errors import ConvertError  # noqa: E402
from pixart_convert.folder import check_disk, check_out_dir  # noqa: E402
from pixart_convert.plan import parse_size, parse_weights  # noqa: E402


def test_not_enough_disk_is_refused_with_sizes_and_fix(tmp_path):
    free = shutil.disk_usage(tmp_path).free
    with pytest.raises(ConvertError) as e:
        check_disk(tmp_path / "out", free + 10 * 1024 ** 3, "this conversion")
    assert "not enough disk space" in e.value.problem and "GB is free" in e.value.problem
    assert "--weights" in e.value.fix
    check_disk(tmp_path / "out" / "deeper", 1024, "this conversion")  # fine; the folder need not exist


def test_out_dir_rules(tmp_path):
    check_out_dir(tmp_path / "new", force=False)
    (tmp_path / "empty").mkdir()
    check_out_dir(tmp_path / "empty", force=False)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    with pytest.raises(ConvertError, match="not empty"):
        check_out_dir(other, force=False)
    with pytest.raises(ConvertError, match="does not look like a model folder"):
        check_out_dir(other, force=True)
    model = tmp_path / "model"
    model.mkdir()
    (model / "model_index.json").write_text("{}")
    check_out_dir(model, force=True)


def test_weights_presets_and_per_component():
    assert parse_weights("int4", "fp16") == {"text_encoder": "int4", "transformer": "int8", "vae_decoder": "fp16"}
    assert parse_weights(None, "fp32") == {"text_encoder": "fp32", "transformer": "fp32", "vae_decoder": "fp32"}
    assert parse_weights("text_encoder=int4,transformer=fp32", "fp16") == {
        "text_encoder": "int4", "transformer": "fp32", "vae_decoder": "fp16"}
    with pytest.raises(ConvertError, match="cannot read"):
        parse_weights("unet=int4", "fp16")


def test_size():
    assert parse_size("dynamic") is None
    assert parse_size("1024x768") == (768, 1024)  # WIDTHxHEIGHT → (height, width)
    for bad in ("1000x1000", "big", "0x16"):
        with pytest.raises(ConvertError):
            parse_size(bad)

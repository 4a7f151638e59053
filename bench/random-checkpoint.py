"""A real-size PixArt-α diffusers checkpoint with random weights, written as save_pretrained writes
it, plus torch's own outputs on fixed inputs: the reference for `pixart build-model` at real size.

    .cache/torch-venv/bin/python bench/random-checkpoint.py --out DIR

The transformer and VAE get the weights `models/convert.py --random-weights` gives them (same seeds,
float32), so a converter-made random model's IR is a second reference. T5-XXL is stored in
bfloat16 (9.5 GB instead of 19 GB, so this fits in 24 GB); its reference output is computed in
float32 one block at a time (each block upcast, run, dropped), which is what a float32 build of
those bf16 weights must reproduce. Developer machines only: needs torch, diffusers, transformers.
"""
import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "models"))
from pixart_convert.torch_source import TorchSource  # noqa: E402
from pixart_convert.configs import random_configs  # noqa: E402


def save_reference(out: Path, name: str, **arrays) -> None:
    ref = out / "reference"
    ref.mkdir(exist_ok=True)
    for key, value in arrays.items():
        np.save(ref / f"{name}_{key}.npy", value.detach().cpu().numpy() if torch.is_tensor(value) else value)


def t5_reference(model, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """T5EncoderModel's forward in float32, block by block, on bf16-stored weights."""
    enc = model.encoder
    with torch.no_grad():
        hidden = enc.embed_tokens.weight[ids].float()
        ext = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        position_bias = None
        for block in enc.block:
            block.float()
            out = block(hidden, attention_mask=ext, position_bias=position_bias)
            hidden = out[0]
            position_bias = out[1] if len(out) > 1 and out[1] is not None else position_bias
            block.to(torch.bfloat16)
        enc.final_layer_norm.float()
        return enc.final_layer_norm(hidden)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--components", default="text_encoder,transformer,vae")
    a = p.parse_args()
    out: Path = a.out
    out.mkdir(parents=True, exist_ok=True)
    src = TorchSource("random", model_id="PixArt-alpha/PixArt-LCM-XL-2-1024-MS", seed=0)
    staging = out / ".metadata"
    src.copy_metadata(staging)
    for entry in ("model_index.json", "scheduler", "tokenizer"):
        target = out / entry
        if target.exists():
            shutil.rmtree(target) if target.is_dir() else target.unlink()
        shutil.move(str(staging / entry), str(target))
    shutil.rmtree(staging)
    index = json.loads((out / "model_index.json").read_text())
    index["tokenizer"] = ["transformers", "T5TokenizerFast"]
    (out / "model_index.json").write_text(json.dumps(index, indent=2))
    g = torch.Generator().manual_seed(1)
    components = a.components.split(",")
    if "transformer" in components:
        model = src.load("transformer", torch.float32)
        model.save_pretrained(out / "transformer")
        x = torch.randn(2, 4, 64, 96, generator=g)
        enc = torch.randn(2, 32, 4096, generator=g)
        mask = torch.ones(2, 32)
        mask[0, 20:] = 0
        t = torch.tensor([999, 500])
        res = torch.tensor([[512.0, 768.0]] * 2)
        ar = torch.tensor([[512.0 / 768.0]] * 2)
        with torch.no_grad():
            y = model(x, encoder_hidden_states=enc, timestep=t, encoder_attention_mask=mask,
                      added_cond_kwargs={"resolution": res, "aspect_ratio": ar}, return_dict=False)[0]
        save_reference(out, "transformer", hidden_states=x, encoder_hidden_states=enc, encoder_attention_mask=mask,
                       timestep=t, resolution=res, aspect_ratio=ar, output=y)
        del model
    if "vae" in components:
        model = src.load("vae_decoder", torch.float32)
        model.save_pretrained(out / "vae")
        z = torch.randn(1, 4, 32, 48, generator=g)
        with torch.no_grad():
            y = model.decode(z, return_dict=False)[0]
        save_reference(out, "vae", latents=z, output=y)
        del model
    if "text_encoder" in components:
        model = src._random("text_encoder", torch.bfloat16)
        model.save_pretrained(out / "text_encoder")
        cfg = json.loads((out / "text_encoder" / "config.json").read_text())
        cfg["architectures"] = ["T5EncoderModel"]
        (out / "text_encoder" / "config.json").write_text(json.dumps(cfg, indent=2))
        ids = torch.randint(3, 3000, (2, 32), generator=g)
        mask = torch.ones(2, 32, dtype=torch.int64)
        mask[0, 12:] = 0
        ids[0, 11] = 1
        ids[0, 12:] = 0
        save_reference(out, "text_encoder", input_ids=ids, attention_mask=mask, output=t5_reference(model, ids, mask))
    print(out)


if __name__ == "__main__":
    main()

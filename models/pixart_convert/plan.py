"""Turns --weights and --size into per-component decisions."""

import re

from .errors import ConvertError
from .ir import COMPONENTS, PRECISIONS

# Per-component precision of each --weights preset. The transformer runs at every denoising step,
# so int4 would cost quality where it shows most; T5 runs once per prompt and is the giant
# (4.8 B parameters), so that is where int4 pays (the notebook's choice). The VAE decoder is small
# and almost all convolutions, which weight compression barely shrinks, so it stays fp16.
PRESETS = {
    "fp32": {"text_encoder": "fp32", "transformer": "fp32", "vae_decoder": "fp32"},
    "fp16": {"text_encoder": "fp16", "transformer": "fp16", "vae_decoder": "fp16"},
    "int8": {"text_encoder": "int8", "transformer": "int8", "vae_decoder": "fp16"},
    "int4": {"text_encoder": "int4", "transformer": "int8", "vae_decoder": "fp16"},
}

# Output bytes per fp32 source byte, for the disk check (int4 includes per-group scales and the
# layers NNCF keeps in 8 bits; measured ratios are in models/README.md).
SIZE_FACTOR = {"fp32": 1.0, "fp16": 0.5, "int8": 0.27, "int4": 0.17}


def parse_weights(spec: str | None, default: str) -> dict:
    """'int4' or 'text_encoder=int4,transformer=fp16' (components not named get `default`'s)."""
    spec = spec or default
    if spec in PRESETS:
        return dict(PRESETS[spec])
    out = dict(PRESETS[default])
    for part in spec.split(","):
        name, _, prec = part.partition("=")
        name, prec = name.strip(), prec.strip()
        if name not in COMPONENTS or prec not in PRECISIONS:
            raise ConvertError(
                f"--weights {spec!r}: cannot read {part!r}",
                f"use one of {', '.join(PRECISIONS)}, or COMPONENT=PRECISION pairs joined by commas with "
                f"COMPONENT in {', '.join(COMPONENTS)} (e.g. text_encoder=int4,transformer=fp16)")
        out[name] = prec
    return out


def parse_size(spec: str | None):
    """None for 'dynamic' (every aspect-ratio bin), else (height, width) in pixels from 'WIDTHxHEIGHT'."""
    if spec is None or spec == "dynamic":
        return None
    m = re.fullmatch(r"(\d+)x(\d+)", spec)
    if not m:
        raise ConvertError(f"--size {spec!r} is neither 'dynamic' nor WIDTHxHEIGHT", "e.g. --size 1024x1024 or --size dynamic")
    width, height = int(m.group(1)), int(m.group(2))
    if width % 16 or height % 16 or not width or not height:
        raise ConvertError(f"--size {spec}: width and height must be positive multiples of 16 "
                           "(8 pixels per latent × 2 latents per transformer patch)", "e.g. --size 1024x1024")
    return height, width


def latent_hw(pixel_hw, vae_scale: int):
    return None if pixel_hw is None else (pixel_hw[0] // vae_scale, pixel_hw[1] // vae_scale)

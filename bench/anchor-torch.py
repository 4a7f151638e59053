#!/usr/bin/env python3
"""The benchmark's second anchor: what most Python users would run instead of us — diffusers'
PixArtAlphaPipeline on PyTorch alone, on the CPU, from a diffusers checkpoint folder (--diffusers),
in float32 (--precision f32) or with bfloat16 autocast (--precision bf16: the weights stay float32,
torch.autocast('cpu', dtype=torch.bfloat16) runs the matrix products and convolutions in bf16).
Same prompt, seed, steps and size as our pipeline; torch's own thread count (its default).

One phase of one run, like bench/run-once.ts, with the same arguments and the same JSON line:
  --phase cold   load the checkpoint (from_pretrained), exit (there is no compile; --cache-dir is unused)
  --phase warm   load it again, generate --generations images, then encode --new-prompt

T5-XXL in float32 holds 18 GB; --text-encoder-dtype bf16 loads it in bfloat16 (9 GB) where that
does not fit, and the JSON's runtime says so.
"""
import json
import sys
import time
from contextlib import nullcontext
from functools import partial
from pathlib import Path

from anchor_common import Calls, PhasePeaks, common_parser, default_guidance, finish, run_warm, start_result


def parse_args(argv):
    p = common_parser(__doc__.split("\n\n")[0])
    p.add_argument("--diffusers", required=True, help="a diffusers PixArt-α checkpoint folder (model_index.json, …)")
    p.add_argument("--precision", choices=("f32", "bf16"), default="f32")
    p.add_argument("--text-encoder-dtype", choices=("f32", "bf16"), default="f32")
    return p.parse_args(argv)


def time_components(pipe, calls):
    """Each model's call timed under its component's name (the names anchor.py uses)."""
    def wrap(component, fn):
        return lambda *a, **k: calls.timed(component, lambda: fn(*a, **k))

    pipe.text_encoder.forward = wrap("text_encoder", pipe.text_encoder.forward)
    pipe.transformer.forward = wrap("transformer", pipe.transformer.forward)
    pipe.vae.decode = wrap("vae_decoder", pipe.vae.decode)


def bf16_text_encoder(torch, folder):
    """T5 with bfloat16 weights that hands the pipeline float32 embeddings: diffusers takes the
    latents' dtype from the embeddings, and the float32 transformer needs float32 ones."""
    from transformers import T5EncoderModel

    class Float32Output(torch.nn.Module):
        def __init__(self, t5):
            super().__init__()
            self.t5, self.dtype, self.device = t5, torch.float32, torch.device("cpu")

        def forward(self, input_ids=None, attention_mask=None, **_):
            return [self.t5(input_ids, attention_mask=attention_mask)[0].float()]

    return Float32Output(T5EncoderModel.from_pretrained(str(folder / "text_encoder"), dtype=torch.bfloat16))


def load(torch, folder, args):
    from diffusers import PixArtAlphaPipeline

    if args.text_encoder_dtype == "f32":
        pipe = PixArtAlphaPipeline.from_pretrained(str(folder), dtype=torch.float32)
    else:
        pipe = PixArtAlphaPipeline.from_pretrained(str(folder), text_encoder=None, dtype=torch.float32)
        pipe.text_encoder = bf16_text_encoder(torch, folder)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def main(argv):
    args = parse_args(argv)
    import diffusers
    import torch
    import transformers

    diffusers.utils.logging.disable_progress_bar()
    transformers.utils.logging.disable_progress_bar()

    folder = Path(args.diffusers)
    peaks = PhasePeaks()
    peaks.enter("load")
    t0 = time.perf_counter()
    with torch.inference_mode():
        pipe = load(torch, folder, args)
    load_ms = (time.perf_counter() - t0) * 1000
    t5 = "" if args.text_encoder_dtype == "f32" else ", T5 weights in bf16"
    runtime = f"torch {torch.__version__.split('+')[0]} {args.precision}{t5} ({torch.get_num_threads()} threads), diffusers {diffusers.__version__}"
    result = start_result("anchor-torch", runtime, args.phase, load_ms, peaks, peaks.take())
    if args.phase == "warm":
        calls = Calls(peaks)
        time_components(pipe, calls)
        autocast = partial(torch.autocast, "cpu", dtype=torch.bfloat16) if args.precision == "bf16" else nullcontext
        scheduler_class = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())["_class_name"]
        with torch.inference_mode():
            run_warm(pipe, args, calls, result, default_guidance(args, scheduler_class), autocast)
    finish(result, peaks)


if __name__ == "__main__":
    main(sys.argv[1:])

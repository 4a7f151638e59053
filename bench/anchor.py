#!/usr/bin/env python3
"""The benchmark's anchor: PixArt run the way the OpenVINO notebook "PixArt-α with OpenVINO"
(openvinotoolkit/openvino_notebooks, notebooks/pixart) runs it — diffusers' own PixArtAlphaPipeline
with its text encoder, transformer and VAE replaced by thin torch.nn.Module wrappers around
OpenVINO compiled models — on the same model folder, device, size, steps, seed and compile
properties as our pipeline.

One phase of one run, like bench/run-once.ts, with the same arguments and the same JSON line:
  --phase cold   compile the three models into an empty CACHE_DIR, exit
  --phase warm   compile from that cache, then generate --generations images, then encode --new-prompt

Setup (see CONTRIBUTING, "Benchmark"): python -m venv .cache/bench-venv &&
.cache/bench-venv/bin/pip install -r bench/requirements.txt
"""
import json
import re
import sys
import time
from pathlib import Path

from anchor_common import Calls, PhasePeaks, common_parser, default_guidance, finish, run_warm, start_result

MODEL_FILES = ("openvino_model.xml", "model.xml", "model.onnx")  # as src/pipeline/model-folder.ts


def parse_args(argv):
    p = common_parser(__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--precision", choices=("f32", "auto"), default="f32")
    p.add_argument("--device", default="CPU")
    p.add_argument("--compile-props", default=None,
                   help='JSON {"text_encoder": {...}, "transformer": {...}, "vae_decoder": {...}}: the OpenVINO '
                        "properties our pipeline compiles each model with (bench/bench.ts passes them)")
    return p.parse_args(argv)


def model_file(folder: Path, component: str) -> Path:
    for name in MODEL_FILES:
        if (folder / component / name).exists():
            return folder / component / name
    raise SystemExit(f"{component}: no model file in {folder / component}")


def wrappers(torch, compiled, configs, calls):
    """The notebook's wrappers: modules that look enough like diffusers' models for the pipeline."""
    from collections import namedtuple
    from types import SimpleNamespace

    def port_types(model):
        # A compiled port may carry several names (the tiny ONNX mask is also "/m/Cast_output_0", a
        # compiled timestep also "262"): key by the authored one, as our engines do.
        def name(port):
            names = sorted(port.get_names(), key=lambda n: (re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", n) is None, n))
            return names[0]
        return {name(p): p.get_element_type().to_dtype() for p in model.inputs}

    def run(component, inputs):
        model = compiled[component]
        # CompiledModel.__call__ runs on its one internal InferRequest; its latency is the native call.
        request = getattr(model, "_infer_request", None)
        out = calls.timed(component, lambda: model(inputs)[0], engine_ms=(lambda: request.latency) if request is not None else None)
        return torch.from_numpy(out)

    class TextEncoderWrapper(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.dtype, self.device = torch.float32, torch.device("cpu")
            self.types = port_types(compiled["text_encoder"])

        def forward(self, input_ids=None, attention_mask=None, **_):
            inputs = {"input_ids": input_ids.numpy().astype(self.types["input_ids"]),
                      "attention_mask": attention_mask.numpy().astype(self.types["attention_mask"])}
            return [run("text_encoder", inputs)]

    class TransformerWrapper(torch.nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config, self.dtype, self.device = config, torch.float32, torch.device("cpu")
            self.types = port_types(compiled["transformer"])

        def forward(self, hidden_states=None, timestep=None, encoder_hidden_states=None,
                    encoder_attention_mask=None, added_cond_kwargs=None, **_):
            values = {"hidden_states": hidden_states, "timestep": timestep,
                      "encoder_hidden_states": encoder_hidden_states, "encoder_attention_mask": encoder_attention_mask,
                      **(added_cond_kwargs or {})}
            # Only what the IR declares (resolution/aspect_ratio exist only with sample_size 128), in
            # its element types (diffusers' mask is int64, the IR's f32).
            return [run("transformer", {k: values[k].numpy().astype(t) for k, t in self.types.items()})]

    class VAEDecoderWrapper(torch.nn.Module):
        def __init__(self, config):
            super().__init__()
            self.config, self.dtype, self.device = config, torch.float32, torch.device("cpu")

        def decode(self, latents=None, **_):
            return namedtuple("VAE", "sample")(run("vae_decoder", {"latents": latents.numpy()}))

    ns = lambda d: SimpleNamespace(**d)  # noqa: E731 — diffusers reads config.<field>
    return TextEncoderWrapper(), TransformerWrapper(ns(configs["transformer"])), VAEDecoderWrapper(ns(configs["vae_decoder"]))


def main(argv):
    args = parse_args(argv)
    import openvino as ov
    import torch
    from diffusers import PixArtAlphaPipeline
    from diffusers.schedulers import DPMSolverMultistepScheduler, LCMScheduler
    from transformers import AutoTokenizer

    torch.set_num_threads(1)  # torch only shuffles small tensors here; leave the cores to OpenVINO
    folder = Path(args.model)
    props = json.loads(args.compile_props) if args.compile_props else {}
    peaks = PhasePeaks()
    peaks.enter("load")
    core = ov.Core()
    t0 = time.perf_counter()
    compiled = {}
    for component in ("text_encoder", "transformer", "vae_decoder"):
        config = {**props.get(component, {}), "CACHE_DIR": args.cache_dir}
        compiled[component] = core.compile_model(str(model_file(folder, component)), args.device, config)
    load_ms = (time.perf_counter() - t0) * 1000
    result = start_result("anchor", f"openvino-python {ov.get_version()}", args.phase, load_ms, peaks, peaks.take())

    if args.phase == "warm":
        configs = {c: json.loads((folder / c / "config.json").read_text()) for c in ("transformer", "vae_decoder")}
        scheduler_config = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())
        scheduler_class = scheduler_config["_class_name"]
        scheduler = {"LCMScheduler": LCMScheduler, "DPMSolverMultistepScheduler": DPMSolverMultistepScheduler}[scheduler_class]
        calls = Calls(peaks)
        text_encoder, transformer, vae = wrappers(torch, compiled, configs, calls)
        pipe = PixArtAlphaPipeline(tokenizer=AutoTokenizer.from_pretrained(str(folder / "tokenizer")),
                                   text_encoder=text_encoder, transformer=transformer, vae=vae,
                                   scheduler=scheduler.from_config(scheduler_config))
        pipe.set_progress_bar_config(disable=True)
        run_warm(pipe, args, calls, result, default_guidance(args, scheduler_class))
    finish(result, peaks)


if __name__ == "__main__":
    main(sys.argv[1:])

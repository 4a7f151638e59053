#!/usr/bin/env python3
"""The benchmark's anchor: PixArt run the way the OpenVINO notebook "PixArt-α with OpenVINO"
(openvinotoolkit/openvino_notebooks, notebooks/pixart) runs it — diffusers' own PixArtAlphaPipeline
with its text encoder, transformer and VAE replaced by thin torch.nn.Module wrappers around
OpenVINO compiled models — on the same model folder, device, size, steps, seed and compile
properties as our pipeline.

One phase of one run, like bench/run-once.ts, with the same arguments and the same JSON line:
  --phase cold   compile the three models into an empty CACHE_DIR, exit
  --phase warm   compile from that cache, then generate --generations images

Setup (see README, "Benchmark"): python -m venv .cache/bench-venv &&
.cache/bench-venv/bin/pip install -r bench/requirements.txt
"""
import argparse
import functools
import json
import re
import resource
import sys
import time
from pathlib import Path

MODEL_FILES = ("openvino_model.xml", "model.xml", "model.onnx")  # as src/pipeline/model-folder.ts


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--phase", choices=("cold", "warm"), required=True)
    p.add_argument("--cache-dir", required=True)
    p.add_argument("--size", required=True, help="WIDTHxHEIGHT, generated as is (no resolution binning)")
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--precision", choices=("f32", "auto"), default="f32")
    p.add_argument("--guidance", type=float, default=None)
    p.add_argument("--prompt", default="A small cactus with a happy face in the Sahara desert.")
    p.add_argument("--generations", type=int, default=2)
    p.add_argument("--device", default="CPU")
    p.add_argument("--image-out", default=None)
    p.add_argument("--compile-props", default=None,
                   help='JSON {"text_encoder": {...}, "transformer": {...}, "vae_decoder": {...}}: the OpenVINO '
                        "properties our pipeline compiles each model with (bench/bench.ts passes them)")
    return p.parse_args(argv)


def model_file(folder: Path, component: str) -> Path:
    for name in MODEL_FILES:
        if (folder / component / name).exists():
            return folder / component / name
    raise SystemExit(f"{component}: no model file in {folder / component}")


class Timer:
    """Wall time of each call of one model, and the runtime's own latency of that call."""

    def __init__(self):
        self.calls, self.engine = [], []

    def run(self, compiled, inputs):
        t = time.perf_counter()
        out = compiled(inputs)[0]
        self.calls.append((time.perf_counter() - t) * 1000)
        # CompiledModel.__call__ runs on its one internal InferRequest; its latency is the native call.
        request = getattr(compiled, "_infer_request", None)
        self.engine.append(request.latency if request is not None else self.calls[-1])
        return out


def wrappers(torch, np, compiled, configs, timers):
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

    class TextEncoderWrapper(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model, self.dtype, self.device = model, torch.float32, torch.device("cpu")
            self.types = port_types(model)

        def forward(self, input_ids=None, attention_mask=None, **_):
            inputs = {"input_ids": input_ids.numpy().astype(self.types["input_ids"]),
                      "attention_mask": attention_mask.numpy().astype(self.types["attention_mask"])}
            return [torch.from_numpy(timers["text_encoder"].run(self.model, inputs))]

    class TransformerWrapper(torch.nn.Module):
        def __init__(self, model, config):
            super().__init__()
            self.model, self.config, self.dtype, self.device = model, config, torch.float32, torch.device("cpu")
            self.types = port_types(model)

        def forward(self, hidden_states=None, timestep=None, encoder_hidden_states=None,
                    encoder_attention_mask=None, added_cond_kwargs=None, **_):
            values = {"hidden_states": hidden_states, "timestep": timestep,
                      "encoder_hidden_states": encoder_hidden_states, "encoder_attention_mask": encoder_attention_mask,
                      **(added_cond_kwargs or {})}
            # Only what the IR declares (resolution/aspect_ratio exist only with sample_size 128), in
            # its element types (diffusers' mask is int64, the IR's f32).
            inputs = {k: values[k].numpy().astype(t) for k, t in self.types.items()}
            return [torch.from_numpy(timers["transformer"].run(self.model, inputs))]

    class VAEDecoderWrapper(torch.nn.Module):
        def __init__(self, model, config):
            super().__init__()
            self.model, self.config, self.dtype, self.device = model, config, torch.float32, torch.device("cpu")

        def decode(self, latents=None, **_):
            out = timers["vae_decoder"].run(self.model, {"latents": latents.numpy()})
            return namedtuple("VAE", "sample")(torch.from_numpy(out))

    ns = lambda d: SimpleNamespace(**d)  # noqa: E731 — diffusers reads config.<field>
    return (TextEncoderWrapper(compiled["text_encoder"]),
            TransformerWrapper(compiled["transformer"], ns(configs["transformer"])),
            VAEDecoderWrapper(compiled["vae_decoder"], ns(configs["vae_decoder"])))


def main(argv):
    args = parse_args(argv)
    import numpy as np
    import openvino as ov
    import torch
    from diffusers import PixArtAlphaPipeline
    from diffusers.schedulers import DPMSolverMultistepScheduler, LCMScheduler
    from transformers import AutoTokenizer

    torch.set_num_threads(1)  # torch only shuffles small tensors here; leave the cores to OpenVINO
    folder = Path(args.model)
    props = json.loads(args.compile_props) if args.compile_props else {}
    core = ov.Core()
    t0 = time.perf_counter()
    compiled = {}
    for component in ("text_encoder", "transformer", "vae_decoder"):
        config = {**props.get(component, {}), "CACHE_DIR": args.cache_dir}
        compiled[component] = core.compile_model(str(model_file(folder, component)), args.device, config)
    load_ms = (time.perf_counter() - t0) * 1000
    result = {"impl": "anchor", "runtime": f"openvino-python {ov.get_version()}", "phase": args.phase,
              "loadMs": load_ms, "generations": []}

    if args.phase == "warm":
        configs = {c: json.loads((folder / c / "config.json").read_text()) for c in ("transformer", "vae_decoder")}
        scheduler_config = json.loads((folder / "scheduler" / "scheduler_config.json").read_text())
        scheduler_cls = {"LCMScheduler": LCMScheduler, "DPMSolverMultistepScheduler": DPMSolverMultistepScheduler}[scheduler_config["_class_name"]]
        timers = {}
        text_encoder, transformer, vae = wrappers(torch, np, compiled, configs, timers)
        pipe = PixArtAlphaPipeline(tokenizer=AutoTokenizer.from_pretrained(str(folder / "tokenizer")),
                                   text_encoder=text_encoder, transformer=transformer, vae=vae,
                                   scheduler=scheduler_cls.from_config(scheduler_config))
        pipe.set_progress_bar_config(disable=True)
        scheduler_ms = [0.0]
        step = pipe.scheduler.step

        # functools.wraps keeps step's signature visible: diffusers passes the generator only to a
        # step() that declares it, and LCM draws its between-step noise from it.
        @functools.wraps(step)
        def timed_step(*a, **k):
            t = time.perf_counter()
            try:
                return step(*a, **k)
            finally:
                scheduler_ms[0] += (time.perf_counter() - t) * 1000

        pipe.scheduler.step = timed_step
        width, height = (int(x) for x in args.size.split("x"))
        is_lcm = scheduler_config["_class_name"] == "LCMScheduler"
        guidance = args.guidance if args.guidance is not None else (0.0 if is_lcm else 4.5)
        image = None
        for _ in range(args.generations):
            for c in ("text_encoder", "transformer", "vae_decoder"):
                timers[c] = Timer()
            scheduler_ms[0] = 0.0
            t = time.perf_counter()
            image = pipe(args.prompt, num_inference_steps=args.steps, guidance_scale=guidance, width=width, height=height,
                         generator=torch.Generator().manual_seed(args.seed), use_resolution_binning=False,
                         clean_caption=False).images[0]  # lower().strip(), as without bs4/ftfy
            total = (time.perf_counter() - t) * 1000
            calls = sum(sum(timers[c].calls) for c in timers)
            result["generations"].append({
                "textEncoderMs": sum(timers["text_encoder"].calls),
                "transformerMs": timers["transformer"].calls,
                "transformerTotalMs": sum(timers["transformer"].calls),
                "vaeMs": sum(timers["vae_decoder"].calls),
                "schedulerMs": scheduler_ms[0],
                "postprocessMs": None,  # inside diffusers; part of otherMs
                "callsMs": calls,
                "engineMs": sum(sum(timers[c].engine) for c in timers),
                "otherMs": total - calls,
                "totalMs": total,
            })
        if args.image_out and image is not None:
            rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
            Path(args.image_out).write_bytes(rgb.tobytes())
            result["image"] = {"width": rgb.shape[1], "height": rgb.shape[0], "file": args.image_out}
        del pipe
    compiled.clear()
    result["peakRssMb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])

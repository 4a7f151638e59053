"""What the benchmark's two anchors share (bench/anchor.py: diffusers over OpenVINO, as the OpenVINO
notebook runs it; bench/anchor-torch.py: diffusers on PyTorch alone): the arguments of one run
phase (the spelling of bench/run-args.ts), each model call's timing, the peak RSS of each phase, and
the generation loop that prints the JSON line bench/run-once.ts prints (RunPhase in bench/report.ts).
"""
import argparse
import functools
import json
import re
import resource
import time
from contextlib import nullcontext
from pathlib import Path

DEFAULT_PROMPT = "A small cactus with a happy face in the Sahara desert."
NEW_PROMPT = "A small robot with a sad face in the Arctic snow."
# Which phase a model's call belongs to (the phases of bench/phase-rss.ts).
PHASE_OF = {"text_encoder": "encode", "transformer": "denoise", "vae_decoder": "decode"}


def common_parser(description):
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--phase", choices=("cold", "warm"), required=True)
    p.add_argument("--cache-dir", required=True)
    p.add_argument("--size", required=True, help="WIDTHxHEIGHT, generated as is (no resolution binning)")
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--guidance", type=float, default=None)
    p.add_argument("--prompt", default=DEFAULT_PROMPT)
    p.add_argument("--new-prompt", default=NEW_PROMPT, help="encoded once after the images: T5 warm, on a prompt not seen before")
    p.add_argument("--generations", type=int, default=2)
    p.add_argument("--image-out", default=None)
    return p


def _status_mb(field):
    m = re.search(rf"^{field}:\s+(\d+) kB", Path("/proc/self/status").read_text(), re.M)
    return int(m.group(1)) / 1024


class PhasePeaks:
    """Each phase's peak RSS, as bench/phase-rss.ts measures it: VmHWM, reset through clear_refs."""

    def __init__(self):
        try:
            self.overall = _status_mb("VmHWM")
            Path("/proc/self/clear_refs").write_text("5")
            self.method = "VmHWM"
        except OSError:  # not Linux: no per-phase peaks, only the process's (resource.getrusage)
            self.overall, self.method = 0.0, None
        self.current, self.peaks = None, {}

    def enter(self, phase):
        if phase == self.current:
            return
        if self.method:
            peak = _status_mb("VmHWM")
            self.overall = max(self.overall, peak)
            if self.current is not None:
                self.peaks[self.current] = max(self.peaks.get(self.current, 0.0), peak)
            Path("/proc/self/clear_refs").write_text("5")
        self.current = phase

    def take(self):
        self.enter(None)
        peaks, self.peaks = self.peaks, {}
        return peaks

    def overall_peak_mb(self):
        ru = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        return max(self.overall, _status_mb("VmHWM") if self.method else 0.0, ru)

    def rss_mb(self):
        return _status_mb("VmRSS") if self.method else None


class Calls:
    """Each model call's wall time, and the runtime's own time where it reports one, per component."""

    def __init__(self, peaks):
        self.peaks = peaks
        self.reset()

    def reset(self):
        self.ms = {c: [] for c in PHASE_OF}
        self.engine = {c: [] for c in PHASE_OF}

    def timed(self, component, fn, engine_ms=None):
        self.peaks.enter(PHASE_OF[component])
        t = time.perf_counter()
        out = fn()
        ms = (time.perf_counter() - t) * 1000
        self.ms[component].append(ms)
        self.engine[component].append(engine_ms() if engine_ms else ms)
        return out


def time_scheduler_steps(pipe):
    """Wraps the scheduler's step so its time is counted; returns the one-element accumulator."""
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
    return scheduler_ms


def default_guidance(args, scheduler_class):
    return args.guidance if args.guidance is not None else (0.0 if scheduler_class == "LCMScheduler" else 4.5)


def generation_json(calls, scheduler_ms, total):
    called = sum(sum(v) for v in calls.ms.values())
    return {
        "textEncoderMs": sum(calls.ms["text_encoder"]),
        "transformerMs": calls.ms["transformer"],
        "transformerTotalMs": sum(calls.ms["transformer"]),
        "vaeMs": sum(calls.ms["vae_decoder"]),
        "schedulerMs": scheduler_ms,
        "postprocessMs": None,  # inside diffusers; part of otherMs
        "callsMs": called,
        "engineMs": sum(sum(v) for v in calls.engine.values()),
        "otherMs": total - called,
        "totalMs": total,
    }


def run_warm(pipe, args, calls, result, guidance, autocast=nullcontext):
    """Generates --generations images, then encodes --new-prompt once; fills result in place."""
    import numpy as np
    import torch

    scheduler_ms = time_scheduler_steps(pipe)
    width, height = (int(x) for x in args.size.split("x"))
    image = None
    for _ in range(args.generations):
        calls.reset()
        scheduler_ms[0] = 0.0
        calls.peaks.enter("encode")
        t = time.perf_counter()
        with autocast():
            image = pipe(args.prompt, num_inference_steps=args.steps, guidance_scale=guidance, width=width, height=height,
                         generator=torch.Generator().manual_seed(args.seed), use_resolution_binning=False,
                         clean_caption=False).images[0]  # lower().strip(), as without bs4/ftfy
        total = (time.perf_counter() - t) * 1000
        p = calls.peaks.take()
        result["generations"].append(generation_json(calls, scheduler_ms[0], total))
        result["phaseRss"]["generations"].append({"encodeMb": p.get("encode"), "denoiseMb": p.get("denoise"),
                                                  "decodeMb": p.get("decode"), "afterMb": calls.peaks.rss_mb()})
    calls.reset()
    with autocast():
        pipe.encode_prompt(args.new_prompt, do_classifier_free_guidance=guidance > 1, negative_prompt="", clean_caption=False)
    result["newPromptTextEncoderMs"] = sum(calls.ms["text_encoder"])
    calls.peaks.take()
    if args.image_out and image is not None:
        rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
        Path(args.image_out).write_bytes(rgb.tobytes())
        result["image"] = {"width": rgb.shape[1], "height": rgb.shape[0], "file": args.image_out}


def start_result(impl, runtime, phase, load_ms, peaks, load_peaks):
    return {"impl": impl, "runtime": runtime, "phase": phase, "loadMs": load_ms, "generations": [],
            "phaseRss": {"method": peaks.method, "loadMb": load_peaks.get("load"), "generations": []}}


def finish(result, peaks):
    result["rssEndMb"] = peaks.rss_mb()
    result["peakRssMb"] = peaks.overall_peak_mb()
    print(json.dumps(result))

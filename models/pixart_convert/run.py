"""The conversion, one component at a time: pick the source (a source.Source), check --out and the
disk, build the folder in a staging directory, write the manifest, move it into place."""

import gc
import resource
import shutil
import sys
import time
from pathlib import Path

from .configs import DEFAULT_MODEL_ID, check_known_model
from .errors import ConvertError, require
from .folder import check_disk, check_out_dir, publish, staging_dir, vae_scale_factor, write_manifest
from .ir import (COMPONENTS, IR_NAME, check_io, compress, describe, free_token_axis, latent_sizes, normalize_names,
                 save, set_spatial_size)
from .plan import latent_hw, parse_size, parse_weights
from .source import Source


def make_source(args) -> Source:
    """The one source the arguments name (exactly one of --from-onnx, --from, --random-weights, --model-id)."""
    chosen = [flag for flag, given in (("--from-onnx", args.from_onnx), ("--from", args.from_dir),
                                        ("--random-weights", args.random_weights)) if given]
    if len(chosen) > 1:
        raise ConvertError(f"{' and '.join(chosen)} cannot be combined", "give one source")
    if args.tiny and not args.random_weights:
        raise ConvertError("--tiny only applies to --random-weights", "add --random-weights, or drop --tiny")
    if args.from_onnx:
        if args.model_id:
            raise ConvertError("--model-id cannot be combined with --from-onnx", "give one source")
        from .onnx_source import OnnxSource
        return OnnxSource(Path(args.from_onnx))

    model_id = args.model_id or (DEFAULT_MODEL_ID if args.random_weights else None)
    if model_id:
        check_known_model(model_id)  # before the slow torch import
    purpose = "converting from PyTorch (--model-id / --from / --random-weights)"
    require("torch", purpose=purpose)
    require("diffusers", purpose=purpose)
    require("transformers", purpose=purpose)
    from .torch_source import TorchSource

    if args.random_weights:
        return TorchSource("random", model_id=model_id, tiny=args.tiny, seed=args.seed)
    if args.from_dir:
        if args.model_id:
            raise ConvertError("--model-id cannot be combined with --from", "give one source")
        return TorchSource("local", folder=Path(args.from_dir))
    if not args.model_id:
        raise ConvertError("no source given", "add --model-id " + DEFAULT_MODEL_ID + " (or --from / --from-onnx / --random-weights)")
    return TorchSource("hub", model_id=args.model_id, revision=args.revision)


def peak_rss_gb() -> float:
    # ru_maxrss is KiB on Linux, bytes on macOS
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 ** 3 if sys.platform == "darwin" else 1024 ** 2)


def convert(args) -> Path:
    """Runs the conversion described by parsed CLI arguments; returns the finished folder."""
    started = time.time()
    source = make_source(args)
    precisions = parse_weights(args.weights, default=source.default_precision)
    pixel_hw = parse_size(args.size)
    if {"int8", "int4"} & set(precisions.values()):  # fail before any work, not after the first component
        require("nncf", purpose=f"--weights {args.weights}")
    out = Path(args.out)
    check_out_dir(out, args.force)
    source.preflight()  # e.g. is the hub reachable, before we promise anything about disk space
    check_disk(out, source.estimate_bytes(precisions), "this conversion")
    source.prepare()  # e.g. the download, only once the disk check passed

    staging = staging_dir(out)
    try:
        vae_config = source.copy_metadata(staging)
        scale = vae_scale_factor(vae_config)
        lat = latent_hw(pixel_hw, scale)
        components, sizes = {}, None
        for component in COMPONENTS:
            t0, precision = time.time(), precisions[component]
            print(f"{component}: converting ({precision}) …", flush=True)
            model = source.component_model(component, lat)
            normalize_names(component, model)
            set_spatial_size(component, model, lat)
            free_token_axis(component, model)
            check_io(component, model, f"{source.kind} source")
            if component == "transformer":
                sizes = latent_sizes(model, scale)
            scratch = staging / f".{component}-fp32"
            model = source.ready_to_compress(model, precision, scratch)
            model = compress(model, precision, component)
            xml = staging / component / IR_NAME
            save(model, xml, precision)
            components[component] = {"file": f"{component}/{IR_NAME}", "precision": precision, **describe(model)}
            del model
            gc.collect()
            shutil.rmtree(scratch, ignore_errors=True)
            size_mb = xml.with_suffix(".bin").stat().st_size / 2 ** 20
            print(f"{component}: done in {time.time() - t0:.1f} s, {size_mb:.1f} MB, peak RSS so far {peak_rss_gb():.2f} GB",
                  flush=True)
        extra = source.versions()
        extra.update({"seconds": round(time.time() - started, 1), "peak_rss_gb": round(peak_rss_gb(), 2)})
        write_manifest(staging, source.describe(), components, sizes, extra)
        publish(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    print(f"wrote {out} in {time.time() - started:.1f} s (transformer sizes: {sizes}; peak RSS {peak_rss_gb():.2f} GB)")
    return out

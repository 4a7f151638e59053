#!/usr/bin/env python3
"""Test helper (used by test/conformance/converter.test.ts): prints JSON about models and
tokenizers, with only the light requirements (openvino, tokenizers).

  inspect_models.py io MODEL…                 inputs/outputs (name, element type, shape) of IR/ONNX files
  inspect_models.py compare A B               runs A and B on the same inputs; max relative difference
  inspect_models.py tokenize TOKENIZER CASES  ids of each case's text (tokenizers library)
"""

import json
import sys

import numpy as np


def io(path: str) -> dict:
    import openvino as ov

    model = ov.Core().read_model(path)

    def port(p):
        shape = [d.get_length() if d.is_static else -1 for d in p.get_partial_shape()]
        return {"names": sorted(p.get_names()), "type": p.get_element_type().get_type_name(), "shape": shape}

    return {"inputs": [port(p) for p in model.inputs], "outputs": [port(p) for p in model.outputs]}


def example_inputs(model, seed: int = 0) -> dict:
    """Deterministic inputs in the ranges the pipeline uses, by input name."""
    rng = np.random.default_rng(seed)
    out = {}
    for p in model.inputs:
        shape = [d.get_length() if d.is_static else 1 for d in p.get_partial_shape()]
        shape = [1 if i == 0 else s for i, s in enumerate(shape)]  # batch 1
        name = p.get_any_name()
        if name in ("input_ids",):
            out[name] = rng.integers(3, 3000, shape).astype(np.int64)
        elif name in ("attention_mask", "encoder_attention_mask"):
            mask = np.zeros(shape)
            mask[..., :17] = 1
            out[name] = mask.astype(np.int64 if name == "attention_mask" else np.float32)
        elif name == "timestep":
            out[name] = np.array([999], dtype=np.int64)
        elif name == "resolution":
            out[name] = np.array([[128.0, 128.0]], dtype=np.float32)
        elif name == "aspect_ratio":
            out[name] = np.array([[1.0]], dtype=np.float32)
        else:
            dims = p.get_partial_shape()
            if len(shape) == 4 and not (dims[2].is_static and dims[3].is_static):
                shape[2:] = [16, 16]  # a dynamic latent: the fixtures' size
            out[name] = rng.standard_normal(shape).astype(np.float32)
    return out


def compare(a: str, b: str) -> dict:
    import openvino as ov

    core = ov.Core()
    ma, mb = core.read_model(a), core.read_model(b)
    inputs = example_inputs(mb)  # B's shapes: A may leave dimensions dynamic that B fixes
    config = {"INFERENCE_PRECISION_HINT": "f32"}
    ra = core.compile_model(ma, "CPU", config)(inputs)
    rb = core.compile_model(mb, "CPU", config)(inputs)
    xa, xb = next(iter(ra.values())), next(iter(rb.values()))
    scale = max(float(np.abs(xb).max()), 1e-12)
    return {"max_rel_diff": float(np.abs(xa - xb).max()) / scale, "shape": list(xa.shape)}


def tokenize(tokenizer_json: str, cases_json: str) -> list:
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(tokenizer_json)
    cases = json.load(open(cases_json, encoding="utf-8"))["cases"]
    return [tok.encode(c["text"]).ids for c in cases]


def main(argv):
    cmd, args = argv[0], argv[1:]
    if cmd == "io":
        result = {path: io(path) for path in args}
    elif cmd == "compare":
        result = compare(*args)
    elif cmd == "tokenize":
        result = tokenize(*args)
    else:
        raise SystemExit(f"unknown command {cmd}; see the docstring")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1:])

"""The PyTorch path of models/convert.py on tiny diffusers models (the fixtures' configurations,
random weights): the CLI runs for real, and OpenVINO's outputs are compared with PyTorch's.

Run (needs torch; see models/README.md for the venv):
    .cache/torch-venv/bin/python -m pytest models/tests -q
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")
diffusers = pytest.importorskip("diffusers")
transformers = pytest.importorskip("transformers")
import openvino as ov  # noqa: E402

MODELS = Path(__file__).resolve().parents[1]
REPO = MODELS.parent
FIXTURE = REPO / "test" / "fixtures" / "pixart-tiny"
sys.path.insert(0, str(MODELS))

from pixart_convert.configs import PIXART_TINY, T5_TINY, VAE_TINY  # noqa: E402
from pixart_convert.folder import verify_manifest  # noqa: E402
from pixart_convert.pos_embed import InGraphPatchEmbed  # noqa: E402

# diffusers' PixArt resolution bins (ASPECT_RATIO_1024_BIN): every size the 1024 models generate.
from diffusers.pipelines.pixart_alpha.pipeline_pixart_alpha import ASPECT_RATIO_1024_BIN  # noqa: E402

BINS = sorted({(int(h), int(w)) for h, w in ASPECT_RATIO_1024_BIN.values()})


def rel_err(a, b) -> float:
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.abs(a - b).max() / max(np.abs(b).max(), 1e-12))


def run_convert(*args, expect_ok=True):
    r = subprocess.run([sys.executable, str(MODELS / "convert.py"), *map(str, args)],
                       capture_output=True, text=True, timeout=900)
    if expect_ok:
        assert r.returncode == 0, f"convert.py failed:\n{r.stdout}\n{r.stderr}"
    return r


def compile_ir(folder: Path, component: str):
    core = ov.Core()
    return core.compile_model(str(folder / component / "openvino_model.xml"), "CPU",
                              {"INFERENCE_PRECISION_HINT": "f32"})


def infer(compiled, inputs: dict) -> np.ndarray:
    return next(iter(compiled(inputs).values()))


# ---- a tiny diffusers folder, as PixArtAlphaPipeline.save_pretrained lays it out ---------------

@pytest.fixture(scope="session")
def tiny_diffusers(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("pixart-tiny-diffusers")
    torch.manual_seed(1234)
    t5 = transformers.T5EncoderModel(transformers.T5Config(**{k: v for k, v in T5_TINY.items() if k != "architectures"}))
    t5.save_pretrained(folder / "text_encoder")
    cfg = {k: v for k, v in PIXART_TINY.items() if not k.startswith("_")}
    transformer = diffusers.PixArtTransformer2DModel.from_config(cfg)
    # Random init leaves the output projection at zero in diffusers: make every weight non-trivial.
    with torch.no_grad():
        for p in transformer.parameters():
            p.add_(torch.randn_like(p) * 0.05)
    transformer.save_pretrained(folder / "transformer")
    vae = diffusers.AutoencoderKL.from_config({k: v for k, v in VAE_TINY.items() if not k.startswith("_")})
    vae.save_pretrained(folder / "vae")
    (folder / "tokenizer").mkdir()
    # The PixArt repos ship only spiece.model: the converter must write tokenizer.json itself.
    shutil.copyfile(FIXTURE / "tokenizer" / "spiece.model", folder / "tokenizer" / "spiece.model")
    shutil.copytree(FIXTURE / "scheduler", folder / "scheduler")
    shutil.copyfile(FIXTURE / "model_index.json", folder / "model_index.json")
    return folder


@pytest.fixture(scope="session")
def converted_fp32(tiny_diffusers, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("ir") / "fp32"
    run_convert("--from", tiny_diffusers, "--out", out, "--weights", "fp32")
    return out


def load_torch(folder: Path, component: str):
    if component == "text_encoder":
        return transformers.T5EncoderModel.from_pretrained(folder / "text_encoder", attn_implementation="eager").eval()
    if component == "transformer":
        return diffusers.PixArtTransformer2DModel.from_pretrained(folder / "transformer").eval()
    return diffusers.AutoencoderKL.from_pretrained(folder / "vae").eval()


def transformer_inputs(h: int, w: int, batch: int = 2, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    mask = torch.zeros(batch, 120)
    mask[:, :9] = 1
    mask[-1, :30] = 1
    return {
        "hidden_states": torch.randn(batch, 4, h, w, generator=g),
        "timestep": torch.tensor([999, 500][:batch] + [10] * max(0, batch - 2), dtype=torch.int64),
        "encoder_hidden_states": torch.randn(batch, 120, 32, generator=g),
        "encoder_attention_mask": mask,
        "resolution": torch.tensor([[h * 8.0, w * 8.0]] * batch),
        "aspect_ratio": torch.tensor([[h / w]] * batch),
    }


def torch_transformer(model, x: dict) -> np.ndarray:
    with torch.no_grad():
        return model(x["hidden_states"], encoder_hidden_states=x["encoder_hidden_states"], timestep=x["timestep"],
                     encoder_attention_mask=x["encoder_attention_mask"],
                     added_cond_kwargs={"resolution": x["resolution"], "aspect_ratio": x["aspect_ratio"]},
                     return_dict=False)[0].numpy()


# ---- the position embedding ---------------------------------------------------------------

@pytest.mark.parametrize("embed_dim", [24, 1152])
def test_in_graph_pos_embed_equals_diffusers_for_every_bin(embed_dim):
    """Our tensor-op embedding reproduces get_2d_sincos_pos_embed for every 1024 aspect-ratio bin."""
    from diffusers.models.embeddings import PatchEmbed, get_2d_sincos_pos_embed

    patch = PatchEmbed(height=128, width=128, patch_size=2, in_channels=4, embed_dim=embed_dim, interpolation_scale=2)
    ours = InGraphPatchEmbed(patch)
    for height, width in BINS:
        h, w = height // 16, width // 16  # patches: 8 pixels per latent, 2 latents per patch
        want = get_2d_sincos_pos_embed(embed_dim, (h, w), base_size=64, interpolation_scale=2, output_type="pt")
        got = ours.position_embedding(torch.zeros(1, embed_dim, h, w))[0]
        assert got.shape == want.shape
        assert float((got - want.float()).abs().max()) < 2e-5, (height, width)


# ---- the converted folder ------------------------------------------------------------------

def test_folder_layout_and_manifest(converted_fp32):
    for rel in ["model_index.json", "scheduler/scheduler_config.json", "tokenizer/tokenizer.json",
                "tokenizer/tokenizer_config.json", "pixart-manifest.json"] + [
            f"{c}/{f}" for c in ("text_encoder", "transformer", "vae_decoder")
            for f in ("openvino_model.xml", "openvino_model.bin", "config.json")]:
        assert (converted_fp32 / rel).is_file(), rel
    manifest = json.loads((converted_fp32 / "pixart-manifest.json").read_text())
    assert manifest["transformer_sizes"] == "dynamic"
    assert manifest["source"]["kind"] == "local"
    assert {c["precision"] for c in manifest["components"].values()} == {"fp32"}
    assert verify_manifest(converted_fp32) == []
    tr = {p["name"]: (p["type"], p["shape"]) for p in manifest["components"]["transformer"]["inputs"]}
    assert tr == {"hidden_states": ("f32", [-1, 4, -1, -1]), "timestep": ("i64", [-1]),
                  "encoder_hidden_states": ("f32", [-1, -1, 32]), "encoder_attention_mask": ("f32", [-1, -1]),
                  "resolution": ("f32", [-1, 2]), "aspect_ratio": ("f32", [-1, 1])}


def test_tokenizer_from_spiece_matches_fixture_ids(converted_fp32):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(converted_fp32 / "tokenizer" / "tokenizer.json"))
    cases = json.loads((REPO / "test" / "fixtures" / "tokenizer_cases.json").read_text())["cases"]
    for case in cases:
        assert tok.encode(case["text"]).ids == case["untruncated_ids"], case["text"]


def test_text_encoder_matches_torch(tiny_diffusers, converted_fp32):
    model = load_torch(tiny_diffusers, "text_encoder")
    compiled = compile_ir(converted_fp32, "text_encoder")
    cases = json.loads((REPO / "test" / "fixtures" / "tokenizer_cases.json").read_text())["cases"][:6]
    ids = torch.tensor([c["input_ids"] for c in cases])
    mask = torch.tensor([c["attention_mask"] for c in cases])
    with torch.no_grad():
        want = model(input_ids=ids, attention_mask=mask).last_hidden_state.numpy()
    got = infer(compiled, {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
    assert rel_err(got, want) < 1e-4
    # The token axis is free: run on only the tokens used, the used positions are the same.
    used = int(mask.sum(1).max())
    short = infer(compiled, {"input_ids": ids[:, :used].numpy(), "attention_mask": mask[:, :used].numpy()})
    assert short.shape == (len(cases), used, want.shape[2])
    real = mask[:, :used].numpy().astype(bool)
    assert rel_err(short[real], want[:, :used][real]) < 1e-4


def test_transformer_on_fewer_tokens_matches_torch_on_120(tiny_diffusers, converted_fp32):
    """Padding tokens are masked out: running only the used ones gives diffusers' output on 120."""
    model = load_torch(tiny_diffusers, "transformer")
    compiled = compile_ir(converted_fp32, "transformer")
    x = transformer_inputs(16, 24, batch=2, seed=3)
    used = int(x["encoder_attention_mask"].sum(1).max())
    assert used < 120
    short = {k: v.numpy() for k, v in x.items()}
    short["encoder_hidden_states"] = short["encoder_hidden_states"][:, :used].copy()
    short["encoder_attention_mask"] = short["encoder_attention_mask"][:, :used].copy()
    assert rel_err(infer(compiled, short), torch_transformer(model, x)) < 1e-4


def test_dynamic_transformer_matches_torch_on_every_bin(tiny_diffusers, converted_fp32):
    """One IR, every PixArt 1024 aspect-ratio bin (and the fixtures' small sizes), equal to diffusers."""
    model = load_torch(tiny_diffusers, "transformer")
    compiled = compile_ir(converted_fp32, "transformer")
    sizes = [(16, 16), (16, 24), (24, 16)] + [(h // 8, w // 8) for h, w in BINS]
    for i, (h, w) in enumerate(sizes):
        x = transformer_inputs(h, w, batch=2 if i < 3 else 1, seed=i)
        got = infer(compiled, {k: v.numpy() for k, v in x.items()})
        want = torch_transformer(model, x)
        assert got.shape == want.shape == (x["hidden_states"].shape[0], 8, h, w)
        assert rel_err(got, want) < 1e-4, (h, w, rel_err(got, want))


def test_vae_decoder_matches_torch(tiny_diffusers, converted_fp32):
    model = load_torch(tiny_diffusers, "vae_decoder")
    compiled = compile_ir(converted_fp32, "vae_decoder")
    for h, w in [(16, 16), (16, 24), (24, 16)]:
        latents = torch.randn(1, 4, h, w, generator=torch.Generator().manual_seed(h * w))
        with torch.no_grad():
            want = model.decode(latents, return_dict=False)[0].numpy()
        got = infer(compiled, {"latents": latents.numpy()})
        assert got.shape == (1, 3, 8 * h, 8 * w)
        assert rel_err(got, want) < 1e-4


def test_static_size_and_fp16(tiny_diffusers, tmp_path):
    """--size WIDTHxHEIGHT fixes the transformer and VAE; fp16 weights stay close to fp32."""
    out = tmp_path / "static"
    run_convert("--from", tiny_diffusers, "--out", out, "--size", "128x192", "--weights", "fp16")
    manifest = json.loads((out / "pixart-manifest.json").read_text())
    assert manifest["transformer_sizes"] == [{"height": 192, "width": 128}]
    shapes = {p["name"]: p["shape"] for p in manifest["components"]["transformer"]["inputs"]}
    assert shapes["hidden_states"] == [-1, 4, 24, 16]
    # fp16 loading rounds the weights once and OpenVINO computes in f32 with them: the reference is
    # the same model with its weights rounded to fp16, run in f32.
    rounded = diffusers.PixArtTransformer2DModel.from_pretrained(
        tiny_diffusers / "transformer", torch_dtype=torch.float16).float().eval()
    x = transformer_inputs(24, 16)
    got = infer(compile_ir(out, "transformer"), {k: v.numpy() for k, v in x.items()})
    assert rel_err(got, torch_transformer(rounded, x)) < 1e-4
    model = load_torch(tiny_diffusers, "text_encoder")
    rounded = transformers.T5EncoderModel.from_pretrained(
        tiny_diffusers / "text_encoder", torch_dtype=torch.float16, attn_implementation="eager").float().eval()
    ids = torch.tensor([[5, 6, 7, 8, 1] + [0] * 115])
    mask = (ids > 0).long()
    mask[0, 4] = 1
    got = infer(compile_ir(out, "text_encoder"), {"input_ids": ids.numpy(), "attention_mask": mask.numpy()})
    with torch.no_grad():
        want = rounded(input_ids=ids, attention_mask=mask).last_hidden_state.numpy()
    assert rel_err(got, want) < 1e-3  # measured 1.7e-4: T5's unscaled attention amplifies f32 rounding
    del model


def test_int8_and_int4_weights(tiny_diffusers, tmp_path):
    pytest.importorskip("nncf")
    out = tmp_path / "int4"
    run_convert("--from", tiny_diffusers, "--out", out, "--weights", "int4")
    manifest = json.loads((out / "pixart-manifest.json").read_text())
    assert {k: v["precision"] for k, v in manifest["components"].items()} == {
        "text_encoder": "int4", "transformer": "int8", "vae_decoder": "fp16"}
    x = transformer_inputs(16, 16)
    got = infer(compile_ir(out, "transformer"), {k: v.numpy() for k, v in x.items()})
    want = torch_transformer(load_torch(tiny_diffusers, "transformer"), x)
    assert rel_err(got, want) < 5e-2


def test_random_weights_tiny(tmp_path):
    out = tmp_path / "random"
    run_convert("--random-weights", "--tiny", "--out", out, "--model-id", "PixArt-alpha/PixArt-XL-2-1024-MS")
    manifest = json.loads((out / "pixart-manifest.json").read_text())
    assert manifest["source"]["kind"] == "random"
    assert manifest["source"]["model_id"] == "PixArt-alpha/PixArt-XL-2-1024-MS"
    assert json.loads((out / "scheduler" / "scheduler_config.json").read_text())["_class_name"] == \
        "DPMSolverMultistepScheduler"
    assert verify_manifest(out) == []
    out_ = infer(compile_ir(out, "transformer"), {k: v.numpy() for k, v in transformer_inputs(16, 24).items()})
    assert np.isfinite(out_).all()


def test_no_network_is_a_clear_error(tmp_path):
    env = dict(os.environ, HF_HOME=str(tmp_path / "hf"), HF_ENDPOINT="http://127.0.0.1:9")
    r = subprocess.run([sys.executable, str(MODELS / "convert.py"), "--model-id", "PixArt-alpha/PixArt-LCM-XL-2-1024-MS",
                        "--out", str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 2
    assert "cannot reach 127.0.0.1" in r.stderr and "--from" in r.stderr
    assert not (tmp_path / "out").exists()

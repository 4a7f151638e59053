"""The PyTorch path, as the OpenVINO notebook does it: diffusers/transformers modules →
ov.convert_model (TorchScript trace) → IR. Sources: a Hugging Face model id (downloaded into the
usual HF cache), a local diffusers folder, or random weights from the configs in configs.py.

Memory: one component is loaded (in fp32), converted, saved and freed before the next. Conversion
goes through torch.export, which OpenVINO converts sharing the weights, so the peak is about one
fp32 copy of the largest component (T5-XXL: ~19 GB) plus ~1 GB; weight compression then replaces
the shared fp32 weights one by one. (The TorchScript trace of the notebook needs twice that.)
"""

import gc
import json
import os
from pathlib import Path

import torch  # convert.py checks that torch/diffusers/transformers import before importing this module

from .configs import KNOWN_MODELS, REAL_PARAMS, SCHEDULERS, model_index, random_configs
from .errors import ConvertError, require
from .folder import copy_json, write_json
from .ir import ov
from .plan import SIZE_FACTOR
from .tokenizer import write_tokenizer_folder

MAX_TOKENS = 120  # PixArt's max_sequence_length: the pipeline always pads/truncates to 120
HF_ALLOW = ["model_index.json", "scheduler/*", "tokenizer/*", "text_encoder/*.json", "text_encoder/*.safetensors",
            "transformer/*.json", "transformer/*.safetensors", "vae/*.json", "vae/*.safetensors"]
REPO_ROOT = Path(__file__).resolve().parents[2]
STAND_IN_TOKENIZER = REPO_ROOT / "test" / "fixtures" / "pixart-tiny" / "tokenizer"


def _diffusers():
    return require("diffusers", purpose="converting from PyTorch (--model-id / --from / --random-weights)")


def _transformers():
    return require("transformers", purpose="converting the T5 text encoder")


class TorchSource:
    """kind: 'hub' (model_id), 'local' (folder) or 'random' (tiny or real-size configs)."""

    def __init__(self, kind: str, model_id: str | None = None, folder: Path | None = None,
                 revision: str | None = None, tiny: bool = False, seed: int = 0):
        self.kind, self.model_id, self.revision, self.tiny, self.seed = kind, model_id, revision, tiny, seed
        self.folder = Path(folder) if folder else None
        if kind == "hub" and model_id not in KNOWN_MODELS:
            raise ConvertError(
                f"unknown model id {model_id!r}",
                "use one of: " + ", ".join(KNOWN_MODELS) + " — or download another PixArtAlphaPipeline "
                "model yourself and pass its folder with --from")
        if kind == "local":
            self._check_local_folder()

    # ---- where the weights come from -------------------------------------------------------

    def _check_local_folder(self):
        need = ["model_index.json", "scheduler/scheduler_config.json", "text_encoder/config.json",
                "transformer/config.json", "vae/config.json", "tokenizer"]
        missing = [n for n in need if not (self.folder / n).exists()]
        if missing:
            raise ConvertError(f"--from {self.folder} is not a diffusers PixArt folder: missing {', '.join(missing)}",
                               "pass the folder that PixArtAlphaPipeline.save_pretrained() or a Hugging Face "
                               "download of the model made (it has model_index.json, text_encoder/, transformer/, vae/ …)")
        cls = json.loads((self.folder / "model_index.json").read_text()).get("_class_name")
        if cls not in ("PixArtAlphaPipeline", None):
            raise ConvertError(f"--from {self.folder} holds a {cls}, not a PixArtAlphaPipeline",
                               "convert a PixArt-α model (PixArt-Σ and others use other pipelines)")

    def preflight(self) -> None:
        """For the hub: uses a cached download if there is one (works offline), else checks that
        the hub can be reached, so 'no network' is reported before anything else happens."""
        if self.kind != "hub":
            return
        hub = require("huggingface_hub", purpose="downloading the model")
        try:
            self.folder = Path(hub.snapshot_download(self.model_id, revision=self.revision,
                                                     allow_patterns=HF_ALLOW, local_files_only=True))
        except Exception:
            self.folder = None
            _check_network()

    def prepare(self) -> None:
        """Downloads the model (hub) once the disk check passed."""
        if self.kind != "hub":
            return
        hub = require("huggingface_hub", purpose="downloading the model")
        if self.folder is None:
            print(f"downloading {self.model_id} (~22 GB the first time) into the Hugging Face cache …", flush=True)
            try:
                self.folder = Path(hub.snapshot_download(self.model_id, revision=self.revision, allow_patterns=HF_ALLOW))
            except Exception as e:
                raise ConvertError(f"downloading {self.model_id} failed: {e}",
                                   "check the internet connection and, for gated models, `huggingface-cli login`; "
                                   "or download the model elsewhere and use --from") from e
        # snapshot folders are named by the commit they hold: that is the revision we record
        self.revision = self.folder.name

    def describe(self) -> dict:
        if self.kind == "hub":
            return {"kind": "hub", "model_id": self.model_id, "revision": self.revision}
        if self.kind == "local":
            info = {"kind": "local", "path": str(self.folder.absolute())}
            name = _hub_id_from_cache_path(self.folder)
            if name:
                info["model_id"] = name
            return info
        size = "tiny" if self.tiny else "real-size"
        return {"kind": "random", "model_id": self.model_id, "revision": f"random-weights-{size}-seed{self.seed}",
                "note": "random weights: the images are noise; for measuring speed and memory"}

    def versions(self) -> dict:
        import diffusers
        import torch
        import transformers
        return {"torch": torch.__version__, "diffusers": diffusers.__version__, "transformers": transformers.__version__}

    def estimate_bytes(self, precisions: dict) -> int:
        params = _tiny_params() if self.tiny else REAL_PARAMS
        if self.kind == "local":  # the folder says how big it is (a tiny test model is not T5-XXL)
            params = {c: _folder_params(self.folder / d) for c, d in
                      (("text_encoder", "text_encoder"), ("transformer", "transformer"), ("vae_decoder", "vae"))}
        out = sum(params[c] * 4 * SIZE_FACTOR[precisions[c]] for c in params)
        # a compressed component is first written in fp32 to a scratch file (see run.reload_from_disk)
        out += max((params[c] * 4 for c in params if precisions[c] != "fp32"), default=0)
        download = 0
        if self.kind == "hub" and self.folder is None:  # not in the HF cache yet
            download = 23 * 1024 ** 3  # fp32 T5-XXL (19 GB) + transformer + VAE, kept in the HF cache
        return int(out * 1.1) + download + (64 << 20)

    # ---- metadata ---------------------------------------------------------------------------

    def copy_metadata(self, staging: Path) -> dict:
        if self.kind == "random":
            return self._write_random_metadata(staging)
        copy_json(self.folder / "model_index.json", staging / "model_index.json")
        copy_json(self.folder / "scheduler" / "scheduler_config.json", staging / "scheduler" / "scheduler_config.json")
        write_tokenizer_folder(self.folder / "tokenizer", staging / "tokenizer")
        copy_json(self.folder / "text_encoder" / "config.json", staging / "text_encoder" / "config.json")
        copy_json(self.folder / "transformer" / "config.json", staging / "transformer" / "config.json")
        return copy_json(self.folder / "vae" / "config.json", staging / "vae_decoder" / "config.json")

    def _write_random_metadata(self, staging: Path) -> dict:
        scheduler = SCHEDULERS[KNOWN_MODELS[self.model_id]["scheduler"]]
        write_json(staging / "model_index.json", model_index(scheduler["_class_name"]))
        write_json(staging / "scheduler" / "scheduler_config.json", scheduler)
        # No download: the tokenizer is the test fixture's T5-style one (3100 pieces). Its ids fit
        # any of these vocabularies, which is all random weights need.
        write_tokenizer_folder(STAND_IN_TOKENIZER, staging / "tokenizer")
        configs = random_configs(self.tiny)
        write_json(staging / "text_encoder" / "config.json", configs["text_encoder"])
        write_json(staging / "transformer" / "config.json", configs["transformer"])
        write_json(staging / "vae_decoder" / "config.json", configs["vae"])
        return configs["vae"]

    # ---- the models -------------------------------------------------------------------------

    def component_model(self, component: str, precision: str, latent_hw=None):
        """Loads one component in fp32, wraps it with the notebook's input names, converts it and
        frees the PyTorch copy. Weight compression (fp16/int8/int4) happens later, on the IR."""
        module = self.load(component, torch.float32)
        wrapper, example, shapes, dynamic = export_wrapper(component, module, latent_hw)
        model = to_openvino(wrapper, example, dynamic, component)
        del wrapper, module
        _free_torch_memory()
        name_ports(model, list(example), OUTPUT_NAMES[component])
        model.reshape(shapes)
        return model

    def load(self, component: str, dtype):
        if self.kind == "random":
            return self._random(component, dtype)
        folder = str(self.folder)
        if component == "text_encoder":
            # eager attention: the SDPA path decides in Python whether the mask can be dropped, and
            # a trace would freeze that decision
            return _transformers().T5EncoderModel.from_pretrained(
                folder, subfolder="text_encoder", torch_dtype=dtype, attn_implementation="eager").eval()
        if component == "transformer":
            return _diffusers().PixArtTransformer2DModel.from_pretrained(
                folder, subfolder="transformer", torch_dtype=dtype).eval()
        return _diffusers().AutoencoderKL.from_pretrained(folder, subfolder="vae", torch_dtype=torch.float32).eval()

    def _random(self, component: str, dtype):
        configs = random_configs(self.tiny)
        # Each component gets its own seed so converting one alone gives the same weights.
        torch.manual_seed(self.seed * 3 + ("text_encoder", "transformer", "vae_decoder").index(component))
        previous = torch.get_default_dtype()
        torch.set_default_dtype(dtype)  # build (and initialise) directly in the target dtype: no fp32 copy
        try:
            if component == "text_encoder":
                tf = _transformers()
                cfg = tf.T5Config(**{k: v for k, v in configs["text_encoder"].items() if k != "architectures"})
                cfg._attn_implementation = "eager"
                return tf.T5EncoderModel(cfg).eval()
            if component == "transformer":
                return _diffusers().PixArtTransformer2DModel.from_config(_config_args(configs["transformer"])).eval()
            return _diffusers().AutoencoderKL.from_config(_config_args(configs["vae"])).eval()
        finally:
            torch.set_default_dtype(previous)


OUTPUT_NAMES = {"text_encoder": "last_hidden_state", "transformer": "sample", "vae_decoder": "sample"}


def export_wrapper(component: str, module, latent_hw):
    """(wrapper, example inputs by name, {input: PartialShape}, torch.export dynamic_shapes or None).

    Example values are realistic (a mask with padding, timestep 999, the micro-conditions of the
    example size) so no branch is taken on degenerate data, and the batch is 2 because torch.export
    specialises a dimension whose example is 1. Shapes: batch dynamic; 120 tokens (ir.free_token_axis
    then frees them, which the export's symbolic token axis allows); the
    latent's height/width dynamic unless latent_hw fixes them.
    """
    from torch.export import Dim

    openvino = ov()
    h, w = latent_hw or (32, 48)  # a non-square example, so no dimension can be confused with another
    spatial = [h, w] if latent_hw else [-1, -1]
    batch = Dim("batch", min=1, max=256)
    # Latent sides: 8..256 (64..2048 pixels); the transformer needs them even (2×2 patches).
    half_h, half_w = Dim("half_h", min=4, max=128), Dim("half_w", min=4, max=128)
    # Symbolic, so no 120 is frozen into the graph and ir.free_token_axis can free the axis.
    tokens = Dim("tokens", min=2, max=MAX_TOKENS)
    if component == "text_encoder":
        mask = torch.zeros(2, MAX_TOKENS, dtype=torch.int64)
        mask[:, :17] = 1
        mask[1, 17:40] = 1
        example = {"input_ids": torch.randint(3, 100, (2, MAX_TOKENS)) * mask, "attention_mask": mask}
        shapes = {"input_ids": [-1, MAX_TOKENS], "attention_mask": [-1, MAX_TOKENS]}
        dynamic = {"input_ids": {0: batch, 1: tokens}, "attention_mask": {0: batch, 1: tokens}}
        wrapper = TextEncoderExport(module)
    elif component == "transformer":
        cfg = module.config
        mask = torch.zeros(2, MAX_TOKENS)
        mask[:, :17] = 1.0
        example = {
            "hidden_states": torch.randn(2, cfg.in_channels, h, w),
            "timestep": torch.tensor([999, 999], dtype=torch.int64),
            "encoder_hidden_states": torch.randn(2, MAX_TOKENS, cfg.caption_channels),
            "encoder_attention_mask": mask,
        }
        shapes = {"hidden_states": [-1, cfg.in_channels, *spatial], "timestep": [-1],
                  "encoder_hidden_states": [-1, MAX_TOKENS, cfg.caption_channels],
                  "encoder_attention_mask": [-1, MAX_TOKENS]}
        dynamic = {"hidden_states": {0: batch} if latent_hw else {0: batch, 2: 2 * half_h, 3: 2 * half_w},
                   "timestep": {0: batch}, "encoder_hidden_states": {0: batch, 1: tokens},
                   "encoder_attention_mask": {0: batch, 1: tokens}}
        if module.use_additional_conditions:
            example["resolution"] = torch.tensor([[h * 8.0, w * 8.0]] * 2)
            example["aspect_ratio"] = torch.tensor([[h / w]] * 2)
            shapes.update({"resolution": [-1, 2], "aspect_ratio": [-1, 1]})
            dynamic.update({"resolution": {0: batch}, "aspect_ratio": {0: batch}})
        from .pos_embed import make_position_embedding_dynamic
        make_position_embedding_dynamic(module)
        wrapper = TransformerExport(module)
    else:
        channels = module.config.latent_channels
        example = {"latents": torch.randn(2, channels, h, w)}
        shapes = {"latents": [-1, channels, *spatial]}
        # The VAE branches in Python on its batch and size (diffusers' Upsample2D), which torch.export
        # refuses for a dynamic range; it is small (0.2 GB), so the notebook's trace is fine for it.
        dynamic = None
        wrapper = VaeDecoderExport(module)
    return wrapper, example, {k: openvino.PartialShape(v) for k, v in shapes.items()}, dynamic


def to_openvino(wrapper, example: dict, dynamic: dict, component: str):
    """torch.export → ov.convert_model, falling back to the notebook's TorchScript trace.

    Why torch.export first: OpenVINO converts an ExportedProgram sharing the PyTorch weights, while
    the TorchScript path freezes the module into a second copy, so peak RAM is ~1× the component
    instead of ~2× (measured on the real-size transformer: +0.1 GB vs +2.2 GB over its 2.5 GB).
    """
    with torch.no_grad():
        if dynamic is not None:
            try:
                program = torch.export.export(wrapper, args=(), kwargs=example, dynamic_shapes=dynamic)
                return ov().convert_model(program)
            except Exception as e:  # torch.export rejects some Python control flow that tracing accepts
                print(f"  {component}: torch.export failed ({str(e).splitlines()[0][:200]}); "
                      "using the TorchScript trace (needs ~2× the component in RAM)", flush=True)
        return ov().convert_model(wrapper, example_input=example)


def name_ports(model, input_names: list[str], output_name: str) -> None:
    """Gives the IR exactly the notebook's names (a trace may add or drop tensor names)."""
    for port, name in zip(model.inputs, input_names):
        port.get_tensor().set_names({name})
    model.outputs[0].get_tensor().set_names({output_name})


class TextEncoderExport(torch.nn.Module):
    def __init__(self, encoder):
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids, attention_mask):
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask, return_dict=False)[0]


class TransformerExport(torch.nn.Module):
    def __init__(self, transformer):
        super().__init__()
        self.transformer = transformer

    def forward(self, hidden_states, timestep, encoder_hidden_states, encoder_attention_mask,
                resolution=None, aspect_ratio=None):
        added = {"resolution": resolution, "aspect_ratio": aspect_ratio}
        return self.transformer(hidden_states, encoder_hidden_states=encoder_hidden_states, timestep=timestep,
                                added_cond_kwargs=added, encoder_attention_mask=encoder_attention_mask,
                                return_dict=False)[0]


class VaeDecoderExport(torch.nn.Module):
    def __init__(self, vae):
        super().__init__()
        self.vae = vae

    def forward(self, latents):
        # The pipeline divides by scaling_factor before calling, as the notebook's IR expects.
        return self.vae.decode(latents, return_dict=False)[0]


def _config_args(config: dict) -> dict:
    return {k: v for k, v in config.items() if not k.startswith("_")}


def _folder_params(folder: Path) -> int:
    """Parameters in a diffusers component folder, from its weight files' sizes: counted as fp16
    (the hub's usual format), which over-estimates an fp32 folder rather than under-estimate."""
    weights = [f for f in folder.glob("*") if f.suffix in (".safetensors", ".bin", ".pt", ".pth")]
    return sum(f.stat().st_size for f in weights) // 2


def _tiny_params() -> dict:
    return {"text_encoder": 200_000, "transformer": 200_000, "vae_decoder": 100_000}


def _free_torch_memory() -> None:
    gc.collect()
    # TorchScript keeps traced classes alive; the notebook clears the same caches.
    torch._C._jit_clear_class_registry()
    torch.jit._recursive.concrete_type_store = torch.jit._recursive.ConcreteTypeStore()
    torch.jit._state._clear_class_state()


def _check_network() -> None:
    """Fails fast, with a clear message, when the Hugging Face hub cannot be reached."""
    import socket
    from urllib.parse import urlparse

    if os.environ.get("HF_HUB_OFFLINE") in ("1", "true", "True"):
        raise ConvertError("the model is not in the Hugging Face cache and HF_HUB_OFFLINE is set",
                           "unset HF_HUB_OFFLINE and connect to the internet, or use --from with a downloaded model")
    host = urlparse(os.environ.get("HF_ENDPOINT", "https://huggingface.co")).hostname
    try:
        socket.create_connection((host, 443), timeout=10).close()
    except OSError as e:
        raise ConvertError(f"cannot reach {host} to download the model (no network? {e})",
                           "connect to the internet (or set HTTPS_PROXY), or download the model on another "
                           "machine and pass its folder with --from") from e


def _hub_id_from_cache_path(folder: Path) -> str | None:
    """…/models--PixArt-alpha--PixArt-LCM-XL-2-1024-MS/snapshots/<rev> → the model id."""
    for part in Path(folder).absolute().parts:
        if part.startswith("models--"):
            return part[len("models--"):].replace("--", "/")
    return None

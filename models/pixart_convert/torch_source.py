"""The PyTorch path, as the OpenVINO notebook does it: diffusers/transformers modules →
ov.convert_model (torch_export.py) → IR. Sources: a Hugging Face model id (downloaded into the
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

import torch  # run.make_source checks that torch/diffusers/transformers import before importing this module

from .configs import KNOWN_MODELS, REAL_PARAMS, SCHEDULERS, check_known_model, model_index, random_configs
from .errors import ConvertError, require
from .folder import copy_json, write_json
from .ir import IR_NAME, ov, save
from .plan import SIZE_FACTOR
from .source import Source
from .tokenizer import write_tokenizer_folder
from .torch_export import OUTPUT_NAMES, export_wrapper, free_torch_memory, name_ports, to_openvino

HF_ALLOW = ["model_index.json", "scheduler/*", "tokenizer/*", "text_encoder/*.json", "text_encoder/*.safetensors",
            "transformer/*.json", "transformer/*.safetensors", "vae/*.json", "vae/*.safetensors"]
REPO_ROOT = Path(__file__).resolve().parents[2]
STAND_IN_TOKENIZER = REPO_ROOT / "test" / "fixtures" / "pixart-tiny" / "tokenizer"


def _diffusers():
    return require("diffusers", purpose="converting from PyTorch (--model-id / --from / --random-weights)")


def _transformers():
    return require("transformers", purpose="converting the T5 text encoder")


class TorchSource(Source):
    """kind: 'hub' (model_id), 'local' (folder) or 'random' (tiny or real-size configs)."""
    default_precision = "fp16"

    def __init__(self, kind: str, model_id: str | None = None, folder: Path | None = None,
                 revision: str | None = None, tiny: bool = False, seed: int = 0):
        self.kind, self.model_id, self.revision, self.tiny, self.seed = kind, model_id, revision, tiny, seed
        self.folder = Path(folder) if folder else None
        if kind == "hub":
            check_known_model(model_id)
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
        # a compressed component is first written in fp32 to a scratch file (see ready_to_compress)
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

    def component_model(self, component: str, latent_hw=None):
        """Loads one component in fp32, wraps it with the notebook's input names, converts it and
        frees the PyTorch copy. Weight compression (fp16/int8/int4) happens later, on the IR."""
        module = self.load(component, torch.float32)
        wrapper, example, shapes, dynamic = export_wrapper(component, module, latent_hw)
        model = to_openvino(wrapper, example, dynamic, component)
        del wrapper, module
        free_torch_memory()
        name_ports(model, list(example), OUTPUT_NAMES[component])
        model.reshape(shapes)
        return model

    def ready_to_compress(self, model, precision: str, scratch: Path):
        """Writes the fp32 IR to scratch and reads it back, so its weights are memory-mapped file
        pages instead of the PyTorch tensors OpenVINO shared at conversion (which stay allocated as
        long as the converted model lives). Compressing then adds only the compressed copy: for
        T5-XXL fp16 the peak stays ~20 GB instead of 19 + 9.5 GB, at the cost of a temporary fp32
        file. fp32 is saved as it is, so it needs no copy."""
        if precision == "fp32":
            return model
        xml = scratch / IR_NAME
        save(model, xml, "fp32")
        del model
        gc.collect()
        return ov().Core().read_model(str(xml))

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


def _config_args(config: dict) -> dict:
    return {k: v for k, v in config.items() if not k.startswith("_")}


def _folder_params(folder: Path) -> int:
    """Parameters in a diffusers component folder, from its weight files' sizes: counted as fp16
    (the hub's usual format), which over-estimates an fp32 folder rather than under-estimate."""
    weights = [f for f in folder.glob("*") if f.suffix in (".safetensors", ".bin", ".pt", ".pth")]
    return sum(f.stat().st_size for f in weights) // 2


def _tiny_params() -> dict:
    return {"text_encoder": 200_000, "transformer": 200_000, "vae_decoder": 100_000}


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

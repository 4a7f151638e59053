"""--from-onnx: a model folder whose components are ONNX files (component/model.onnx, the layout of
the test fixtures) → OpenVINO IR. Needs only openvino (+ tokenizers/sentencepiece/protobuf when the
tokenizer folder has just spiece.model)."""

from pathlib import Path

from .errors import ConvertError
from .folder import copy_json
from .ir import COMPONENTS, ov
from .source import Source
from .tokenizer import write_tokenizer_folder

# The diffusers folder name of each component's config (vae_decoder's config is the VAE's).
_CONFIG_DIRS = {"text_encoder": ("text_encoder",), "transformer": ("transformer",), "vae_decoder": ("vae_decoder", "vae")}


class OnnxSource(Source):
    kind = "onnx"
    default_precision = "fp32"  # keeps the ONNX weights as they are

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        missing = [c for c in COMPONENTS if not self.onnx_file(c).is_file()]
        if not self.folder.is_dir() or missing:
            raise ConvertError(
                f"--from-onnx {self.folder}: expected {', '.join(c + '/model.onnx' for c in COMPONENTS)}; "
                f"missing {', '.join(missing) if self.folder.is_dir() else 'the folder itself'}",
                "point --from-onnx at a folder in the fixture layout (see models/README.md)")

    def onnx_file(self, component: str) -> Path:
        return self.folder / component / "model.onnx"

    def describe(self) -> dict:
        import json
        index = self.folder / "pixart-manifest.json"
        info = {"kind": self.kind, "path": str(self.folder.absolute())}
        if index.is_file():  # an ONNX export of ours may say which model it came from
            info["model_id"] = json.loads(index.read_text()).get("source", {}).get("model_id")
        return info

    def estimate_bytes(self, precisions: dict) -> int:
        from .plan import SIZE_FACTOR
        total = sum(self._onnx_bytes(c) * SIZE_FACTOR[precisions[c]] for c in COMPONENTS)
        return int(total * 1.1) + (64 << 20)

    def _onnx_bytes(self, component: str) -> int:
        folder = self.onnx_file(component).parent  # includes external-data files next to it
        return sum(p.stat().st_size for p in folder.iterdir() if p.is_file())

    def copy_metadata(self, staging: Path) -> dict:
        """model_index.json, scheduler, tokenizer, config.json per component; returns the VAE config."""
        for rel in ("model_index.json", "scheduler/scheduler_config.json"):
            if not (self.folder / rel).is_file():
                raise ConvertError(f"--from-onnx {self.folder}: {rel} is missing", "copy it from the diffusers model")
            copy_json(self.folder / rel, staging / rel)
        write_tokenizer_folder(self.folder / "tokenizer", staging / "tokenizer")
        configs = {}
        for component, dirs in _CONFIG_DIRS.items():
            src = next((self.folder / d / "config.json" for d in dirs if (self.folder / d / "config.json").is_file()), None)
            if src is None:
                raise ConvertError(f"--from-onnx {self.folder}: {component}/config.json is missing",
                                   "copy the component's config.json from the diffusers model")
            configs[component] = copy_json(src, staging / component / "config.json")
        return configs["vae_decoder"]

    def component_model(self, component: str, latent_hw):
        # ONNX already carries the notebook's input/output names; OpenVINO reads it as is
        # (--size is applied afterwards, by ir.set_spatial_size).
        return ov().convert_model(str(self.onnx_file(component)))

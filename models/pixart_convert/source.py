"""What the conversion (run.py) needs from where the model comes from, so it is written once for
every source: OnnxSource (--from-onnx) and TorchSource (--model-id, --from, --random-weights)."""

from abc import ABC, abstractmethod
from pathlib import Path


class Source(ABC):
    kind: str  # the manifest's source.kind, also how messages name the source
    default_precision: str  # the weights when --weights is not given

    def preflight(self) -> None:
        """Checks that must fail before the disk check (e.g. can the hub be reached); none by default."""

    @abstractmethod
    def estimate_bytes(self, precisions: dict) -> int:
        """Disk space the conversion needs at these precisions (output, scratch files, download)."""

    def prepare(self) -> None:
        """Slow work done only once the disk check passed (e.g. the download); none by default."""

    @abstractmethod
    def copy_metadata(self, staging: Path) -> dict:
        """Writes model_index.json, the scheduler, the tokenizer and each component's config.json
        into staging; returns the VAE config."""

    @abstractmethod
    def component_model(self, component: str, latent_hw):
        """One component as an fp32 OpenVINO model with the notebook's port names; latent_hw is
        the latent (height, width) of --size, or None for dynamic. Compression happens later."""

    def ready_to_compress(self, model, precision: str, scratch: Path):
        """The model to hand to compression (scratch is a folder it may use for that); by default
        the model itself."""
        return model

    @abstractmethod
    def describe(self) -> dict:
        """The manifest's "source" entry."""

    def versions(self) -> dict:
        """Library versions for the manifest, beyond the converter's own; none by default."""
        return {}

"""The output model folder: refusing to overwrite, checking free disk first, building it in a
staging folder (so a failed run never leaves a half-written model where the extension looks),
and the manifest with a hash of every file."""

import datetime
import hashlib
import json
import os
import platform
import shutil
from pathlib import Path

from . import CONVERTER_VERSION
from .errors import ConvertError

MANIFEST = "pixart-manifest.json"
MANIFEST_FORMAT = 1
GB = 1024 ** 3


def _looks_like_model_folder(path: Path) -> bool:
    return (path / MANIFEST).is_file() or (path / "model_index.json").is_file()


def check_out_dir(out: Path, force: bool) -> None:
    """Refuses a non-empty --out unless --force, and even then only a folder that holds a model
    (so a mistyped --out ~ cannot wipe a home folder)."""
    if not out.exists():
        return
    if not out.is_dir():
        raise ConvertError(f"--out {out} exists and is not a folder", "choose another --out")
    if not any(out.iterdir()):
        return
    if not force:
        raise ConvertError(f"--out {out} is not empty", "choose an empty or new folder, or add --force to replace the model in it")
    if not _looks_like_model_folder(out):
        raise ConvertError(f"--out {out} is not empty and does not look like a model folder (no {MANIFEST} or model_index.json), "
                           "so --force will not delete it", "choose an empty or new folder")


def _existing_ancestor(path: Path) -> Path:
    path = path.absolute()
    while not path.exists():
        path = path.parent
    return path


def check_disk(out: Path, needed_bytes: int, what: str) -> None:
    """Fails before any work when the disk holding --out has less room than the estimate."""
    free = shutil.disk_usage(_existing_ancestor(out)).free
    if free < needed_bytes:
        raise ConvertError(
            f"not enough disk space: {what} needs about {needed_bytes / GB:.1f} GB, "
            f"but only {free / GB:.1f} GB is free on the disk of {out}",
            "free some space, choose --out on another disk, or pick a smaller --weights (see models/README.md)")


def staging_dir(out: Path) -> Path:
    staging = out.absolute().parent / f".{out.name}.partial"
    if staging.exists():
        shutil.rmtree(staging)  # left over from an interrupted run of ours
    staging.mkdir(parents=True)
    return staging


def publish(staging: Path, out: Path) -> None:
    """Moves the finished staging folder to --out (replacing the old model when --force allowed it)."""
    if out.exists():
        shutil.rmtree(out)
    os.replace(staging, out)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 22), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_files(folder: Path) -> dict:
    files = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        rel = path.relative_to(folder).as_posix()
        files[rel] = {"sha256": sha256_file(path), "bytes": path.stat().st_size}
    return files


def write_manifest(folder: Path, source: dict, components: dict, transformer_sizes, extra: dict | None = None) -> dict:
    """pixart-manifest.json: where the model came from, how it was converted, what sizes the
    transformer runs, and a sha256 per file so the extension can tell a complete folder from a
    damaged one."""
    import openvino

    manifest = {
        "format": "pixart-studio-model",
        "format_version": MANIFEST_FORMAT,
        "source": source,
        "converter": {
            "name": "pixart-studio models/convert.py",
            "version": CONVERTER_VERSION,
            "openvino": openvino.__version__,
            "python": platform.python_version(),
        },
        "created": datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat(),
        "components": components,
        "transformer_sizes": transformer_sizes,
        "files": hash_files(folder),
    }
    if extra:
        manifest["converter"].update(extra)
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def verify_manifest(folder: Path) -> list[str]:
    """Problems with a model folder against its manifest (empty when it is intact)."""
    manifest = json.loads((folder / MANIFEST).read_text())
    problems = []
    for rel, meta in manifest["files"].items():
        path = folder / rel
        if not path.is_file():
            problems.append(f"{rel} is missing")
        elif path.stat().st_size != meta["bytes"] or sha256_file(path) != meta["sha256"]:
            problems.append(f"{rel} differs from the manifest (damaged or replaced)")
    return problems


def vae_scale_factor(vae_config: dict) -> int:
    """Pixels per latent: 2^(number of VAE blocks − 1), as diffusers computes it."""
    return 2 ** (len(vae_config.get("block_out_channels", [0, 0, 0, 0])) - 1)


def copy_json(src: Path, dst: Path) -> dict:
    """Copies a JSON file byte for byte (diffusers' may hold -Infinity, which we must not rewrite)
    and returns it parsed (Python's json reads -Infinity)."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dst)
    return json.loads(src.read_text())


def write_json(dst: Path, data: dict) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    dst.write_text(json.dumps(data, indent=2) + "\n")

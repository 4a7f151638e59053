"""Errors that name the problem and the fix, and the lazy import helper built on them."""

import importlib

REQUIREMENTS_HINT = "pip install -r models/requirements.txt"


class ConvertError(Exception):
    """A failure the user can act on: `problem` says what is wrong, `fix` what to do about it."""

    def __init__(self, problem: str, fix: str | None = None):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix

    def __str__(self) -> str:
        return self.problem if not self.fix else f"{self.problem}\n  fix: {self.fix}"


def require(module: str, pip_name: str | None = None, purpose: str = "this conversion"):
    """Imports `module`, or raises a ConvertError naming the pip command that installs it.

    Heavy packages (torch, diffusers, nncf) are imported through this only when the chosen
    source needs them, so the light paths work without them.
    """
    try:
        return importlib.import_module(module)
    except ImportError as e:
        name = pip_name or module.split(".")[0]
        raise ConvertError(
            f"{purpose} needs the Python package '{name}', which is missing or broken ({e})",
            f"pip install {name}   (or everything the converter uses: {REQUIREMENTS_HINT})",
        ) from e

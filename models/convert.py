#!/usr/bin/env python3
"""Converts PixArt-α to the OpenVINO model folder PixArt Studio runs (see models/README.md).

  python models/convert.py --model-id PixArt-alpha/PixArt-LCM-XL-2-1024-MS --out ~/pixart-lcm
  python models/convert.py --from ./PixArt-XL-2-1024-MS --weights int4 --out ~/pixart-xl
  python models/convert.py --from-onnx test/fixtures/pixart-tiny --out /tmp/pixart-tiny-ir
  python models/convert.py --random-weights --tiny --out /tmp/pixart-random-tiny
"""

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pixart_convert import CONVERTER_VERSION  # noqa: E402
from pixart_convert.configs import KNOWN_MODELS  # noqa: E402
from pixart_convert.errors import ConvertError  # noqa: E402


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        prog="convert.py",
        description="Convert PixArt-α (diffusers) to an OpenVINO model folder for PixArt Studio.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Known model ids:\n" + "\n".join(f"  {k}  — {v['about']}" for k, v in KNOWN_MODELS.items()),
    )
    src = p.add_argument_group("source (one of)")
    src.add_argument("--model-id", help="a Hugging Face model id (downloaded into the HF cache); with "
                     "--random-weights it picks the scheduler")
    src.add_argument("--from", dest="from_dir", metavar="FOLDER", help="a local diffusers PixArtAlphaPipeline folder")
    src.add_argument("--from-onnx", metavar="FOLDER", help="a folder with text_encoder/, transformer/, vae_decoder/ "
                     "model.onnx (+ config.json), tokenizer/, scheduler/, model_index.json → IR")
    src.add_argument("--random-weights", action="store_true", help="real-size architectures with random weights, "
                     "no download (for measuring speed and memory)")
    src.add_argument("--tiny", action="store_true", help="with --random-weights: the test fixtures' tiny widths")
    p.add_argument("--out", required=True, help="the model folder to write")
    p.add_argument("--force", action="store_true", help="replace the model already in --out")
    p.add_argument("--weights", help="fp32 | fp16 | int8 | int4, or per component, e.g. text_encoder=int4,transformer=fp16 "
                   "(default: fp16; fp32 for --from-onnx, which keeps the ONNX weights as they are)")
    p.add_argument("--size", default="dynamic", help="dynamic (default: every aspect-ratio bin) or WIDTHxHEIGHT in "
                   "pixels, e.g. 1024x1024, to fix the transformer and VAE to one size")
    p.add_argument("--revision", help="hub revision (branch, tag or commit) for --model-id")
    p.add_argument("--seed", type=int, default=0, help="seed for --random-weights")
    p.add_argument("--version", action="version", version=f"%(prog)s {CONVERTER_VERSION}")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        from pixart_convert.run import convert
        convert(args)
    except ConvertError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; nothing was written to --out", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())

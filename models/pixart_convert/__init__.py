"""PixArt-α → OpenVINO model-folder converter (the package behind models/convert.py).

Modules that need torch/diffusers/nncf import them inside functions, so the ONNX → IR and
tokenizer paths run with only openvino, transformers, sentencepiece, protobuf and tokenizers.
"""

CONVERTER_VERSION = "0.1.0"

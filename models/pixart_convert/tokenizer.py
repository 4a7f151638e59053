"""Writes T5's fast-tokenizer `tokenizer.json` from a SentencePiece `spiece.model`.

The PixArt repositories ship only `spiece.model` (the "slow" T5Tokenizer); the extension reads
`tokenizer.json` with @huggingface/tokenizers. We build the same tokenizer that transformers'
T5Converter (convert_slow_tokenizer.py) produces, but from the SentencePiece proto directly, so
the result does not depend on which transformers version is installed:

- model: Unigram over the proto's pieces and scores, then `<extra_id_{N-1}>` … `<extra_id_0>`
  (T5's sentinel tokens, appended in that reverse order so `<extra_id_0>` has the last id);
- normalizer: the proto's precompiled NFKC-like charsmap, then runs of spaces → one space;
- pre-tokenizer / decoder: Metaspace "▁", always prepended (SentencePiece's dummy prefix);
- post-processor: `$A </s>` (T5 appends end-of-sequence, no start token);
- added tokens: the control/unknown pieces (`<pad>`, `</s>`, `<unk>`) and the sentinels, special.
"""

from pathlib import Path

from .errors import ConvertError, require

# SentencePiece piece types (sentencepiece_model.proto: ModelProto.SentencePiece.Type).
_UNKNOWN, _CONTROL = 2, 3
T5_EXTRA_IDS = 100


def read_spiece_proto(spiece_path: Path):
    """Parses spiece.model with the proto definition sentencepiece ships (needs protobuf)."""
    require("sentencepiece", purpose="reading spiece.model")
    pb2 = require("sentencepiece.sentencepiece_model_pb2", "protobuf", purpose="reading spiece.model")
    proto = pb2.ModelProto()
    try:
        proto.ParseFromString(Path(spiece_path).read_bytes())
    except Exception as e:  # protobuf raises DecodeError, which is not importable portably
        raise ConvertError(f"{spiece_path} is not a SentencePiece model ({e})",
                           "point the converter at the tokenizer folder of a PixArt / T5 model") from e
    if proto.trainer_spec.model_type != 1:  # 1 = UNIGRAM; T5 is always Unigram
        raise ConvertError(f"{spiece_path} is a SentencePiece model of type {proto.trainer_spec.model_type}, "
                           "not the Unigram model T5 uses", "use the T5 tokenizer of the PixArt model")
    return proto


def build_t5_tokenizer(spiece_path: Path, extra_ids: int = T5_EXTRA_IDS):
    """Returns a `tokenizers.Tokenizer` equivalent to transformers' T5TokenizerFast."""
    tk = require("tokenizers", purpose="writing tokenizer.json")
    proto = read_spiece_proto(spiece_path)

    vocab = [(p.piece, p.score) for p in proto.pieces]
    sentinels = [f"<extra_id_{i}>" for i in range(extra_ids - 1, -1, -1)]
    vocab += [(s, 0.0) for s in sentinels]
    tokenizer = tk.Tokenizer(tk.models.Unigram(vocab, unk_id=proto.trainer_spec.unk_id,
                                               byte_fallback=proto.trainer_spec.byte_fallback))

    norms = []
    charsmap = proto.normalizer_spec.precompiled_charsmap
    if charsmap:
        norms.append(tk.normalizers.Precompiled(charsmap))
    norms.append(tk.normalizers.Replace(tk.Regex(" {2,}"), " "))
    tokenizer.normalizer = tk.normalizers.Sequence(norms)

    prepend = "always" if proto.normalizer_spec.add_dummy_prefix else "never"
    tokenizer.pre_tokenizer = tk.pre_tokenizers.Metaspace(replacement="▁", prepend_scheme=prepend, split=True)
    tokenizer.decoder = tk.decoders.Metaspace(replacement="▁", prepend_scheme=prepend, split=True)

    eos = proto.trainer_spec.eos_piece or "</s>"
    eos_id = next((i for i, p in enumerate(proto.pieces) if p.piece == eos), None)
    if eos_id is None:
        raise ConvertError(f"{spiece_path} has no end-of-sequence piece '{eos}'", "use the T5 tokenizer of the PixArt model")
    tokenizer.post_processor = tk.processors.TemplateProcessing(
        single=["$A", eos], pair=["$A", eos, "$B", eos], special_tokens=[(eos, eos_id)])

    specials = [p.piece for p in proto.pieces if p.type in (_UNKNOWN, _CONTROL)]
    tokenizer.add_special_tokens(
        [tk.AddedToken(t, special=True, normalized=False, lstrip=False, rstrip=False, single_word=False)
         for t in specials + sentinels])
    return tokenizer, proto, sentinels


def tokenizer_config(proto, sentinels: list[str]) -> dict:
    """A tokenizer_config.json that both transformers 4 (T5Tokenizer) and 5 read."""
    ts = proto.trainer_spec
    return {
        "tokenizer_class": "T5Tokenizer",
        "eos_token": ts.eos_piece or "</s>",
        "pad_token": ts.pad_piece or "<pad>",
        "unk_token": ts.unk_piece or "<unk>",
        "extra_ids": len(sentinels),
        "additional_special_tokens": list(reversed(sentinels)),
        "model_max_length": 512,
    }


def write_tokenizer_folder(source_dir: Path, out_dir: Path) -> None:
    """Fills out_dir with tokenizer.json + tokenizer_config.json from a source tokenizer folder.

    An existing tokenizer.json is copied unchanged (it is already what the extension reads);
    otherwise it is built from spiece.model. spiece.model and the other small files are copied
    too, so Python tools that want the slow tokenizer still find it.
    """
    import json
    import shutil

    source_dir, out_dir = Path(source_dir), Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ("tokenizer.json", "tokenizer_config.json", "spiece.model", "special_tokens_map.json"):
        if (source_dir / name).is_file():
            shutil.copyfile(source_dir / name, out_dir / name)
    if (out_dir / "tokenizer.json").is_file():
        return
    spiece = source_dir / "spiece.model"
    if not spiece.is_file():
        raise ConvertError(f"the tokenizer folder {source_dir} has neither tokenizer.json nor spiece.model",
                           "use a complete PixArt model (its tokenizer/ folder has spiece.model)")
    tokenizer, proto, sentinels = build_t5_tokenizer(spiece)
    tokenizer.save(str(out_dir / "tokenizer.json"), pretty=True)
    if not (out_dir / "tokenizer_config.json").is_file():
        (out_dir / "tokenizer_config.json").write_text(json.dumps(tokenizer_config(proto, sentinels), indent=2) + "\n")

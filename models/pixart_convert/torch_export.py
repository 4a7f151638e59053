"""One PyTorch component → an OpenVINO model with the notebook's input and output names: wrapped
so its inputs are named, given realistic example inputs and dynamic shapes, then converted through
torch.export (falling back to the notebook's TorchScript trace)."""

import gc

import torch  # imported only through torch_source, after run.make_source checked that torch imports

from .ir import ov

MAX_TOKENS = 120  # PixArt's max_sequence_length: the pipeline always pads/truncates to 120

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


def free_torch_memory() -> None:
    gc.collect()
    # TorchScript keeps traced classes alive; the notebook clears the same caches.
    torch._C._jit_clear_class_registry()
    torch.jit._recursive.concrete_type_store = torch.jit._recursive.ConcreteTypeStore()
    torch.jit._state._clear_class_state()

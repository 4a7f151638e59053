"""What the IR of each component must look like, and the OpenVINO steps shared by all sources:
checking inputs/outputs, fixing the spatial size, compressing weights, saving."""

from pathlib import Path

from .errors import ConvertError, require

COMPONENTS = ("text_encoder", "transformer", "vae_decoder")
IR_NAME = "openvino_model.xml"

# Names and element types of the OpenVINO notebook's IR (see the fixtures README); the TypeScript
# pipeline feeds inputs by these names. resolution/aspect_ratio exist only for transformers with
# micro-conditions (sample_size 128, the 1024 models).
EXPECTED_IO = {
    "text_encoder": {
        "inputs": {"input_ids": "i64", "attention_mask": "i64"},
        "optional_inputs": {},
        "outputs": {"last_hidden_state": "f32"},
    },
    "transformer": {
        "inputs": {"hidden_states": "f32", "timestep": "i64", "encoder_hidden_states": "f32",
                   "encoder_attention_mask": "f32"},
        "optional_inputs": {"resolution": "f32", "aspect_ratio": "f32"},
        "outputs": {"sample": "f32"},
    },
    "vae_decoder": {
        "inputs": {"latents": "f32"},
        "optional_inputs": {},
        "outputs": {"sample": "f32"},
    },
}

PRECISIONS = ("fp32", "fp16", "int8", "int4")


def ov():
    return require("openvino", purpose="the conversion")


def port_name(port) -> str:
    """The tensor name the pipeline uses (after normalize_names each port has exactly one)."""
    return port.get_any_name()


def normalize_names(component: str, model) -> None:
    """Leaves each input/output with only its notebook name.

    OpenVINO may merge tensors and give a port several names (the fixture's transformer mask input
    is also '/m/Cast_output_0'); a runtime that reports "any" name could then report the wrong one.
    """
    spec = EXPECTED_IO[component]
    known = set(spec["inputs"]) | set(spec["optional_inputs"]) | set(spec["outputs"])
    for port in list(model.inputs) + list(model.outputs):
        names = port.get_names() & known
        if len(names) == 1:
            port.get_tensor().set_names(names)


def port_info(port) -> dict:
    """{name, type, shape} with -1 for dynamic dimensions, as the manifest and tests record them."""
    shape = [d.get_length() if d.is_static else -1 for d in port.get_partial_shape()]
    return {"name": port_name(port), "type": port.get_element_type().get_type_name(), "shape": shape}


def describe(model) -> dict:
    return {"inputs": [port_info(p) for p in model.inputs], "outputs": [port_info(p) for p in model.outputs]}


def check_io(component: str, model, source: str) -> None:
    """Refuses a model whose inputs/outputs are not the ones the pipeline feeds and reads."""
    spec = EXPECTED_IO[component]
    io = describe(model)
    got_in = {p["name"]: p["type"] for p in io["inputs"]}
    got_out = {p["name"]: p["type"] for p in io["outputs"]}
    problems = []
    for name, typ in spec["inputs"].items():
        if name not in got_in:
            problems.append(f"missing input '{name}' ({typ})")
        elif got_in[name] != typ:
            problems.append(f"input '{name}' is {got_in[name]}, expected {typ}")
    for name, typ in spec["optional_inputs"].items():
        if name in got_in and got_in[name] != typ:
            problems.append(f"input '{name}' is {got_in[name]}, expected {typ}")
    unknown = set(got_in) - set(spec["inputs"]) - set(spec["optional_inputs"])
    if unknown:
        problems.append(f"unexpected inputs {sorted(unknown)}")
    for name, typ in spec["outputs"].items():
        if name not in got_out:
            problems.append(f"missing output '{name}' ({typ}); it has {sorted(got_out)}")
        elif got_out[name] != typ:
            problems.append(f"output '{name}' is {got_out[name]}, expected {typ}")
    if problems:
        raise ConvertError(f"{component} from {source} is not a PixArt {component} the pipeline can run: "
                           + "; ".join(problems),
                           "export it with the names of the OpenVINO notebook (see /work/shared/fixtures/README.md "
                           "and models/README.md), or convert from the diffusers model instead")


def set_spatial_size(component: str, model, latent_hw: tuple[int, int] | None) -> None:
    """Makes the spatial dimensions of the transformer / VAE input static (latent_hw) or leaves them.

    A static shape lets OpenVINO fold the position embedding and pick kernels for one size; the
    batch stays dynamic because guidance doubles it and users ask for several images.
    """
    if latent_hw is None or component == "text_encoder":
        return
    name = "hidden_states" if component == "transformer" else "latents"
    shapes = {}
    for port in model.inputs:
        shape = port.get_partial_shape()
        if port_name(port) == name:
            for axis, size in zip((2, 3), latent_hw):
                if shape[axis].is_static and shape[axis].get_length() != size:
                    raise ConvertError(
                        f"the {component} source is fixed at latent {shape[2]}x{shape[3]} and cannot be made "
                        f"{latent_hw[0]}x{latent_hw[1]}", "leave out --size to keep the size of the source")
            shape[2], shape[3] = latent_hw
        shapes[port.get_any_name()] = shape
    model.reshape(shapes)


# The inputs whose axis 1 is the prompt's tokens.
TOKEN_INPUTS = {"text_encoder": ("input_ids", "attention_mask"),
                "transformer": ("encoder_hidden_states", "encoder_attention_mask")}
PROBE_TOKENS = 17  # any length other than 120: a graph that froze 120 fails shape inference here


def free_token_axis(component: str, model) -> bool:
    """Makes the token axis of T5's inputs and of the transformer's text inputs dynamic, or leaves it.

    diffusers always runs 120 tokens; the positions after a prompt are padding that the transformer
    masks out (their attention weight is exactly 0), so the pipeline can run only the tokens the
    prompt uses: T5-XXL on a 15-token prompt takes 0.4 s instead of 1.9 s, and T5's outputs at the
    prompt's positions are the same. A graph with 120 frozen in it (a traced constant) fails shape
    inference at another length; it then keeps its fixed 120 and the pipeline pads as diffusers does.
    Returns whether the axis is now dynamic.
    """
    names = TOKEN_INPUTS.get(component)
    if not names:
        return False
    original = {port_name(p): p.get_partial_shape() for p in model.inputs}

    def shapes(tokens: int) -> dict:
        out = {}
        for name, shape in original.items():
            shape = ov().PartialShape(shape)
            if name in names:
                shape[1] = ov().Dimension(tokens)
            out[name] = shape
        return out

    try:
        model.reshape(shapes(PROBE_TOKENS))
        if component == "text_encoder":
            out_tokens = model.outputs[0].get_partial_shape()[1]
            if not (out_tokens.is_static and out_tokens.get_length() == PROBE_TOKENS):
                raise ValueError(f"output has {out_tokens} tokens for {PROBE_TOKENS} in")
        model.reshape(shapes(-1))
        return True
    except Exception as e:  # noqa: BLE001 — any failure means: keep the graph as it was
        print(f"  {component}: keeps its fixed token axis ({str(e).splitlines()[0][:160]})", flush=True)
        model.reshape(original)
        return False


def latent_sizes(model, vae_scale: int):
    """'dynamic', or [{height, width}] in pixels when the transformer's spatial input is static."""
    for port in model.inputs:
        if port_name(port) == "hidden_states":
            shape = port.get_partial_shape()
            if shape[2].is_static and shape[3].is_static:
                return [{"height": shape[2].get_length() * vae_scale, "width": shape[3].get_length() * vae_scale}]
            return "dynamic"
    raise ConvertError("the transformer has no 'hidden_states' input")


def compress(model, precision: str, component: str):
    """Applies weight-only compression for int8/int4 (fp32/fp16 are decided when saving).

    INT8_ASYM is NNCF's default and keeps quality for the transformer; INT4_SYM with groups of 128
    is what the notebook uses for T5 (≈4.5× smaller than fp16). Layers whose width does not divide
    into groups (tiny test models) fall back to one scale per channel.
    """
    if precision in ("fp32", "fp16"):
        return model
    nncf = require("nncf", purpose=f"--weights {precision}")
    if precision == "int8":
        return nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
    try:
        return nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT4_SYM, group_size=128)
    except Exception as e:  # nncf raises its own error types for indivisible channel counts
        if "group" not in str(e).lower():
            raise
        print(f"  {component}: int4 groups of 128 do not fit ({str(e).splitlines()[0]}); using one scale per channel")
        return nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT4_SYM, group_size=-1)


# Ops whose constant inputs are weights, and which input ports hold them.
_WEIGHT_PORTS = {"MatMul": (0, 1), "Convolution": (1,), "GroupConvolution": (1,), "ConvolutionBackpropData": (1,),
                 "Gather": (0,)}


def weights_to_fp16(model) -> int:
    """Stores the weights of MatMul / convolution / embedding ops in fp16 (an f16 constant and a
    Convert back to f32), and nothing else; returns how many it changed.

    Why not save_model(compress_to_fp16=True): that rounds every f32 constant, including the
    sinusoidal frequencies of the timestep embedding, where timesteps up to 999 turn fp16's 5e-4
    rounding into half a radian of phase. diffusers keeps those in f32 even in fp16 pipelines, and
    so do we. Compute stays f32 either way.
    """
    np = require("numpy")
    ops = ov().opset13
    changed = 0
    for op in model.get_ordered_ops():
        for index in _WEIGHT_PORTS.get(op.get_type_name(), ()):
            source = op.input_value(index)
            node = source.get_node()
            if node.get_type_name() != "Constant" or node.get_element_type() != ov().Type.f32:
                continue
            data = node.get_data()
            if data.size < 16:  # scalars and shape-like constants are not weights
                continue
            half = ops.convert(ops.constant(data.astype(np.float16)), ov().Type.f32)
            half.set_friendly_name(node.get_friendly_name())
            source.replace(half.output(0))
            changed += 1
    return changed


def save(model, xml_path: Path, precision: str) -> None:
    """Saves the IR. fp32 stores every weight as the source has it, so the IR computes exactly what
    the source does; fp16 (and the weights int8/int4 left uncompressed) store weights in fp16."""
    xml_path.parent.mkdir(parents=True, exist_ok=True)
    if precision != "fp32":
        weights_to_fp16(model)
    ov().save_model(model, str(xml_path), compress_to_fp16=False)

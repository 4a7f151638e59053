"""Known model ids and the architectures --random-weights builds without downloading anything.

Real sizes: PixArt-XL-2 (PixArt-alpha/PixArt-XL-2-1024-MS and its LCM distillation share it),
T5-v1.1-XXL's encoder (google/t5-v1_1-xxl, PixArt's text encoder) and the Stable Diffusion VAE
(sd-vae-ft-ema). Tiny: the configurations of the test fixtures (test/fixtures/pixart-tiny), the
same architecture with small widths.
"""

from .errors import ConvertError

KNOWN_MODELS = {
    "PixArt-alpha/PixArt-LCM-XL-2-1024-MS": {
        "scheduler": "lcm",
        "about": "LCM distillation: 4 steps, guidance 0 (fast)",
    },
    "PixArt-alpha/PixArt-XL-2-1024-MS": {
        "scheduler": "dpm",
        "about": "the base model: ~20 steps with DPM-Solver++, guidance 4.5, uses negative prompts",
    },
}
DEFAULT_MODEL_ID = "PixArt-alpha/PixArt-LCM-XL-2-1024-MS"


def check_known_model(model_id) -> None:
    """Refuses a model id not in KNOWN_MODELS (run.py checks before the slow torch import)."""
    if model_id not in KNOWN_MODELS:
        raise ConvertError(f"unknown model id {model_id!r}",
                           "use one of: " + ", ".join(KNOWN_MODELS) + " — or download another PixArtAlphaPipeline "
                           "model yourself and pass its folder with --from")


# Parameter counts (measured on the meta device with the configs below), for disk estimates.
REAL_PARAMS = {"text_encoder": 4_762_310_656, "transformer": 611_349_152, "vae_decoder": 49_490_199}

T5_XXL = {
    "architectures": ["T5EncoderModel"], "model_type": "t5",
    "d_model": 4096, "d_ff": 10240, "d_kv": 64, "num_heads": 64, "num_layers": 24, "num_decoder_layers": 24,
    "vocab_size": 32128, "feed_forward_proj": "gated-gelu", "dense_act_fn": "gelu_new", "is_gated_act": True,
    "relative_attention_num_buckets": 32, "relative_attention_max_distance": 128,
    "layer_norm_epsilon": 1e-6, "dropout_rate": 0.1, "initializer_factor": 1.0,
    "tie_word_embeddings": False, "is_encoder_decoder": False, "use_cache": False,
    "pad_token_id": 0, "eos_token_id": 1, "decoder_start_token_id": 0,
}

PIXART_XL_2 = {
    "_class_name": "PixArtTransformer2DModel",
    "activation_fn": "gelu-approximate", "attention_bias": True, "attention_head_dim": 72,
    "caption_channels": 4096, "cross_attention_dim": 1152, "dropout": 0.0, "in_channels": 4,
    "interpolation_scale": None, "norm_elementwise_affine": False, "norm_eps": 1e-6, "norm_num_groups": 32,
    "norm_type": "ada_norm_single", "num_attention_heads": 16, "num_embeds_ada_norm": 1000, "num_layers": 28,
    "out_channels": 8, "patch_size": 2, "sample_size": 128, "upcast_attention": False,
    "use_additional_conditions": None,
}

SD_VAE = {
    "_class_name": "AutoencoderKL",
    "act_fn": "silu", "block_out_channels": [128, 256, 512, 512],
    "down_block_types": ["DownEncoderBlock2D"] * 4, "up_block_types": ["UpDecoderBlock2D"] * 4,
    "in_channels": 3, "out_channels": 3, "latent_channels": 4, "layers_per_block": 2,
    "norm_num_groups": 32, "sample_size": 512, "scaling_factor": 0.18215,
}

# The fixtures' tiny models (see /work/shared/fixtures/README.md): only the widths differ.
T5_TINY = dict(T5_XXL, d_model=32, d_ff=64, d_kv=8, num_heads=4, num_layers=2, num_decoder_layers=2,
               vocab_size=3100, dropout_rate=0.0, tie_word_embeddings=True)
PIXART_TINY = dict(PIXART_XL_2, attention_head_dim=8, num_attention_heads=3, caption_channels=32,
                   cross_attention_dim=24, num_layers=2)
VAE_TINY = dict(SD_VAE, block_out_channels=[8, 8, 16, 16], layers_per_block=1, norm_num_groups=4, sample_size=64)

SCHEDULERS = {
    # PixArt-LCM-XL-2-1024-MS's scheduler/scheduler_config.json
    "lcm": {
        "_class_name": "LCMScheduler", "beta_end": 0.02, "beta_schedule": "linear", "beta_start": 0.0001,
        "clip_sample": False, "clip_sample_range": 1.0, "dynamic_thresholding_ratio": 0.995,
        "num_train_timesteps": 1000, "original_inference_steps": 50, "prediction_type": "epsilon",
        "rescale_betas_zero_snr": False, "sample_max_value": 1.0, "set_alpha_to_one": True, "steps_offset": 0,
        "thresholding": False, "timestep_scaling": 10.0, "timestep_spacing": "leading", "trained_betas": None,
    },
    # PixArt-XL-2-1024-MS's DPM-Solver++ (2nd order, midpoint), as diffusers fills it in
    "dpm": {
        "_class_name": "DPMSolverMultistepScheduler", "algorithm_type": "dpmsolver++", "beta_end": 0.02,
        "beta_schedule": "linear", "beta_start": 0.0001, "dynamic_thresholding_ratio": 0.995,
        "euler_at_final": False, "lower_order_final": True, "num_train_timesteps": 1000,
        "prediction_type": "epsilon", "sample_max_value": 1.0, "solver_order": 2, "solver_type": "midpoint",
        "steps_offset": 0, "thresholding": False, "timestep_spacing": "linspace", "trained_betas": None,
        "use_karras_sigmas": False, "variance_type": None,
    },
}


def model_index(scheduler_class: str) -> dict:
    return {
        "_class_name": "PixArtAlphaPipeline",
        "scheduler": ["diffusers", scheduler_class],
        "text_encoder": ["transformers", "T5EncoderModel"],
        "tokenizer": ["transformers", "T5TokenizerFast"],
        "transformer": ["diffusers", "PixArtTransformer2DModel"],
        "vae": ["diffusers", "AutoencoderKL"],
    }


def random_configs(tiny: bool) -> dict:
    if tiny:
        return {"text_encoder": T5_TINY, "transformer": PIXART_TINY, "vae": VAE_TINY}
    return {"text_encoder": T5_XXL, "transformer": PIXART_XL_2, "vae": SD_VAE}

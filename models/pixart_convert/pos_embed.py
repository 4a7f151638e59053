"""A drop-in for diffusers' PatchEmbed whose 2-D sin-cos position embedding is computed inside the
graph from the latent's height and width.

Why: PatchEmbed keeps the embedding for the training size (128×128 latents) as a buffer and
recomputes it in Python for other sizes (`if self.height != height …`). Tracing evaluates that
`if` once, so the notebook's IR carries a constant [1, 4096, 1152] embedding and runs 1024×1024
only. Here the embedding is built from tensor ops on the input (no Python ints from shapes), so the
traced graph runs every aspect-ratio bin; with a static input shape OpenVINO folds it back into a
constant.

Same numbers as diffusers' get_2d_sincos_pos_embed (embeddings.py), for patch row r and column c
of an h×w patch grid, with D = embed_dim and ω_k = 10000^(−k/(D/4)), k < D/4:
    gw = c / (w / base_size) / interpolation_scale,  gh = r / (h / base_size) / interpolation_scale
    pos[r·w + c] = [sin(gw·ω), cos(gw·ω), sin(gh·ω), cos(gh·ω)]
(diffusers names the first half "emb_h" but fills it from the w-coordinates; the order above is
what it computes). diffusers evaluates the sin/cos in float64; float32 here differs by < 1e-5.
"""

import torch


class InGraphPatchEmbed(torch.nn.Module):
    def __init__(self, patch_embed):
        super().__init__()
        if getattr(patch_embed, "pos_embed_max_size", None) or patch_embed.pos_embed is None:
            raise ValueError("only PixArt's interpolated sin-cos PatchEmbed is supported")
        self.proj = patch_embed.proj
        self.norm = patch_embed.norm if patch_embed.layer_norm else None
        self.flatten = patch_embed.flatten
        self.base_size = float(patch_embed.base_size)
        self.interpolation_scale = float(patch_embed.interpolation_scale)
        self.embed_dim = patch_embed.pos_embed.shape[-1]
        quarter = self.embed_dim // 4
        exponents = torch.arange(quarter, dtype=torch.float64) / (self.embed_dim / 4.0)
        self.register_buffer("omega", (1.0 / 10000 ** exponents).float(), persistent=False)

    def _axis_embedding(self, ones: torch.Tensor) -> torch.Tensor:
        """[n] of ones → [n, D/2] sin/cos embedding of positions 0…n−1 scaled to the base grid."""
        n = ones.sum()
        positions = (ones.cumsum(0) - 1.0) / (n / self.base_size) / self.interpolation_scale
        angles = positions[:, None] * self.omega[None, :]
        return torch.cat([torch.sin(angles), torch.cos(angles)], dim=1)

    def position_embedding(self, patches: torch.Tensor) -> torch.Tensor:
        """[1, h·w, D] for a [B, D, h, w] patch grid, built only from tensor ops on its shape."""
        ones_h = torch.ones_like(patches[0, 0, :, 0], dtype=torch.float32)
        ones_w = torch.ones_like(patches[0, 0, 0, :], dtype=torch.float32)
        emb_w = self._axis_embedding(ones_w)  # [w, D/2]
        emb_h = self._axis_embedding(ones_h)  # [h, D/2]
        # Broadcast to the [h, w] grid by adding zeros: an expand() would need the sizes as ints.
        grid_w = emb_w[None, :, :] + (ones_h * 0.0)[:, None, None]
        grid_h = emb_h[:, None, :] + (ones_w * 0.0)[None, :, None]
        return torch.cat([grid_w, grid_h], dim=2).reshape(1, -1, self.embed_dim)

    def forward(self, latent: torch.Tensor) -> torch.Tensor:
        patches = self.proj(latent)
        pos = self.position_embedding(patches)
        x = patches.flatten(2).transpose(1, 2)  # BCHW -> BNC
        if self.norm is not None:
            x = self.norm(x)
        return (x + pos.to(x.dtype)).to(x.dtype)


def make_position_embedding_dynamic(transformer) -> None:
    """Swaps the transformer's PatchEmbed for InGraphPatchEmbed (same weights, no copies)."""
    transformer.pos_embed = InGraphPatchEmbed(transformer.pos_embed)

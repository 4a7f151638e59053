// The checkpoint's tensors as the PixArt transformer builder reads them: each one's shape checked
// against what config.json implies before it is used, each read counted (for progress), and at the end
// every tensor of the checkpoint accounted for, so a checkpoint with parts this builder does not
// know (another architecture, a newer diffusers) is refused rather than built without them.
import type { IrGraph, Value } from './ir-graph';
import type { Layers } from './layers';
import type { Checkpoint } from './safetensors';
import { Weights, type WeightFormat } from './weights';
import type { PixArtTransformerConfig } from './pixart-config';

export class PixArtCheckpointError extends Error {
  override name = 'PixArtCheckpointError';
}

export class CheckedWeights extends Weights {
  private readonly used = new Set<string>();

  constructor(g: IrGraph, private readonly ckpt: Checkpoint, format: WeightFormat) {
    super(g, ckpt, format);
  }

  /** Tensors read so far. */
  get count(): number {
    return this.used.size;
  }

  get dir(): string {
    return this.ckpt.dir;
  }

  /** Refuses a tensor whose shape is not the one config.json implies (`why` names the fields). */
  expect(name: string, shape: readonly number[], why: string): void {
    const found = this.shape(name);
    if (found.length !== shape.length || found.some((d, i) => d !== shape[i])) {
      throw new PixArtCheckpointError(`${this.ckpt.dir}: ${name} is [${found.join(', ')}], but config.json (${why}) makes it [${shape.join(', ')}]. The weights and config.json are from different models.`);
    }
  }

  override f32(name: string, shape?: readonly number[]): Value {
    const v = super.f32(name, shape);
    this.used.add(name);
    return v;
  }

  override matrix(name: string, format?: WeightFormat): Value {
    const v = super.matrix(name, format);
    this.used.add(name);
    return v;
  }

  /** Refuses a checkpoint with tensors the built graph did not use. */
  checkAllUsed(): void {
    const unused = this.ckpt.names().filter((n) => !this.used.has(n));
    if (unused.length) {
      const list = unused.slice(0, 5).join(', ') + (unused.length > 5 ? ` and ${unused.length - 5} more` : '');
      throw new PixArtCheckpointError(`${this.ckpt.dir}: the checkpoint has tensors a PixArtTransformer2DModel of this config.json does not (${list}): it is another architecture or version, which this builder does not implement.`);
    }
  }

}

/** What every part of the network is built with. */
export interface PixArtNet {
  readonly g: IrGraph;
  readonly l: Layers;
  readonly w: CheckedWeights;
  readonly c: PixArtTransformerConfig;
}

/** nn.Linear(inF, outF, bias) named `prefix`, its weight and bias checked first. */
export function linear(net: PixArtNet, x: Value, prefix: string, inF: number, outF: number, why: string, bias = true): Value {
  net.w.expect(`${prefix}.weight`, [outF, inF], why);
  if (bias) net.w.expect(`${prefix}.bias`, [outF], why);
  else if (net.w.has(`${prefix}.bias`)) throw new PixArtCheckpointError(`${net.w.dir}: ${prefix}.bias is in the checkpoint, but config.json says attention_bias is false. The weights and config.json are from different models.`);
  return net.l.linear(x, prefix, bias);
}

// After a cancelled (or failed) inference, OpenVINO's CPU plugin can hold stale shapes. On a model
// with dynamic dimensions it reshapes a stretch of nodes before running them, but a node records
// the input shapes it last ran with only when it runs; the nodes reshaped and then skipped by the
// cancel keep the new output shapes under the old recorded inputs. A later call at the old shapes
// skips their shape inference and fails ("[CPU] Reshape node … conflicts with the reshape pattern",
// OpenVINO 2026.4, tiny VAE: a call at 4², one cancelled at 256², then 4² again), for every infer
// request of that compiled model. A call whose shapes differ, in every dimension that changed, from
// the shapes run since the last complete call makes all of those nodes re-infer: ShapeHistory says
// when the next call needs such a call first, and which cheap one to make.

/** The input shapes of one call, in port order. */
export type CallShapes = readonly (readonly number[])[];

export class ShapeHistory {
  /** The shapes of the last complete call (if any), then of every call cut short since. */
  private since: CallShapes[] = [];

  completed(shapes: CallShapes): void {
    this.since = [shapes];
  }

  interrupted(shapes: CallShapes): void {
    this.since.push(shapes);
  }

  /**
   * Whether a call at `shapes` could meet a stale node: it repeats, in some dimension, the value of an
   * earlier call where a later call changed that dimension.
   */
  needsRepair(shapes: CallShapes): boolean {
    return this.changedDims().some(({ input, dim, values }) => {
      const v = shapes[input]?.[dim];
      return values.some((earlier, i) => earlier === v && values.slice(i + 1).some((later) => later !== earlier));
    });
  }

  /**
   * Shapes that re-infer every node a cut-short call may have left stale: each changed dimension gets
   * a small power of two no call since has used (never 1, which OpenVINO treats as broadcasting),
   * every other dimension keeps its value.
   */
  repairShapes(): number[][] {
    const latest = this.since[this.since.length - 1] ?? [];
    const shapes = latest.map((s) => [...s]);
    for (const { input, dim, values } of this.changedDims()) {
      let v = 2;
      while (values.includes(v)) v *= 2;
      shapes[input][dim] = v;
    }
    return shapes;
  }

  /** The dimensions whose value changed between calls since the last complete one, with their values in order. */
  private changedDims(): { input: number; dim: number; values: number[] }[] {
    const latest = this.since[this.since.length - 1];
    if (!latest || this.since.length < 2) return [];
    const out: { input: number; dim: number; values: number[] }[] = [];
    latest.forEach((shape, input) =>
      shape.forEach((_, dim) => {
        const values = this.since.map((s) => s[input]?.[dim] ?? -1);
        if (values.some((v) => v !== values[0])) out.push({ input, dim, values });
      }),
    );
    return out;
  }
}

/** Guards shared by both schedulers' step(): a schedule is set, steps come in order, sizes agree. */
export function checkStep(
  numSteps: number,
  expectedIndex: number,
  stepIndex: number,
  modelOutput: Float32Array,
  sample: Float32Array,
): void {
  if (numSteps === 0) throw new Error('scheduler: call setTimesteps() before step()');
  if (stepIndex !== expectedIndex) {
    throw new Error(`scheduler: step ${stepIndex} requested but the next step is ${expectedIndex} (steps run in order)`);
  }
  if (stepIndex >= numSteps) throw new Error(`scheduler: all ${numSteps} steps have been taken`);
  if (modelOutput.length !== sample.length) {
    throw new Error(
      `scheduler: model output has ${modelOutput.length} values but the sample has ${sample.length}` +
        ' (drop the learned-sigma channels and apply guidance first)',
    );
  }
}

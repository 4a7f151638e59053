import { test, mock } from 'node:test';
import assert from 'node:assert/strict';
import { PhaseReporter } from '../../src/worker/phase-reporter';
import type { PhaseInfo } from '../../src/pipeline/pipeline';

test('each phase is posted as it starts, then every second with the elapsed time, until the next phase or stop()', () => {
  mock.timers.enable({ apis: ['setInterval'] });
  try {
    let now = 0;
    const posted: PhaseInfo[] = [];
    const r = new PhaseReporter((p) => posted.push(p), () => now);
    r.report({ phase: 'decoding', step: 4, steps: 4, elapsedMs: 5000 });
    now = 1000;
    mock.timers.tick(1000);
    now = 2000;
    mock.timers.tick(1000);
    assert.deepEqual(posted.map((p) => [p.phase, p.elapsedMs]), [['decoding', 5000], ['decoding', 6000], ['decoding', 7000]]);
    r.report({ phase: 'denoising', step: 1, steps: 4, elapsedMs: 7100 });
    now = 2500;
    mock.timers.tick(500);
    assert.equal(posted.length, 4, 'the interval restarts with a new phase');
    r.stop();
    mock.timers.tick(5000);
    assert.equal(posted.length, 4, 'nothing after stop()');
  } finally {
    mock.timers.reset();
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingReplies } from '../../src/protocol/request-reply';

test('a reply settles its own request; unknown and repeated replies are ignored', async () => {
  const sent: number[] = [];
  const r = new PendingReplies<string>(10_000, () => 'none');
  const a = r.request((id) => sent.push(id));
  const b = r.request((id) => sent.push(id));
  assert.deepEqual(sent, [1, 2]);
  assert.equal(r.latest, 2);
  assert.equal(r.resolve(2, 'two'), true);
  assert.equal(r.resolve(2, 'again'), false);
  assert.equal(r.resolve(99, 'stray'), false);
  assert.equal(await b, 'two');
  r.dispose();
  assert.equal(await a, 'none');
});

test('a reply that never comes settles with the fallback after the timeout', async () => {
  const r = new PendingReplies<number>(20, () => -1);
  const t0 = performance.now();
  assert.equal(await r.request(() => undefined), -1);
  assert.ok(performance.now() - t0 >= 15);
  assert.equal(r.resolve(1, 5), false, 'a late reply finds nobody waiting');
});

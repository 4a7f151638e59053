// A short seeded slice of insertion's property tests (test/support/all-properties.ts); `npm run fuzz`
// runs 100,000 inputs of each. A failure prints its seed and path: rerun with FC_SEED=<seed> (and FC_RUNS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROPERTY_GROUPS, seededSlice } from '../support/all-properties';

test('insertion.ts is pure: it imports Node built-ins only (no vscode), so the properties run in plain Node', () => {
  const source = readFileSync(join(__dirname, '..', '..', 'src', 'extension', 'insertion.ts'), 'utf8');
  const imports = [...source.matchAll(/^import\s[^;]*?from\s+['"]([^'"]+)['"]/gms)].map((m) => m[1]);
  assert.ok(imports.length > 0, 'no imports found: the pattern no longer matches the file');
  assert.deepEqual(imports.filter((m) => !m.startsWith('node:')), []);
  assert.doesNotMatch(source, /\brequire\s*\(|\bimport\s*\(/, 'no dynamic imports either');
});

seededSlice(PROPERTY_GROUPS.insertion);

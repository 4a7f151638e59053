import { join } from 'node:path';

export const fixturesDir = join(__dirname, '..', 'fixtures');
export const tinyModelDir = join(fixturesDir, 'pixart-tiny');
export const casesDir = join(fixturesDir, 'cases');
export const caseDir = (name: string) => join(casesDir, name);

// A short seeded slice of the readers' property tests (test/support/all-properties.ts); `npm run fuzz`
// runs 100,000 inputs of each. A failure prints its seed and path: rerun with FC_SEED=<seed> (and FC_RUNS).
import { PROPERTY_GROUPS, seededSlice } from '../support/all-properties';

seededSlice(PROPERTY_GROUPS.readers);

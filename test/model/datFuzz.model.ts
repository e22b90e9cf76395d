// The damaged trace.dat property (test/support/datFuzz.ts) on all of its fixed cases: 250 per
// fixture at seed 14, of which npm test runs the first 60 (test/core/datFuzz.test.ts).
import { damagedDatTests, FUZZ_SEED } from '../support/datFuzz';

damagedDatTests(250, FUZZ_SEED);

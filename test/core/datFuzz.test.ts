// The damaged trace.dat property (test/support/datFuzz.ts) on a share of its cases: the first 60
// of each fixture's 250 at seed 14, which `npm run test:model` runs in full
// (test/model/datFuzz.model.ts). `npm run test:fuzz` runs KVM_SPIN_FUZZ_RUNS per fixture from a
// random seed.
import { damagedDatTests, FUZZ_SEED } from '../support/datFuzz';

const QUICK_RUNS = 60;
const runs = process.env.KVM_SPIN_FUZZ_RUNS;
damagedDatTests(runs ? Number(runs) : QUICK_RUNS, runs ? Date.now() % 2 ** 31 : FUZZ_SEED);

// The simulator's guest view against its own truth on three scenarios under three policies: the
// labels read from the guest events match the simulator's per decision. Nine 0.1 s runs, so the
// policies other than vanilla-5.6 run here (`npm run test:model`); vanilla-5.6 in npm test
// (sim/guestView.test.ts, core/replayTruth.test.ts).
import { test } from 'node:test';
import { assertGuestLabelsMatch } from '../support/guestViewRuns';

for (const scenario of ['paper', 'lock-2vm', 'ipi-tlb']) {
  for (const policy of ['strict-boost', 'vanilla-6.6']) {
    test(`${scenario} / ${policy}: labels from guest events match the simulator's per decision`, () => assertGuestLabelsMatch(scenario, policy));
  }
}

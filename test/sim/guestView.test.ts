// The simulator's guest view against its own truth: the labels read from the guest events
// (guestTruth.ts) match the simulator's label of each decision. Here lock-2vm under vanilla-5.6;
// paper and ipi-tlb under vanilla-5.6 in core/replayTruth.test.ts (which shares their runs), the
// other policies in model/guestView.model.ts (`npm run test:model`).
import { test } from 'node:test';
import { assertGuestLabelsMatch } from '../support/guestViewRuns';

test('lock-2vm / vanilla-5.6: labels from guest events match the simulator\'s per decision', () => assertGuestLabelsMatch('lock-2vm', 'vanilla-5.6'));

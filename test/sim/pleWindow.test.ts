// The PLE window arithmetic of __grow_ple_window / __shrink_ple_window (arch/x86/kvm/x86.h).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { grownPleWindow, pleWindowNs, shrunkPleWindow } from '../../src/core/sim/kvm/pleWindow';
import type { Hardware } from '../../src/core/sim/scenario';

const vmx = { window: 4096, grow: 2, shrink: 0, max: 2 ** 32 - 1 };

test('grow multiplies while the modifier is below the base, adds otherwise, and stops at max', () => {
  assert.equal(grownPleWindow(4096, vmx), 8192);
  assert.equal(grownPleWindow(4096, { ...vmx, grow: 5000 }), 9096);
  assert.equal(grownPleWindow(3_000_000_000, vmx), 2 ** 32 - 1);
  assert.equal(grownPleWindow(60_000, { ...vmx, max: 65_535 }), 65_535);
});

test('a modifier of 0 resets the window to the base, growing or shrinking', () => {
  assert.equal(grownPleWindow(16_384, { ...vmx, grow: 0 }), 4096);
  assert.equal(shrunkPleWindow(16_384, vmx), 4096);
});

test('shrink divides while the modifier is below the base, subtracts otherwise, and never goes under the base', () => {
  assert.equal(shrunkPleWindow(16_384, { ...vmx, shrink: 3 }), 5461);
  assert.equal(shrunkPleWindow(16_384, { ...vmx, shrink: 10_000 }), 6384);
  assert.equal(shrunkPleWindow(5000, { ...vmx, shrink: 2 }), 4096);
});

test('the window lasts cycles on Intel and PAUSE instructions on AMD', () => {
  const hw = (vendor: 'intel' | 'amd') => ({ vendor, pauseCycles: 40 }) as Hardware;
  assert.equal(pleWindowNs(4096, hw('intel'), 2), 2048);
  assert.equal(pleWindowNs(3000, hw('amd'), 2), 60_000);
});

// The simulator's dense per-site counters: counted by SITE_ID, returned sparse by name.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { SITES } from '../../src/core/analysis/sites';
import { SITE_ID, SiteCounters } from '../../src/core/sim/siteCounters';

test('SITE_ID numbers every site by its place in SITES', () => {
  assert.equal(Object.keys(SITE_ID).length, SITES.length);
  SITES.forEach((site, i) => assert.equal(SITE_ID[site], i));
});

test('counts land on their site and vCPU only, and come back sparse', () => {
  const c = new SiteCounters(3);
  c.count(SITE_ID['on_spin.entry'], 2);
  c.count(SITE_ID['on_spin.entry'], 2);
  c.count(SITE_ID['on_spin.candidate'], 0);
  c.count(SITE_ID['ple_window.shrink'], 1);
  const hits = c.hits();
  assert.deepEqual(Object.keys(hits), [...SITES]);
  assert.deepEqual(hits['on_spin.entry'], [, , 2]);
  assert.equal(0 in hits['on_spin.entry'], false);
  assert.deepEqual(hits['on_spin.candidate'], [1]);
  assert.deepEqual(hits['ple_window.shrink'], [, 1]);
  assert.deepEqual(hits['ple_window.grow'], []);
});

test('reset clears every count', () => {
  const c = new SiteCounters(2);
  c.count(SITE_ID['on_spin.give_up'], 1);
  c.reset();
  assert.deepEqual(c.hits()['on_spin.give_up'], []);
});

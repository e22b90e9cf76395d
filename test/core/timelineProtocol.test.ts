// The timeline's messages are validated on receipt: well-formed requests pass unchanged,
// anything malformed (from a compromised or buggy webview) is refused as a whole.
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import { parseHostMessage, parseWebviewMessage, TIMELINE_MAX_WIDTH_PX, EVENT_LIST_MAX_LIMIT } from '../../src/shared/protocol';

test('timeline, details and event-list requests: well-formed ones pass, malformed ones are refused', () => {
  const timeline = { type: 'timeline', id: 3, request: { startNs: 10, endNs: 20, widthPx: 800, lanes: { vcpus: [0, 2], cpus: [1] } } };
  assert.deepEqual(parseWebviewMessage(timeline), timeline);
  for (const request of [
    { startNs: 20, endNs: 10, widthPx: 800 },
    { startNs: 0, endNs: Infinity, widthPx: 800 },
    { startNs: 0, endNs: 10, widthPx: 0 },
    { startNs: 0, endNs: 10, widthPx: TIMELINE_MAX_WIDTH_PX + 1 },
    { startNs: 0, endNs: 10, widthPx: 1.5 },
    { startNs: 0, endNs: 10, widthPx: 10, lanes: { vcpus: [-1], cpus: [] } },
    { startNs: 0, endNs: 10, widthPx: 10, lanes: { vcpus: ['0'], cpus: [] } },
    { startNs: 0, endNs: 10, widthPx: 10, lanes: null },
  ]) {
    assert.equal(parseWebviewMessage({ type: 'timeline', id: 1, request }), null, JSON.stringify(request));
  }
  assert.equal(parseWebviewMessage({ ...timeline, id: -1 }), null);
  const details = { type: 'timelineDetails', id: 4, request: { lane: 'vcpu', index: 1, ns: 5, toleranceNs: 2 } };
  assert.deepEqual(parseWebviewMessage(details), details);
  assert.equal(parseWebviewMessage({ ...details, request: { ...details.request, lane: 'gpu' } }), null);
  assert.equal(parseWebviewMessage({ ...details, request: { ...details.request, toleranceNs: -1 } }), null);
  const list = { type: 'eventList', id: 5, request: { startNs: 0, endNs: 10, offset: 0, limit: 200, filter: { vm: 'vm0', vcpuLane: 1, cpu: 3, event: 'kvm_exit' } } };
  assert.deepEqual(parseWebviewMessage(list), list);
  assert.equal(parseWebviewMessage({ ...list, request: { ...list.request, limit: EVENT_LIST_MAX_LIMIT + 1 } }), null);
  assert.equal(parseWebviewMessage({ ...list, request: { ...list.request, filter: { cpu: 'x' } } }), null);
  assert.equal(parseWebviewMessage({ ...list, request: { ...list.request, filter: null } }), null);
  // Unknown filter keys are dropped, not passed on.
  assert.deepEqual(parseWebviewMessage({ ...list, request: { ...list.request, filter: { evil: 1 } } }), { ...list, request: { ...list.request, filter: {} } });
  assert.deepEqual(parseWebviewMessage({ type: 'exportPerfetto', out: '/etc/passwd' }), { type: 'exportPerfetto' });
});

test('host replies for the timeline are recognised by the webview, others refused', () => {
  assert.ok(parseHostMessage({ type: 'timeline', id: 1, window: { lanes: [] } }));
  assert.equal(parseHostMessage({ type: 'timeline', id: 1, window: {} }), null);
  assert.ok(parseHostMessage({ type: 'timelineDetails', id: 2, details: null }));
  assert.ok(parseHostMessage({ type: 'eventList', id: 3, page: { rows: [] } }));
  assert.equal(parseHostMessage({ type: 'eventList', id: 'x', page: { rows: [] } }), null);
});

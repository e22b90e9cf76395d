// Hostile scenario JSON: fast-check mutations of the built-in scenarios (values replaced by
// other JSON, keys dropped or renamed to prototype names, sizes pushed to extremes, the text
// cut or a byte flipped). Each either parses into a scenario the simulator then runs for a
// few simulated microseconds, or is refused with one ScenarioError line naming its JSON path
// — never another error, never a hang. KVM_SPIN_FUZZ_RUNS raises the count (npm run test:fuzz).
import { test } from 'node:test';
import * as assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { BUILTIN_SCENARIOS, parseScenario, ScenarioError } from '../../src/core/sim/scenario';
import { simulate } from '../../src/core/sim/simulator';
import { policyByName } from '../../src/core/sim/policies';

const RUNS = Number(process.env.KVM_SPIN_FUZZ_RUNS ?? 0) || 1000;
const builtins = Object.values(BUILTIN_SCENARIOS).map((s) => JSON.stringify(s));

const anyJson = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1e300, -1e300, 0.5, 2 ** 31, 2 ** 53, '', 'all', '__proto__', [], {}),
  fc.double(),
  fc.integer({ min: -1e6, max: 1e7 }),
  fc.string({ maxLength: 8 }),
  fc.jsonValue({ maxDepth: 2 }),
);
const PROTO_KEYS = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];

/** Replaces, drops or renames one value somewhere in the tree. */
function mutate(value: unknown, pick: number, replacement: unknown, action: number): unknown {
  const nodes: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const walk = (v: unknown) => {
    if (Array.isArray(v)) v.forEach((x, i) => (nodes.push({ parent: v, key: i }), walk(x)));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) nodes.push({ parent: v as Record<string, unknown>, key: k }), walk(x);
  };
  walk(value);
  if (nodes.length === 0) return replacement;
  const { parent, key } = nodes[pick % nodes.length];
  if (action === 0 || Array.isArray(parent)) (parent as Record<string | number, unknown>)[key] = replacement;
  else if (action === 1) delete (parent as Record<string, unknown>)[key as string];
  else {
    const v = (parent as Record<string, unknown>)[key as string];
    delete (parent as Record<string, unknown>)[key as string];
    Object.defineProperty(parent, PROTO_KEYS[action % PROTO_KEYS.length], { value: v, enumerable: true, writable: true, configurable: true });
  }
  return value;
}

function judge(raw: unknown): void {
  let scenario;
  try {
    scenario = parseScenario(raw, 'fuzz');
  } catch (err) {
    assert.ok(err instanceof ScenarioError, `not a ScenarioError: ${(err as Error)?.stack ?? err}`);
    assert.equal((err as Error).message.split('\n').length, 1);
    assert.ok((err as Error).message.length < 400, (err as Error).message);
    return;
  }
  // What parses, runs: a few microseconds are enough to reach every workload's first steps.
  simulate({ scenario, policy: policyByName('strict-boost'), seed: 1, durationNs: 20_000, warmupNs: 0 });
}

test(`scenario JSON: ${RUNS} mutations of the built-in scenarios parse and run, or are refused in one line`, () => {
  fc.assert(
    fc.property(fc.nat(builtins.length - 1), fc.nat(), anyJson, fc.nat(8), (which, pick, replacement, action) => {
      judge(mutate(JSON.parse(builtins[which]), pick, replacement, action));
    }),
    { numRuns: RUNS },
  );
});

test(`scenario JSON text: ${RUNS} cut or flipped texts are valid scenarios, refused ones, or not JSON`, () => {
  fc.assert(
    fc.property(fc.nat(builtins.length - 1), fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean(), (which, at, byte, cut) => {
      const text = builtins[which];
      const i = at % text.length;
      const mutated = cut ? text.slice(0, i) : text.slice(0, i) + String.fromCharCode(byte) + text.slice(i + 1);
      let raw: unknown;
      try {
        raw = JSON.parse(mutated);
      } catch {
        return; // the CLI says "not valid JSON" (test/cliSimulate.test.ts)
      }
      judge(raw);
    }),
    { numRuns: RUNS },
  );
});

// fc.string({ unit: 'binary' }) without its 81.5 MB: fast-check builds that unit as a constant
// map over all 1,112,064 code points and, on first use, a Map from each code point back to its
// index (to plant its "dangerous" strings), cached for the life of the process. A test process
// that runs many files (scripts/test-group.cjs) then walks those 81.5 MB at every full GC
// (the `core` group: 2.5× its files' CPU alone). This unit draws the same index the same way
// (a nat over the same count, mapped in the same order: below the surrogates, then above them)
// and maps back by arithmetic, so a seed gives the same strings as the built-in unit.
import * as fc from 'fast-check';

/** The code points below the surrogates (U+0000..U+D7FF), then those above (U+E000..U+10FFFF). */
const LOW = 0xd800;
const SURROGATES = 0xe000 - 0xd800;
const COUNT = 0x110000 - SURROGATES;

const unit: fc.Arbitrary<string> = fc.nat({ max: COUNT - 1 }).map(
  (index) => String.fromCodePoint(index < LOW ? index : index + SURROGATES),
  (value) => {
    const cp = typeof value === 'string' && value.length > 0 ? value.codePointAt(0)! : -1;
    if (cp < 0 || String.fromCodePoint(cp) !== value || (cp >= LOW && cp < LOW + SURROGATES)) throw new Error('not one code point of the binary unit');
    return cp < LOW ? cp : cp - SURROGATES;
  },
);

/** fc.string({ unit: 'binary', ...constraints }), the same strings for a seed. */
export const binaryString = (constraints: Omit<fc.StringConstraints, 'unit'> = {}) => fc.string({ ...constraints, unit });

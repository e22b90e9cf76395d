// Event format descriptions as the kernel writes them (events/<system>/<event>/format) and
// trace.dat stores them: field offsets, sizes, signedness, arrays and dynamic (__data_loc)
// fields are taken from the file, never assumed per kernel. Symbol tables of
// __print_symbolic() in the print fmt (e.g. kvm_exit's VMX and SVM exit reasons) are read too.

export interface FieldFormat {
  name: string;
  /** The C type as written, e.g. "unsigned int", "char[16]", "__data_loc char[]". */
  type: string;
  offset: number;
  size: number;
  signed: boolean;
  /** __data_loc / __rel_loc: a 32-bit word with the data's offset (low 16) and length (high 16). */
  dynamic: 'data_loc' | 'rel_loc' | null;
  /** A fixed array (char comm[16]); element count. */
  arrayLength: number;
}

export interface EventFormat {
  id: number;
  system: string;
  name: string;
  /** The format as the file has it. */
  text: string;
  fields: FieldFormat[];
  byName: Map<string, FieldFormat>;
  printFmt: string;
}

/**
 * A format whose fields and print fmt are parsed when first asked for: a trace.dat holds
 * thousands of formats (2,323 in the recorded fixture) and an import reads a dozen.
 */
class LazyEventFormat implements EventFormat {
  private body?: { fields: FieldFormat[]; byName: Map<string, FieldFormat>; printFmt: string };
  constructor(
    readonly id: number,
    readonly system: string,
    readonly name: string,
    readonly text: string,
  ) {}
  get fields(): FieldFormat[] {
    return this.parsed().fields;
  }
  get byName(): Map<string, FieldFormat> {
    return this.parsed().byName;
  }
  get printFmt(): string {
    return this.parsed().printFmt;
  }
  private parsed() {
    if (!this.body) {
      const fields = parseFields(this.text);
      this.body = { fields, byName: new Map(fields.map((f) => [f.name, f])), printFmt: /^print fmt:\s*(.*)$/m.exec(this.text)?.[1] ?? '' };
    }
    return this.body;
  }
}

/** A format text that is not one; what could still be read of it names it. */
export class EventFormatError extends Error {
  constructor(
    message: string,
    readonly format: DamagedFormat,
  ) {
    super(message);
  }
}

/** An event format that could not be used: who it was, as far as the text still tells. */
export interface DamagedFormat {
  system: string;
  name: string | null;
  id: number | null;
  reason: string;
}

/**
 * The formats of a file by ID, and the damaged ones beside them. Two formats claiming one ID
 * are both damaged (either could be the flipped one), so neither decodes the other's records.
 */
export class EventFormats extends Map<number, EventFormat> {
  readonly damaged: DamagedFormat[] = [];
  private readonly contested = new Set<number>();

  /** Parses one format text; a damaged one is set aside, never thrown. */
  addText(text: string, system: string): void {
    let format: EventFormat;
    try {
      format = parseEventFormat(text, system);
    } catch (err) {
      if (!(err instanceof EventFormatError)) throw err;
      this.damaged.push(err.format);
      return;
    }
    const other = this.get(format.id);
    if (other === undefined && !this.contested.has(format.id)) {
      this.set(format.id, format);
      return;
    }
    this.contested.add(format.id);
    const reason = `its ID ${format.id} is claimed by more than one format`;
    if (other) {
      this.delete(format.id);
      this.damaged.push({ system: other.system, name: other.name, id: other.id, reason });
    }
    this.damaged.push({ system, name: format.name, id: format.id, reason });
  }
}

// Event names are C identifiers (kprobe and uprobe names too); anything else on the line is damage.
const NAME_LINE = /^name:\s*([A-Za-z0-9_.-]+)\s*$/m;
const ID_LINE = /^ID:\s*(\d+)\s*$/m;

/** Parses one format file. Throws EventFormatError with a one-line reason when it is not one. */
export function parseEventFormat(text: string, system: string): EventFormat {
  const name = NAME_LINE.exec(text)?.[1];
  const id = ID_LINE.exec(text)?.[1];
  if (!name || id === undefined) {
    // What a damaged text still says: the first line's value, the second line's number.
    const nameGuess = name ?? /^[^\n:]{1,8}:\s*([A-Za-z0-9_]+)/.exec(text)?.[1] ?? null;
    const idGuess = id ?? /^[^\n]*\n[^\n:]{1,4}:\s*(\d{1,9})\s*\n/.exec(text)?.[1];
    const reason = `no ${[!name && 'name', id === undefined && 'ID'].filter(Boolean).join(' or ')} line`;
    throw new EventFormatError(`event format of system ${system} has ${reason}`, { system, name: nameGuess, id: idGuess === undefined ? null : Number(idGuess), reason });
  }
  return new LazyEventFormat(Number(id), system, name, text);
}

/** The field lines of a format: offsets, sizes, signedness, arrays and dynamic fields. */
function parseFields(text: string): FieldFormat[] {
  const fields: FieldFormat[] = [];
  const fieldRe = /field:([^;]*);\s*offset:(\d+);\s*size:(\d+);(?:\s*signed:(\d+);)?/g;
  for (let m = fieldRe.exec(text); m; m = fieldRe.exec(text)) {
    const decl = m[1].trim();
    let dynamic: FieldFormat['dynamic'] = null;
    let body = decl;
    if (body.startsWith('__data_loc ')) {
      dynamic = 'data_loc';
      body = body.slice(11);
    } else if (body.startsWith('__rel_loc ')) {
      dynamic = 'rel_loc';
      body = body.slice(10);
    }
    // "unsigned int vcpu_id", "char prev_comm[16]", "char[] name" (dynamic), "u64 args[6]"
    const arr = /\[(\d*)\]\s*$/.exec(body);
    let arrayLength = 0;
    let head = body;
    if (arr) {
      arrayLength = arr[1] ? Number(arr[1]) : 0;
      head = body.slice(0, arr.index).trim();
    }
    const nameMatch = /([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(head);
    if (!nameMatch) continue;
    let fieldName = nameMatch[1];
    let type = head.slice(0, nameMatch.index).trim();
    if (dynamic && (type === '' || /\[\]$/.test(body))) {
      // "__data_loc char[] name": the name follows the brackets.
      const dm = /^(.*\[\])\s*([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
      if (dm) {
        type = dm[1];
        fieldName = dm[2];
        arrayLength = 0;
      }
    }
    fields.push({
      name: fieldName,
      type: (dynamic ? `__${dynamic} ` : '') + type + (arrayLength ? `[${arrayLength}]` : ''),
      offset: Number(m[2]),
      size: Number(m[3]),
      signed: m[4] === '1',
      dynamic,
      arrayLength,
    });
  }
  return fields;
}

/**
 * The value → name tables of every __print_symbolic(...) in a print fmt, in order of
 * appearance (kvm_exit has two: VMX when isa == 1, SVM otherwise).
 */
export function symbolicTables(printFmt: string): Map<number, string>[] {
  const tables: Map<number, string>[] = [];
  let at = printFmt.indexOf('__print_symbolic(');
  while (at >= 0) {
    // The table runs to the parenthesis that closes __print_symbolic.
    let depth = 0;
    let end = at + '__print_symbolic'.length;
    for (; end < printFmt.length; end++) {
      const c = printFmt[end];
      if (c === '"') {
        end = printFmt.indexOf('"', end + 1);
        if (end < 0) break;
      } else if (c === '(') depth++;
      else if (c === ')' && --depth === 0) break;
    }
    if (end < 0) break;
    const body = printFmt.slice(at, end);
    const table = new Map<number, string>();
    const entry = /\{\s*(0x[0-9a-fA-F]+|-?\d+)\s*,\s*"([^"]*)"\s*\}/g;
    for (let m = entry.exec(body); m; m = entry.exec(body)) table.set(Number(m[1]), m[2]);
    tables.push(table);
    at = printFmt.indexOf('__print_symbolic(', end);
  }
  return tables;
}

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
  fields: FieldFormat[];
  byName: Map<string, FieldFormat>;
  printFmt: string;
}

/** Parses one format file. Throws with a one-line reason when it is not one. */
export function parseEventFormat(text: string, system: string): EventFormat {
  const name = /^name:\s*(\S+)/m.exec(text)?.[1];
  const id = /^ID:\s*(\d+)/m.exec(text)?.[1];
  if (!name || id === undefined) throw new Error(`event format of system ${system} has no name or ID line`);
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
  const printFmt = /^print fmt:\s*(.*)$/m.exec(text)?.[1] ?? '';
  return { id: Number(id), system, name, fields, byName: new Map(fields.map((f) => [f.name, f])), printFmt };
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

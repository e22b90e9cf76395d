// An event's format as tracefs prints it (events/<system>/<event>/format) on a 64-bit kernel:
// the common header, the fields of its TP_STRUCT__entry, and its TP_printk as the print fmt.
// A descriptor whose event this program writes into a trace.dat carries one (descriptor.ts `dat`).

/** [C type, name, offset, size, signed] of one field. */
export type TracefsField = [string, string, number, number, 0 | 1];

export interface TracefsFormat {
  /** This program's id for the event (a kernel numbers its events at boot). */
  id: number;
  fields: TracefsField[];
  printFmt: string;
}

const COMMON_FIELDS: TracefsField[] = [
  ['unsigned short', 'common_type', 0, 2, 0],
  ['unsigned char', 'common_flags', 2, 1, 0],
  ['unsigned char', 'common_preempt_count', 3, 1, 0],
  ['int', 'common_pid', 4, 4, 1],
];

/** The text tracefs prints: name, ID, the common fields, a blank line, the event's fields, the print fmt. */
export function tracefsFormatText(name: string, f: TracefsFormat): string {
  const line = ([type, field, offset, size, signed]: TracefsField) => {
    const array = /^(.*?)(\[\d*\])$/.exec(type);
    const decl = array ? `${array[1]} ${field}${array[2]}` : `${type} ${field}`;
    return `\tfield:${decl};\toffset:${offset};\tsize:${size};\tsigned:${signed};\n`;
  };
  return `name: ${name}\nID: ${f.id}\nformat:\n${COMMON_FIELDS.map(line).join('')}\n${f.fields.map(line).join('')}\nprint fmt: ${f.printFmt}\n`;
}

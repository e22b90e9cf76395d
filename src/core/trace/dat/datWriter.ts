// Writes a trace.dat, file format v6 (rostedt/trace-cmd Documentation/trace-cmd/
// trace-cmd.dat.v6.5.txt; trace-output.c), for a 64-bit little-endian kernel: the initial
// format, header_page and header_event, event formats by system, kallsyms, printk formats,
// saved command lines, the CPU count, options, then "flyrecord" with each CPU's data offset and
// size, the trace clock ("[clock]", as save_clock writes it), and each CPU's ring-buffer pages
// page-aligned (recordWriter.ts lays them out). datFile.ts reads it back; trace-cmd report does.
import { PAGE_HEADER_BYTES } from './recordWriter';
import { traceClockOption, type DatOption } from './optionWriter';
import { u16, u32, u64 } from './littleEndian';

export interface DatV6Contents {
  pageSize: number;
  /** Format texts as tracefs prints events/<system>/<event>/format, grouped by system. */
  systems: { system: string; formats: string[] }[];
  /** /proc/kallsyms lines ("ffffffff81076540 T flush_tlb_func"), for %pS / %ps. */
  kallsyms: string;
  /** The saved command lines ("1000 worker/0" a line). */
  cmdlines: string;
  /** Per CPU (by index), its ring-buffer pages: a whole number of pages. */
  cpus: Buffer[];
  options: DatOption[];
  /** The trace clock's name ("local", "x86-tsc", …). */
  clock: string;
}

const MAGIC = Buffer.from([0x17, 0x08, 0x44, 0x74, 0x72, 0x61, 0x63, 0x69, 0x6e, 0x67]); // \x17\x08D "tracing"
const LONG_SIZE = 8;

/** As the kernel prints events/header_page (ring_buffer_print_page_header) on a 64-bit machine. */
function headerPageText(pageSize: number): string {
  return (
    '\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n' +
    '\tfield: local_t commit;\toffset:8;\tsize:8;\tsigned:1;\n' +
    '\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n' +
    `\tfield: char data;\toffset:${PAGE_HEADER_BYTES};\tsize:${pageSize - PAGE_HEADER_BYTES};\tsigned:0;\n`
  );
}

/** As the kernel prints events/header_event (ring_buffer_print_entry_header). */
const HEADER_EVENT =
  '# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n\n' +
  '\tpadding     : type == 29\n\ttime_extend : type == 30\n\ttime_stamp : type == 31\n\tdata max type_len  == 28\n';

const text = (s: string) => Buffer.from(s, 'latin1');
const cstring = (s: string) => Buffer.from(s + '\0', 'latin1');

/** Everything before the CPU data: its length decides where the pages go. */
function metadata(c: DatV6Contents, dataAt: (head: number) => number[]): Buffer {
  const parts: Buffer[] = [MAGIC, cstring('6'), Buffer.from([0, LONG_SIZE]), u32(c.pageSize)];
  const page = text(headerPageText(c.pageSize));
  const event = text(HEADER_EVENT);
  parts.push(cstring('header_page'), u64(page.length), page, cstring('header_event'), u64(event.length), event);
  parts.push(u32(0)); // no ftrace (function tracer) formats
  parts.push(u32(c.systems.length));
  for (const s of c.systems) {
    parts.push(cstring(s.system), u32(s.formats.length));
    for (const f of s.formats) parts.push(u64(Buffer.byteLength(f, 'latin1')), text(f));
  }
  const kallsyms = text(c.kallsyms);
  const cmdlines = text(c.cmdlines);
  parts.push(u32(kallsyms.length), kallsyms, u32(0) /* no printk formats */, u64(cmdlines.length), cmdlines);
  parts.push(u32(c.cpus.length), text('options  \0'));
  for (const o of [...c.options, traceClockOption(c.clock)]) parts.push(u16(o.id), u32(o.data.length), o.data);
  parts.push(u16(0), text('flyrecord\0'));
  const clock = text(`[${c.clock}]`);
  const tableAt = parts.reduce((n, p) => n + p.length, 0);
  const offsets = dataAt(tableAt + 16 * c.cpus.length + 8 + clock.length);
  c.cpus.forEach((pages, cpu) => parts.push(u64(pages.length ? offsets[cpu] : 0), u64(pages.length)));
  parts.push(u64(clock.length), clock);
  return Buffer.concat(parts);
}

/** The whole file, in pieces for `write`: metadata, then each CPU's pages at a page boundary. */
export function writeTraceDatV6(c: DatV6Contents, write: (chunk: Uint8Array) => void): void {
  let gaps: number[] = [];
  const head = metadata(c, (end) => {
    const offsets: number[] = [];
    gaps = [];
    let at = end;
    for (const pages of c.cpus) {
      if (pages.length % c.pageSize !== 0) throw new Error('writeTraceDatV6: CPU data must be whole pages');
      const aligned = Math.ceil(at / c.pageSize) * c.pageSize;
      gaps.push(pages.length ? aligned - at : 0);
      offsets.push(aligned);
      if (pages.length) at = aligned + pages.length;
    }
    return offsets;
  });
  write(head);
  c.cpus.forEach((pages, cpu) => {
    if (!pages.length) return;
    write(Buffer.alloc(gaps[cpu]));
    write(pages);
  });
}

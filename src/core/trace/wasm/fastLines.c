// The fast path of the text importer, compiled to WebAssembly (scripts/build-wasm.mjs): the
// commonest line shape of trace-cmd report and ftrace text, read whole — its head and the
// payloads of the kvm and sched events that make most of a KVM host trace. Every other line, and
// every line that is not exactly in that shape, stops the call and is read by the JavaScript
// importer as it reads any line; so the fast path only has to agree with lineHead.ts and the
// kvm.ts and sched.ts decoders on the lines it accepts. Accepted:
//   <spaces>COMM-PID [CPU] FLAGS SECONDS.FRACTION: EVENT: PAYLOAD      (FLAGS optional)
// with no tab, no tgid column, no instance prefix, no event group, no carriage return, a pid
// under PID_MAX_LIMIT and a CPU under 4096, and one of kvm_exit, kvm_entry,
// kvm_ple_window_update, kvm_apic_ipi, kvm_apic_accept_irq, sched_switch, sched_wakeup,
// sched_waking, sched_wakeup_new whose payload decodes and whose threads the store already
// names as the line does (so that the line changes no name).
//
// Memory: the caller copies a window of whole lines to `input` and reads up to RECORDS rows
// per call from the row columns. Nothing is allocated. Between calls the module keeps the exit
// reasons it has met (their bytes, up to MAX_REASONS; the caller gives each its string id) and
// the caller's thread names, both forgotten when another importer calls (forgetStore), so one
// instance serves every importer of a thread, one call at a time.

typedef unsigned char u8;
typedef unsigned short u16;
typedef int i32;
typedef unsigned int u32;
typedef long long i64;

#define EXPORT(name) __attribute__((export_name(name)))

#define INPUT_BYTES (1 << 20)
#define RECORDS 16384
#define MAX_REASONS 64
#define MAX_REASON_BYTES 48
#define PID_MAX_LIMIT (4 * 1024 * 1024)
#define MAX_CPU 4096
#define VCPU_ID_MAX 2147483647LL

static u8 input[INPUT_BYTES + 16];

// The rows read, in the event store's column types (model.ts EventStore), and the line the
// call stopped at: one the JavaScript importer must read (any line not in the fast shape, or
// one whose thread name or exit reason the module does not know yet).
static double out_ts[RECORDS];
static double out_x[RECORDS];
static double out_y[RECORDS];
static i32 out_tid[RECORDS];
static i32 out_a[RECORDS];
static i32 out_b[RECORDS];
static i32 out_c[RECORDS];
static u32 out_line[RECORDS];
static u16 out_cpu[RECORDS];
static u8 out_kind[RECORDS];
// What the last call did, read by the caller from memory (one call per stop, not seven):
// where the next starts, the lines its rows span, the line it stopped at with, when a thread
// name or the exit reason was all it lacked, that tid or reason's index (else -1), and its
// sched_switch / sched_wakeup / sched_waking rows in the kernel's key=value rendering and in
// trace-cmd's (the format evidence, sniff.ts noteEventLine).
enum { CONSUMED, LINES_READ, STOP_START, STOP_END, STOP_TID, STOP_REASON, RAW_SCHED, COMPACT_SCHED, STATE_FIELDS };
static i32 state[STATE_FIELDS];

// The exit reasons met (their bytes, kept for the instance's life) and each one's string id in
// the current importer's store (-1: not told yet).
static u8 reason_bytes[MAX_REASONS][MAX_REASON_BYTES];
static i32 reason_len[MAX_REASONS];
static i32 reason_id[MAX_REASONS];
static i32 reason_count;

// Each thread's name as the current importer's store has it, by tid (open addressing; a name
// of -1 bytes: not known). A row whose name differs goes to the importer, which names it.
#define THREAD_SLOTS 8192
#define MAX_COMM_BYTES 32
static i32 thread_key[THREAD_SLOTS]; // tid + 1; 0 empty
static i32 thread_comm_len[THREAD_SLOTS];
static u8 thread_comm[THREAD_SLOTS][MAX_COMM_BYTES];
static u8 comm_scratch[MAX_COMM_BYTES];

static i32 kind_exit, kind_entry, kind_ple, kind_ipi, kind_accept, kind_switch, kind_wakeup, kind_waking, kind_wakeup_new;
static i32 max_line;

EXPORT("input") u8 *input_ptr(void) { return input; }
EXPORT("inputBytes") i32 input_bytes(void) { return INPUT_BYTES; }
EXPORT("records") i32 records(void) { return RECORDS; }
EXPORT("outTs") double *out_ts_ptr(void) { return out_ts; }
EXPORT("outX") double *out_x_ptr(void) { return out_x; }
EXPORT("outY") double *out_y_ptr(void) { return out_y; }
EXPORT("outTid") i32 *out_tid_ptr(void) { return out_tid; }
EXPORT("outA") i32 *out_a_ptr(void) { return out_a; }
EXPORT("outB") i32 *out_b_ptr(void) { return out_b; }
EXPORT("outC") i32 *out_c_ptr(void) { return out_c; }
EXPORT("outLine") u32 *out_line_ptr(void) { return out_line; }
EXPORT("outCpu") u16 *out_cpu_ptr(void) { return out_cpu; }
EXPORT("outKind") u8 *out_kind_ptr(void) { return out_kind; }
EXPORT("commScratch") u8 *comm_scratch_ptr(void) { return comm_scratch; }
EXPORT("commBytes") i32 comm_bytes(void) { return MAX_COMM_BYTES; }
EXPORT("reasonPtr") u8 *reason_ptr(i32 i) { return reason_bytes[i]; }
EXPORT("reasonLen") i32 reason_length(i32 i) { return reason_len[i]; }
EXPORT("state") i32 *state_ptr(void) { return state; }

/** Forgets the names and string ids of the previous importer (another store). */
EXPORT("forgetStore") void forget_store(void) {
  for (i32 i = 0; i < THREAD_SLOTS; i++) thread_key[i] = 0;
  for (i32 i = 0; i < MAX_REASONS; i++) reason_id[i] = -1;
}

/** The store's EventKind codes, once per instance. */
EXPORT("configure") void configure(i32 exit, i32 entry, i32 ple, i32 ipi, i32 accept, i32 sched_switch, i32 wakeup, i32 waking, i32 wakeup_new) {
  kind_exit = exit;
  kind_entry = entry;
  kind_ple = ple;
  kind_ipi = ipi;
  kind_accept = accept;
  kind_switch = sched_switch;
  kind_wakeup = wakeup;
  kind_waking = waking;
  kind_wakeup_new = wakeup_new;
  reason_count = 0;
  forget_store();
}

EXPORT("setReasonId") void set_reason_id(i32 index, i32 id) { reason_id[index] = id; }

static i32 thread_slot(i32 tid, int insert) {
  u32 h = ((u32)tid * 2654435761u) & (THREAD_SLOTS - 1);
  for (i32 probe = 0; probe < THREAD_SLOTS; probe++, h = (h + 1) & (THREAD_SLOTS - 1)) {
    if (thread_key[h] == tid + 1) return (i32)h;
    if (thread_key[h] == 0) {
      if (!insert) return -1;
      thread_key[h] = tid + 1;
      return (i32)h;
    }
  }
  return -1;
}

/** The store names `tid` with the `length` bytes in comm_scratch; -1: a name the module cannot compare (not latin1, or long). */
EXPORT("setThread") void set_thread(i32 tid, i32 length) {
  i32 slot = thread_slot(tid, 1);
  if (slot < 0) return; // table full: that thread's lines go to the importer
  thread_comm_len[slot] = length;
  for (i32 k = 0; k < length; k++) thread_comm[slot][k] = comm_scratch[k];
}

static int thread_known(const u8 *p, i32 tid, i32 start, i32 end) {
  i32 slot = thread_slot(tid, 0);
  if (slot < 0 || thread_comm_len[slot] != end - start) return 0;
  for (i32 k = 0; k < end - start; k++)
    if (thread_comm[slot][k] != p[start + k]) return 0;
  return 1;
}

static int is_digit(u8 c) { return c >= '0' && c <= '9'; }

// Byte searches 16 bytes a step (WebAssembly SIMD, which V8 has had since 9.1 / Node 16.4). The
// input has 16 bytes of slack after any window, so a step may read past `end`.
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
static i32 first_byte(const u8 *p, i32 from, i32 end, u8 key) {
  v128_t k = wasm_i8x16_splat((char)key);
  for (i32 i = from; i < end; i += 16) {
    u32 mask = wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(p + i), k));
    if (mask) {
      i32 at = i + __builtin_ctz(mask);
      return at < end ? at : end;
    }
  }
  return end;
}
#else
static i32 first_byte(const u8 *p, i32 from, i32 end, u8 key) {
  while (from < end && p[from] != key) from++;
  return from;
}
#endif

static int starts_at(const u8 *p, i32 at, i32 end, const char *key) {
  for (i32 k = 0; key[k]; k++)
    if (at + k >= end || p[at + k] != (u8)key[k]) return 0;
  return 1;
}

/** textScan.ts find: where `key` first starts within [from, end), or -1. */
static i32 find(const u8 *p, i32 from, i32 end, const char *key) {
  i32 len = 0;
  while (key[len]) len++;
  for (i32 k = from; k <= end - len; k++)
    if (p[k] == (u8)key[0] && starts_at(p, k, end, key)) return k;
  return -1;
}

/** textScan.ts findLast for a one-byte key: its last place within [from, end), or -1. */
static i32 find_last_byte(const u8 *p, i32 from, i32 end, u8 key) {
  for (i32 k = end - 1; k >= from; k--)
    if (p[k] == key) return k;
  return -1;
}

// A number as textScan.ts readNumber reads it, where the reading is unambiguous: no sign, at
// most 15 digits (exact in a double). -1: not such a number (the line is handed back); -2: no
// digit at all (readNumber's NaN). scan_end: readNumber's scanEnd.
static i32 scan_end;

static i64 read_decimal(const u8 *p, i32 i, i32 end) {
  if (i < end && p[i] == '-') return -1;
  if (i + 1 < end && p[i] == '0' && (p[i + 1] | 32) == 'x') return -1; // readNumber reads it as hex
  i32 start = i;
  i64 value = 0;
  while (i < end && is_digit(p[i])) {
    if (i - start >= 15) return -1;
    value = value * 10 + (p[i] - '0');
    i++;
  }
  scan_end = i;
  return i == start ? -2 : value;
}

static i64 read_hex(const u8 *p, i32 i, i32 end) {
  if (i < end && p[i] == '-') return -1;
  if (i + 1 < end && p[i] == '0' && (p[i + 1] | 32) == 'x') i += 2;
  i32 start = i;
  i64 value = 0;
  for (; i < end; i++) {
    u8 c = p[i] | 32;
    i32 digit;
    if (c >= '0' && c <= '9') digit = c - '0';
    else if (c >= 'a' && c <= 'f') digit = c - 'a' + 10;
    else break;
    if (i - start >= 7) return -1; // under 2^28: the int32 column keeps it as is
    value = value * 16 + digit;
  }
  scan_end = i;
  return i == start ? -2 : value;
}

/** The number after `key`, searched in [from, end) (textScan.ts numberAfter); -2 without the key. */
static i64 number_after(const u8 *p, i32 from, i32 end, const char *key, int hex) {
  i32 k = find(p, from, end, key);
  if (k < 0) return -2;
  i32 len = 0;
  while (key[len]) len++;
  return hex ? read_hex(p, k + len, end) : read_decimal(p, k + len, end);
}

/** The index of the exit reason [start, end) among those met, adding it; -1 when the table is full. */
static i32 reason_index(const u8 *p, i32 start, i32 end) {
  i32 len = end - start;
  if (len > MAX_REASON_BYTES) return -1;
  for (i32 r = 0; r < reason_count; r++) {
    if (reason_len[r] != len) continue;
    i32 k = 0;
    while (k < len && reason_bytes[r][k] == p[start + k]) k++;
    if (k == len) return r;
  }
  if (reason_count == MAX_REASONS) return -1;
  for (i32 k = 0; k < len; k++) reason_bytes[reason_count][k] = p[start + k];
  reason_len[reason_count] = len;
  return reason_count++;
}

/** textScan.ts findLast: where `key` last starts within [from, end), or -1. */
static i32 find_last(const u8 *p, i32 from, i32 end, const char *key) {
  i32 len = 0;
  while (key[len]) len++;
  for (i32 k = end - len; k >= from; k--)
    if (p[k] == (u8)key[0] && starts_at(p, k, end, key)) return k;
  return -1;
}

/** textScan.ts trimEnd: `end` less the spaces and tabs before it. */
static i32 trim_end(const u8 *p, i32 end) {
  while (end > 0 && (p[end - 1] == ' ' || p[end - 1] == '\t')) end--;
  return end;
}

/** A pid the store keeps (model.ts isPid), read as readNumber reads it; -1: anything else. */
static i32 read_pid(const u8 *p, i32 i, i32 end) {
  i64 pid = read_decimal(p, i, end);
  return pid < 0 || pid >= PID_MAX_LIMIT ? -1 : (i32)pid;
}

/** textScan.ts commPidPrio: `comm:pid [prio]` ending exactly at `end`; the pid, or -1 (the line is handed back). */
static i32 task_colon;
static i32 comm_pid_prio(const u8 *p, i32 start, i32 end) {
  if (end <= start || p[end - 1] != ']') return -1;
  i32 open = find_last(p, start + 1, end, " [");
  if (open < 0) return -1;
  i32 colon = find_last_byte(p, start, open, ':');
  if (colon < 0) return -1;
  i32 pid = read_pid(p, colon + 1, end);
  if (pid < 0 || scan_end != open) return -1;
  task_colon = colon;
  return pid;
}

/** textScan.ts prevStateCode: R, S, D or other (PrevState), with 4 (PREEMPT_FLAG) for a "+" at the end. */
static i32 prev_state_code(const u8 *p, i32 start, i32 end) {
  u8 first = p[start];
  i32 code = first == 'R' ? 0 : first == 'S' ? 1 : first == 'D' ? 2 : 3;
  if (end > start && p[end - 1] == '+') code |= 4;
  return code;
}

/** A thread a payload names: 1 when the store already has it by these bytes (noteThreadAt would do nothing). */
static int payload_thread_known(const u8 *p, i32 pid, i32 start, i32 end) {
  if (thread_known(p, pid, start, end)) return 1;
  state[STOP_TID] = pid;
  return 0;
}

/** sched.ts decodeSwitch: a = prev pid, b = prev state, c = next pid; 0: hand the line back. */
static int read_switch(const u8 *p, i32 at, i32 n, i32 *a, i32 *b, i32 *c) {
  i32 arrow = find(p, at, n, " ==> ");
  if (arrow < 0) return 0;
  if (starts_at(p, at, n, "prev_comm=")) {
    i32 pp = find_last(p, at, arrow, " prev_pid=");
    i32 ps = find_last(p, at, arrow, " prev_state=");
    i32 nc = arrow + 5;
    if (pp < 0 || ps < 0 || !starts_at(p, nc, n, "next_comm=")) return 0;
    i32 np = find_last(p, nc, n, " next_pid=");
    if (np < nc) return 0;
    i32 prev = read_pid(p, pp + 10, n);
    i32 next = read_pid(p, np + 10, n);
    if (prev < 0 || next < 0) return 0;
    if (!payload_thread_known(p, prev, at + 10, pp) || !payload_thread_known(p, next, nc + 10, np)) return 0;
    *a = prev;
    *b = prev_state_code(p, ps + 12, arrow);
    *c = next;
    return 1;
  }
  i32 state_space = find_last_byte(p, at, arrow, ' ');
  if (state_space <= at) return 0;
  i32 prev = comm_pid_prio(p, at, state_space);
  if (prev < 0) return 0;
  i32 prev_colon = task_colon;
  i32 next = comm_pid_prio(p, arrow + 5, trim_end(p, n));
  if (next < 0) return 0;
  if (!payload_thread_known(p, prev, at, prev_colon) || !payload_thread_known(p, next, arrow + 5, task_colon)) return 0;
  *a = prev;
  *b = prev_state_code(p, state_space + 1, arrow);
  *c = next;
  return 1;
}

/** sched.ts decodeWakeup: a = pid, b = target CPU (-1 when the rendering has none); 0: hand the line back. */
static int read_wakeup(const u8 *p, i32 at, i32 n, i32 *a, i32 *b) {
  if (starts_at(p, at, n, "comm=")) {
    i32 key = find(p, at, n, " pid=");
    if (key < 0) return 0;
    i32 pid = read_pid(p, key + 5, n);
    if (pid < 0) return 0;
    i64 cpu = number_after(p, scan_end, n, "target_cpu=", 0);
    if (cpu == -1 || cpu > 0x7fffffff) return 0;
    if (!payload_thread_known(p, pid, at + 5, key)) return 0;
    *a = pid;
    *b = cpu < 0 ? -1 : (i32)cpu;
    return 1;
  }
  i32 task_end = trim_end(p, n);
  i32 cpu = -1;
  i32 cpu_key = find_last(p, at, task_end, " CPU:");
  if (cpu_key >= 0) {
    i64 value = read_decimal(p, cpu_key + 5, n);
    if (value < 0 || value > 0x7fffffff || scan_end != task_end) return 0;
    cpu = (i32)value;
    task_end = cpu_key;
  }
  i32 success = find_last(p, at, task_end, " success=");
  if (success >= 0) {
    i64 value = read_decimal(p, success + 9, n);
    if (value == -1) return 0;
    if (value >= 0 && scan_end == task_end) task_end = success;
  }
  i32 pid = comm_pid_prio(p, at, task_end);
  if (pid < 0 || !payload_thread_known(p, pid, at, task_colon)) return 0;
  *a = pid;
  *b = cpu;
  return 1;
}

/** kvm.ts's "KEY %x vec %u" (kvm_apic_ipi's dst, kvm_apic_accept_irq's apicid): a = the id, b = the vector. */
static int read_id_vector(const u8 *p, i32 at, i32 n, const char *key, i32 *a, i32 *b) {
  i64 id = number_after(p, at, n, key, 1);
  if (id < 0) return 0;
  i64 vec = number_after(p, scan_end, n, " vec ", 0);
  if (vec < 0 || vec > 0x7fffffff) return 0;
  *a = (i32)id;
  *b = (i32)vec;
  return 1;
}

/** kvm.ts shorthandCode: the destination shorthand [start, end), 0 (dst) for anything else. */
static i32 shorthand_code(const u8 *p, i32 start, i32 end) {
  i32 len = end - start;
  if (len == 4 && starts_at(p, start, end, "self")) return 1;
  if (len == 3 && starts_at(p, start, end, "all")) return 2;
  if (len == 12 && starts_at(p, start, end, "all-but-self")) return 3;
  return 0;
}

/** Whether [start, end) is `name`, of length `len`. */
static int name_is(const u8 *p, i32 start, i32 end, const char *name, i32 len) {
  return end - start == len && starts_at(p, start, end, name);
}

/** Reads `SECONDS[.FRACTION]:` at i as lineHead.ts readTimestamp does; returns the index after the colon, or -1. */
static i32 read_timestamp(const u8 *p, i32 i, i32 n, int raw_mode, double *ts) {
  i64 sec = read_decimal(p, i, n); // no sign or 0x: readTimestamp reads digits only, and stops there too
  if (sec < 0) return -1;
  i = scan_end;
  if (i >= n) return -1;
  i64 frac = 0;
  i32 frac_digits = 0;
  if (p[i] == '.') {
    i++;
    while (i < n && is_digit(p[i])) {
      if (frac_digits < 9) {
        frac = frac * 10 + (p[i] - '0');
        frac_digits++;
      }
      i++;
    }
    if (frac_digits == 0) return -1;
  }
  if (i >= n || p[i] != ':') return -1;
  if ((frac_digits == 0) != (raw_mode == 1)) return -1; // the other kind of timestamp: the importer decides
  static const double POW10[10] = {1, 10, 100, 1000, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
  *ts = frac_digits == 0 ? (double)sec : (double)sec * 1e9 + (double)frac * POW10[9 - frac_digits];
  return i + 1;
}

/**
 * One line [start, n): writes row r and returns 1, or returns 0 to stop there (STOP_TID: a
 * thread whose name the module does not know; STOP_REASON: an exit reason without its id).
 */
static int read_line(const u8 *p, i32 start, i32 n, int raw_mode, i32 r) {
  if (n - start > max_line || p[n - 1] == '\r') return 0;
  // [CPU]: the first '[' after the line's first byte (lineHead.ts starts there too).
  i32 open = first_byte(p, start + 1, n, '[');
  if (open >= n || p[open - 1] != ' ') return 0;
  i32 i = open + 1;
  i32 cpu = 0;
  while (i < n && is_digit(p[i]) && i - open <= 5) cpu = cpu * 10 + (p[i++] - '0');
  if (i == open + 1 || i >= n || p[i] != ']' || i - (open + 1) > 5 || cpu >= MAX_CPU) return 0;
  i++;
  if (i >= n || p[i] != ' ') return 0;
  // Left of [CPU]: COMM-PID, no tgid column.
  i32 j = open - 1;
  while (j >= start && p[j] == ' ') j--;
  i32 pid_end = j + 1;
  i64 tid = 0, mul = 1;
  while (j >= start && is_digit(p[j]) && pid_end - j <= 7) {
    tid += (p[j] - '0') * mul;
    mul *= 10;
    j--;
  }
  if (j + 1 == pid_end || (j >= start && is_digit(p[j])) || tid >= PID_MAX_LIMIT) return 0;
  if (j < start || p[j] != '-') return 0;
  i32 comm_end = j;
  i32 comm_start = start;
  while (comm_start < comm_end && p[comm_start] == ' ') comm_start++;
  for (i32 k = comm_start; k < comm_end && p[k] != ' '; k++)
    if (p[k] == ':') return 0; // maybe an instance prefix: lineHead.ts decides
  i32 ce = comm_end;
  while (ce > comm_start && p[ce - 1] == ' ') ce--;
  if (ce <= comm_start) return 0;
  // Right of [CPU]: optional flags, then the timestamp.
  while (i < n && p[i] == ' ') i++;
  double ts;
  i32 after = read_timestamp(p, i, n, raw_mode, &ts);
  if (after < 0) {
    i32 tok = i;
    while (tok < n && p[tok] != ' ') {
      if (p[tok] == ':') return 0;
      tok++;
    }
    if (tok == i || tok - i > 8) return 0;
    i = tok;
    while (i < n && p[i] == ' ') i++;
    after = read_timestamp(p, i, n, raw_mode, &ts);
    if (after < 0) return 0;
  }
  i = after;
  while (i < n && p[i] == ' ') i++;
  // EVENT: up to a colon followed by a space; no group.
  i32 ev_start = i;
  while (i < n && p[i] != ':') {
    if (p[i] == ' ') return 0;
    i++;
  }
  if (i + 1 >= n || p[i + 1] != ' ' || i == ev_start) return 0;
  i32 ev_end = i;
  i++;
  while (i < n && p[i] == ' ') i++;
  i32 at = i;
  // lineHead.ts takes a tab for a space, also where it skips to the payload: a head with one,
  // or a payload that starts with one, is left to it.
  if (first_byte(p, start, at + 1, '\t') <= at) return 0;
  i32 a = 0, b = 0, c = 0, kind;
  if (!thread_known(p, (i32)tid, comm_start, ce)) {
    state[STOP_TID] = (i32)tid;
    return 0;
  }
  double x = __builtin_nan(""), y = __builtin_nan("");
  if (name_is(p, ev_start, ev_end, "kvm_exit", 8)) {
    kind = kind_exit;
    a = -1;
    if (starts_at(p, at, n, "vcpu ")) {
      i64 vcpu = read_decimal(p, at + 5, n);
      if (vcpu < 0 || vcpu > VCPU_ID_MAX) return 0;
      a = (i32)vcpu;
    }
    i32 rs = find(p, at, n, "reason ");
    if (rs < 0) return 0;
    i32 e = rs + 7;
    while (e < n && p[e] != ' ' && p[e] != '\t') e++;
    if (e == rs + 7 || (e < n && p[e] == '\t')) return 0;
    i32 local = reason_index(p, rs + 7, e);
    if (local < 0) return 0;
    if (reason_id[local] < 0) {
      state[STOP_REASON] = local;
      return 0;
    }
    b = reason_id[local];
  } else if (name_is(p, ev_start, ev_end, "kvm_entry", 9)) {
    kind = kind_entry;
    if (!starts_at(p, at, n, "vcpu ")) return 0;
    i64 vcpu = read_decimal(p, at + 5, n);
    if (vcpu < 0 || vcpu > VCPU_ID_MAX) return 0;
    a = (i32)vcpu;
  } else if (name_is(p, ev_start, ev_end, "kvm_ple_window_update", 21)) {
    kind = kind_ple;
    if (!starts_at(p, at, n, "vcpu ")) return 0;
    i64 vcpu = read_decimal(p, at + 5, n);
    if (vcpu < 0) return 0;
    i64 old_window = number_after(p, scan_end, n, " old ", 0);
    if (old_window < 0) return 0;
    i64 new_window = number_after(p, scan_end, n, " new ", 0);
    if (new_window < 0 || vcpu > VCPU_ID_MAX) return 0;
    a = (i32)vcpu;
    b = find(p, scan_end, n, "(grow") >= 0 ? 1 : find(p, scan_end, n, "(shrink") >= 0 ? 0 : new_window > old_window ? 1 : 0;
    x = (double)old_window;
    y = (double)new_window;
  } else if (name_is(p, ev_start, ev_end, "kvm_apic_ipi", 12)) {
    kind = kind_ipi;
    if (!read_id_vector(p, at, n, "dst ", &a, &b)) return 0;
    i32 close = find(p, scan_end, n, ")");
    i32 bar = close > 0 ? find_last_byte(p, scan_end, close, '|') : -1;
    if (bar > 0) c = shorthand_code(p, bar + 1, close);
  } else if (name_is(p, ev_start, ev_end, "kvm_apic_accept_irq", 19)) {
    kind = kind_accept;
    if (!read_id_vector(p, at, n, "apicid ", &a, &b)) return 0;
  } else if (name_is(p, ev_start, ev_end, "sched_switch", 12)) {
    kind = kind_switch;
    if (!read_switch(p, at, n, &a, &b, &c)) return 0;
    state[find(p, at, n, "comm=") >= 0 ? RAW_SCHED : COMPACT_SCHED]++;
  } else if (name_is(p, ev_start, ev_end, "sched_wakeup", 12) || name_is(p, ev_start, ev_end, "sched_waking", 12)) {
    kind = p[ev_start + 10] == 'u' ? kind_wakeup : kind_waking;
    if (!read_wakeup(p, at, n, &a, &b)) return 0;
    state[find(p, at, n, "comm=") >= 0 ? RAW_SCHED : COMPACT_SCHED]++;
  } else if (name_is(p, ev_start, ev_end, "sched_wakeup_new", 16)) {
    kind = kind_wakeup_new;
    if (!read_wakeup(p, at, n, &a, &b)) return 0;
  } else {
    return 0;
  }
  out_kind[r] = (u8)kind;
  out_ts[r] = ts;
  out_cpu[r] = (u16)cpu;
  out_tid[r] = (i32)tid;
  out_a[r] = a;
  out_b[r] = b;
  out_c[r] = c;
  out_x[r] = x;
  out_y[r] = y;
  return 1;
}

/**
 * Reads the whole lines of input[from, length) (each ends with '\n') into rows, until RECORDS
 * rows or a line the importer must read (its bytes: STOP_START..STOP_END; CONSUMED is its
 * start; STOP_START -1: none) or the window's end (CONSUMED: where the lines end). raw_mode:
 * the importer's timestamps so far (0 seconds.fraction, 1 raw counter values, 2 none yet: the
 * first line stops the call); lines over max_line_length stop it; line_base: the importer's
 * lines so far.
 * Returns the rows written; LINES_READ: how many lines (empty ones included) they span.
 */
EXPORT("parse") i32 parse(i32 from, i32 length, i32 raw_mode, i32 max_line_length, i32 line_base) {
  max_line = max_line_length;
  i32 r = 0;
  i32 pos = from;
  i32 lines = 0;
  state[STOP_START] = -1;
  state[RAW_SCHED] = 0;
  state[COMPACT_SCHED] = 0;
  while (r < RECORDS && pos < length) {
    i32 nl = first_byte(input, pos, length, '\n');
    if (nl >= length) break; // no whole line left
    if (nl > pos) {
      state[STOP_TID] = -1;
      state[STOP_REASON] = -1;
      if (raw_mode == 2 || input[pos] == '#' || !read_line(input, pos, nl, raw_mode, r)) {
        state[STOP_START] = pos;
        state[STOP_END] = nl;
        break;
      }
      out_line[r] = (u32)(line_base + lines + 1);
      r++;
    }
    lines++;
    pos = nl + 1;
  }
  state[CONSUMED] = pos;
  state[LINES_READ] = lines;
  return r;
}

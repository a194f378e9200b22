// What the space-time diagram shows, built from trace events and nothing else (no DOM): one
// record per message, from its send (or hold) to its delivery or drop, and the other events
// (command, reply, store, timeout, fault, kinds yet to come) as point marks. Both arrays stay
// sorted by time, so the visible part of a long run is two binary searches away.

/** At most this many records are kept; the oldest go first. */
export const MAX_RECORDS = 20_000;
// Trimming goes down to this share of MAX_RECORDS, so it happens once per many steps.
const TRIM_TO = 0.9;

/**
 * A message record: {from, to, msg, key, value, version, request, sent, due, released, end,
 * held, dropped}. `due` is null while a held message waits; `released` is when its link let it
 * go; `end` is the delivery or drop time, null while on its way.
 */
function messageRecord(e) {
  return {
    from: e.from,
    to: e.to,
    msg: e.msg,
    key: e.key,
    value: e.value,
    version: e.version,
    request: e.request,
    sent: e.sent ?? e.time,
    due: e.due ?? null,
    released: null,
    end: null,
    held: false,
    dropped: false,
  };
}

/** The same message in every event about it (a copy in flight shares it, and is told by `due`). */
function signature(e) {
  return `${e.from}>${e.to} ${e.msg} ${e.sent ?? e.time} ${e.request ?? ''} ${e.key}`;
}

/** First index whose `time(item)` is >= t (`strict`: > t). */
function lowerBound(items, t, time, strict = false) {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const v = time(items[mid]);
    if (v < t || (strict && v === t)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const sentOf = (m) => m.sent;
const timeOf = (mark) => mark.time;

/** Appends, or inserts in time order when `item` is older than the last (rare: trimmed history). */
function insertByTime(items, item, time) {
  if (!items.length || time(items[items.length - 1]) <= time(item)) items.push(item);
  else items.splice(lowerBound(items, time(item), time, true), 0, item);
}

export class SpacetimeModel {
  constructor() {
    this.clear();
  }

  clear() {
    this.messages = []; // sorted by sent
    this.marks = []; // trace events that are not about one message, sorted by time
    this.open = new Map(); // signature -> records not delivered or dropped yet, oldest first
    this.openCount = 0;
    this.longest = 0; // the longest finished message (µs): how far back a visible arrow can start
    this.latest = 0; // the latest time seen (µs)
    this.trimmed = 0; // records forgotten to stay under MAX_RECORDS
    this.keptFrom = 0; // nothing older than this (µs) is kept once trimmed
  }

  /** Takes a step's trace events (in time order). */
  addAll(trace) {
    for (const e of trace) this.add(e);
    if (this.messages.length + this.marks.length > MAX_RECORDS) this.trim(Math.floor(MAX_RECORDS * TRIM_TO));
  }

  add(e) {
    this.latest = Math.max(this.latest, e.time, e.due ?? 0);
    const aboutMessage = e.msg !== undefined && e.from !== undefined && e.to !== undefined;
    if (!aboutMessage || !['send', 'hold', 'deliver', 'drop'].includes(e.kind)) {
      insertByTime(this.marks, e, timeOf);
      return;
    }
    const key = signature(e);
    if (e.kind === 'send') {
      const held = this.findOpen(key, (r) => r.due === null);
      if (held) {
        held.released = e.time;
        held.due = e.due;
      } else this.openRecord(key, messageRecord(e));
    } else if (e.kind === 'hold') {
      const record = messageRecord(e);
      record.held = true;
      this.openRecord(key, record);
    } else {
      // A delivery or a drop ends the copy it is about: by its due time when it has one.
      const record =
        this.findOpen(key, (r) => r.due === (e.due ?? null)) ??
        this.findOpen(key, () => true) ??
        this.insertMessage(messageRecord(e)); // its start was trimmed away
      this.close(key, record, e.time, e.kind === 'drop');
    }
  }

  insertMessage(record) {
    insertByTime(this.messages, record, sentOf);
    return record;
  }

  openRecord(key, record) {
    this.insertMessage(record);
    const list = this.open.get(key);
    if (list) list.push(record);
    else this.open.set(key, [record]);
    this.openCount++;
  }

  findOpen(key, test) {
    return this.open.get(key)?.find(test);
  }

  close(key, record, time, dropped) {
    const list = this.open.get(key);
    const index = list ? list.indexOf(record) : -1;
    if (index >= 0) {
      list.splice(index, 1);
      if (!list.length) this.open.delete(key);
      this.openCount--;
    }
    record.end = time;
    record.dropped = dropped;
    this.longest = Math.max(this.longest, time - record.sent);
  }

  /** Forgets the oldest records, messages and marks alike, until `keep` are left. */
  trim(keep) {
    let excess = this.messages.length + this.marks.length - keep;
    let m = 0;
    let k = 0;
    while (excess-- > 0) {
      const nextMessage = this.messages[m]?.sent ?? Infinity;
      const nextMark = this.marks[k]?.time ?? Infinity;
      if (nextMessage <= nextMark) m++;
      else k++;
    }
    for (const record of this.messages.slice(0, m)) {
      if (record.end === null) this.close(signature(record), record, record.sent, false);
    }
    this.messages.splice(0, m);
    this.marks.splice(0, k);
    this.trimmed += m + k;
    this.keptFrom = Math.min(this.messages[0]?.sent ?? Infinity, this.marks[0]?.time ?? Infinity);
  }

  /** The index range [lo, hi) of messages that may show between `from` and `to`, at `now`. */
  messageRange(from, to) {
    // An unfinished message reaches up to now, so the oldest open one bounds the search too.
    let earliest = from - this.longest;
    if (this.openCount) for (const list of this.open.values()) for (const r of list) earliest = Math.min(earliest, r.sent);
    return [lowerBound(this.messages, earliest, sentOf), lowerBound(this.messages, to, sentOf, true)];
  }

  /** The index range [lo, hi) of marks between `from` and `to`. */
  markRange(from, to) {
    return [lowerBound(this.marks, from, timeOf), lowerBound(this.marks, to, timeOf, true)];
  }

  /** The time span of what is kept: {first, last} in µs (0, 0 when empty). */
  extent() {
    const first = Math.min(this.messages[0]?.sent ?? Infinity, this.marks[0]?.time ?? Infinity);
    return { first: Number.isFinite(first) ? first : 0, last: this.latest };
  }
}

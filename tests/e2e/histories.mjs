// EDN histories made up for the checker's tests and benchmark: a long linearizable one of the
// store model, and a small one whose search explodes.

/** A seeded PRNG (mulberry32): the same history for the same seed. */
function random(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const edn = (value) => (value === null ? 'nil' : JSON.stringify(value));

/**
 * A linearizable history of the store model: `operations` gets, inserts, updates and deletes
 * over `keys` keys by `processes` clients that overlap; each takes effect when it completes, so
 * that order is a linearization. One EDN map per line, as `kvsim run --history` writes.
 */
export function storeHistory({ operations, keys = 10, processes = 10, seed = 1 }) {
  const next = random(seed);
  const pick = (n) => Math.floor(next() * n);
  const store = new Map(); // key -> value
  const open = new Map(); // process -> {f, key, value}
  const lines = [];
  let invoked = 0;
  const line = (process, type, { f, key, value }) =>
    lines.push(`{:process ${process}, :type :${type}, :f :${f}, :key ${edn(String(key))}, :value ${edn(value)}}`);
  while (invoked < operations || open.size) {
    const process = pick(processes);
    const op = open.get(process);
    if (op) {
      // It takes effect now, as it completes.
      const live = store.has(op.key);
      if (op.f === 'get') op.value = live ? store.get(op.key) : null;
      else if (op.f === 'delete') store.delete(op.key);
      else if (op.f === 'insert' || live) store.set(op.key, op.value);
      line(process, op.f === 'update' && !live ? 'fail' : 'ok', op);
      open.delete(process);
    } else if (invoked < operations) {
      const f = ['get', 'get', 'insert', 'update', 'delete'][pick(5)];
      const op = { f, key: pick(keys), value: f === 'insert' || f === 'update' ? `v${invoked}` : null };
      line(process, 'invoke', op);
      open.set(process, op);
      invoked++;
    }
  }
  return lines.join('\n') + '\n';
}

/**
 * A cas-register history no search settles quickly: `writers` writes that never complete (each
 * may or may not have happened, at any time) and a read of a value none of them wrote.
 */
export function explodingHistory(writers) {
  const lines = [];
  for (let i = 0; i < writers; i++) lines.push(`{:process ${i}, :type :invoke, :f :write, :value ${i}}`);
  lines.push(`{:process ${writers}, :type :invoke, :f :read, :value nil}`);
  lines.push(`{:process ${writers}, :type :ok, :f :read, :value 999999}`);
  return lines.join('\n') + '\n';
}

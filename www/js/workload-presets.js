// The Workload card's presets: a cluster size and a spec, picked in one go ("64 nodes, a million
// operations, ONE reads"), so a run at scale needs no config file. Pure data and a generator, so
// the tests and the browser benchmark build the very same clusters (tests/e2e/helpers.mjs).

/**
 * `n` nodes with links averaging 1-20 ms, spread evenly (the standard workload's kind of
 * cluster): addresses 10.0.0.i:15000, as `kvsim bench` names them.
 */
export function linkCluster(n) {
  return {
    addresses: Array.from({ length: n }, (_, i) => `10.0.0.${i}:15000`),
    avg_delays: Array.from({ length: n }, (_, i) =>
      Array.from({ length: n }, (_, j) => (i === j ? 0 : (1 + ((i * 7 + j * 3) % 20)) / 1000)),
    ),
  };
}

/**
 * Each preset: its name in the menu, the nodes of the cluster it loads (null: the run's own
 * config) and the spec it puts in the field. At 5,000 operations a second about a hundred are in
 * flight, few enough for the diagram to show their arrows when zoomed into a few milliseconds, and
 * 500 keys are read soon enough after their writes for ONE to read stale values.
 */
export const WORKLOAD_PRESETS = [
  { id: 'here-10k', label: 'this cluster · 10,000 ops at QUORUM', nodes: null, spec: 'ops=10000 rate=1000 keys=100 level=QUORUM' },
  { id: '16-100k-one', label: '16 nodes · 100,000 ops at ONE', nodes: 16, spec: 'ops=100000 rate=5000 keys=500 level=ONE' },
  { id: '16-100k-quorum', label: '16 nodes · 100,000 ops at QUORUM', nodes: 16, spec: 'ops=100000 rate=5000 keys=500 level=QUORUM' },
  { id: '64-1m-one', label: '64 nodes · 1,000,000 ops at ONE', nodes: 64, spec: 'ops=1000000 rate=5000 clients=64 keys=500 level=ONE' },
  { id: '64-1m-quorum', label: '64 nodes · 1,000,000 ops at QUORUM', nodes: 64, spec: 'ops=1000000 rate=5000 clients=64 keys=500 level=QUORUM' },
];

/** The preset called `id`, or undefined. */
export const workloadPreset = (id) => WORKLOAD_PRESETS.find((p) => p.id === id);

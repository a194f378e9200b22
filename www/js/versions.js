// Versions of a key, `{timestamp, node}`, as the core orders and kvsim prints them, and which
// replica holds the newest: the stores and the key inspector mark rows by the same rule.

/** A version as kvsim prints it: `10.000000@n0` (timestamps may be negative with clock skew). */
export function versionText(version) {
  if (!version) return '';
  const abs = Math.abs(version.timestamp);
  const sign = version.timestamp < 0 ? '-' : '';
  return `${sign}${Math.floor(abs / 1e6)}.${String(abs % 1e6).padStart(6, '0')}@n${version.node}`;
}

/** Orders versions as the core does: timestamp, then coordinator id. */
export function compareVersions(a, b) {
  return a.timestamp - b.timestamp || a.node - b.node;
}

/** The newest version of each key over the stores' rows (per node: [{key, version}]): key -> version. */
export function newestVersions(rowsPerNode) {
  const newest = new Map();
  for (const row of rowsPerNode.flat()) {
    const best = newest.get(row.key);
    if (!best || compareVersions(row.version, best) > 0) newest.set(row.key, row.version);
  }
  return newest;
}

/** A replica's row of a key against the newest version: 'missing' (no row), 'STALE' or 'newest'. */
export function replicaState(row, newest) {
  if (!row) return 'missing';
  return compareVersions(row.version, newest) < 0 ? 'STALE' : 'newest';
}

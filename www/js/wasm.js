// The one door to the wasm packages (built by scripts/build-wasm.sh): no other module imports
// ../pkg, ../pkg-check or ../pkg-export. Loads the page's module (www/pkg) once, and checks
// configs, which needs no cluster. The linearizability checker is a package of its own
// (www/pkg-check), loaded only by the checker's worker (check-worker.js), and so are the exports
// made from a run's data and the scenario reader (www/pkg-export: the ShiViz log, scenario files
// written and read, replicas compared), loaded on first use: the page's first load carries neither.
// The benchmark's package (www/pkg-bench) is loaded by the benchmarks only.

import init, { KvNode, KvScheduler, KvTraceHasher, KvWorkload, Pacer, anomalyKinds, replicasOf, validateConfig } from '../pkg/kvplayground.js';

export { KvNode, KvScheduler, KvTraceHasher, KvWorkload, Pacer, anomalyKinds, replicasOf };

let wasmReady = null;
let memory = null;
/** Loads the wasm module once. */
export function loadWasm() {
  wasmReady ??= init().then((exports) => {
    memory = exports.memory;
    return exports;
  });
  return wasmReady;
}

/** The page module's wasm memory now, in bytes (it grows and never shrinks). */
export function wasmMemoryBytes() {
  return memory?.buffer.byteLength ?? 0;
}

/** `load()` once: its promise is kept, unless it fails (a fetch that failed is tried again). */
function loadOnce(load) {
  let ready = null;
  return () =>
    (ready ??= load().catch((error) => {
      ready = null;
      throw error;
    }));
}

/** Loads the checker's package once; resolves {KvChecker, readHistory}. */
export const loadChecker = loadOnce(() =>
  import('../pkg-check/kvchecker.js').then(async (checker) => {
    await checker.default();
    return { KvChecker: checker.KvChecker, readHistory: checker.readHistory };
  }),
);

/** Loads the exports package once; resolves {shivizOfTrace, divergentOf, scenarioJson, parseScenario}. */
export const loadExports = loadOnce(() =>
  import('../pkg-export/kvexport.js').then(async (exports) => {
    await exports.default();
    const { shivizOfTrace, divergentOf, scenarioJson, parseScenario } = exports;
    return { shivizOfTrace, divergentOf, scenarioJson, parseScenario };
  }),
);

/**
 * Resolves with the scenario file (pretty JSON) of config text, seed and timed script lines,
 * the moment `timeMs` and a generated workload's spec if given, made by the exports package
 * (loaded on first use).
 */
export async function scenarioJson(configText, seed, lines, timeMs, workloadSpec) {
  const exports = await loadExports();
  return exports.scenarioJson(configText, seed, lines, timeMs, workloadSpec ?? undefined);
}

/** A config the core rejected: `field` names what is wrong (e.g. `avg_delays[1][0]`). */
export class ConfigError extends Error {
  constructor(field, message) {
    super(`invalid config: ${field}: ${message}`);
    this.field = field;
    this.detail = message;
  }
}

/** Validates config text; returns {config, replicationFactor, requestTimeoutUs} or throws ConfigError. */
export function checkConfig(configText) {
  const checked = validateConfig(configText);
  if (!checked.ok) throw new ConfigError(checked.field, checked.message);
  return {
    config: checked.config,
    replicationFactor: checked.replication_factor,
    requestTimeoutUs: checked.request_timeout_us,
  };
}

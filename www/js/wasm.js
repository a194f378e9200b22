// The one door to the wasm package (www/pkg, built by scripts/build-wasm.sh): no other module
// imports ../pkg. Loads the module once, and checks configs, which needs no cluster.

import init, { KvNode, KvScheduler, Pacer, anomalyKinds, parseScenario, replicasOf, scenarioJson, validateConfig } from '../pkg/kvplayground.js';

export { KvNode, KvScheduler, Pacer, anomalyKinds, parseScenario, replicasOf, scenarioJson };

let wasmReady = null;
/** Loads the wasm module once. */
export function loadWasm() {
  wasmReady ??= init();
  return wasmReady;
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

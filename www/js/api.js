// window.playground: the page's automation API, for tests, teaching scripts and the console.
// docs/playground.md describes every call. The calls, their arguments and results are a contract
// (tests and docs depend on them): each one maps onto the session (or the trace's exports,
// trace-export.js) here and adds nothing.

import { traceExports } from './share.js';

/**
 * Installs window.playground; `booted` resolves with {session, lessons, spacetime, timeline,
 * share, compare, history, traceSource, workload}, `history` and `workload` resolving with the
 * History and Workload cards (they load when first used).
 */
export function installApi(booted) {
  let app = null;
  const ready = () => {
    if (!app) throw new Error('the playground is not ready yet: await playground.ready first');
    return app;
  };
  const session = () => ready().session;
  const shiviz = async () => (await traceExports()).shivizLog(session()); // made by a package loaded on first use
  // Loads the Workload card (it loads when first seen); callers take `ready().workload.made`
  // first, so once it is loaded they act at once. Fast-forwards asked for while it loads count as
  // running, so a caller polling workloadProgress() sees them.
  let fastForwardsLoading = 0;
  const loadWorkloadCard = async ({ fastForwarding = false } = {}) => {
    const card = ready().workload;
    if (fastForwarding) fastForwardsLoading++;
    try {
      return await card();
    } finally {
      if (fastForwarding) fastForwardsLoading--;
    }
  };
  window.playground = Object.freeze({
    ready: booted.then((started) => {
      app = started;
    }),
    async loadConfig(config, { seed } = {}) {
      session().replace(typeof config === 'string' ? config : JSON.stringify(config), seed);
    },
    run: (node, command) => session().run(node, command),
    runScript: (text) => session().runScript(text),
    async runWorkload(spec, { fastForward = false } = {}) {
      // Once the card is loaded, the run starts before this returns, as the card's buttons do.
      const panel = ready().workload.made ?? (await loadWorkloadCard({ fastForwarding: fastForward }));
      if (spec !== undefined) panel.spec.value = String(spec);
      panel.report(() => panel.run({ playing: !fastForward }));
      return fastForward ? panel.report(() => panel.fastForwardToQuiet()) : panel.fastForward.progress();
    },
    fastForward: async () => (ready().workload.made ?? (await loadWorkloadCard({ fastForwarding: true }))).fastForward.start(),
    // A fast-forward still waiting for the card is cancelled once it has started.
    async cancelFastForward() {
      const panel = ready().workload.made ?? (fastForwardsLoading ? await loadWorkloadCard() : null);
      panel?.fastForward.cancel();
    },
    workloadProgress() {
      const panel = ready().workload.made;
      return panel ? panel.fastForward.status() : { ...session().runProgress(), running: fastForwardsLoading > 0 };
    },
    state() {
      const { driver, clock, seed } = session();
      return {
        now: clock.now(),
        playing: clock.playing,
        speed: clock.speed,
        seed,
        config: driver.config,
        nodes: driver.config.addresses.map((address, id) => ({ id, address, store: driver.store(id) })),
        inFlight: driver.inFlight(),
      };
    },
    pause: () => session().pause(),
    resume: () => session().play(),
    step: () => session().step(),
    setSpeed: (speed) => session().setSpeed(speed),
    runUntilQuiet: () => session().runUntilQuiet(),
    reset: () => session().reset(),
    setLink: (from, to, state) => session().setLink(from, to, state),
    trace: async () => (await traceExports()).traceText(session()),
    fault: (line) => session().fault(line),
    script: () => session().script(),
    scenario: () => session().scenario(),
    shiviz,
    demo: () => ready().lessons.demo(),
    openLesson: (name) => ready().lessons.open(String(name)),
    lesson: () => ready().lessons.state(),
    results: () => session().resultsShown(),
    spacetime: async () => (await ready().spacetime()).summary(),
    spacetimeArrow: async (fields) => (await ready().spacetime()).locate(fields),
    travelTo(timeUs) {
      if (!(timeUs >= 0)) throw new RangeError(`time ${timeUs} must be a number of microseconds from 0`);
      return ready().timeline.travelTo(timeUs);
    },
    stepBack: () => session().stepBack(),
    live: () => session().goLive(),
    timeline: () => session().timeline(),
    shareUrl: () => ready().share.url(),
    loadScenario: (jsonText) => ready().share.report(() => ready().share.load(String(jsonText))),
    traceHash: async () => (await traceExports()).traceHash(session()),
    exportTrace: async () => (await traceExports()).traceBlob(session()),
    exportShiviz: shiviz,
    anomalies: () => session().driver.anomalies(),
    divergent: () => session().driver.divergent(),
    summary: () => session().driver.summary?.() ?? null,
    historyEdn: () => session().driver.historyEdn(),
    async loadHistory(ednText, name = 'history.edn') {
      const card = await ready().history();
      return card.report(() => card.load(String(name), String(ednText)));
    },
    showRunHistory: async () => (await ready().history()).showRun(),
    checkLinearizability: async (options = {}) => (await ready().history()).check(options),
    cancelCheck: async () => (await ready().history()).cancel(),
    openTrace: (text, name = 'trace.jsonl') => ready().traceSource.openText(String(name), String(text)),
    attach: (addresses) => ready().traceSource.attach(String(addresses)),
    backToSimulation: () => ready().traceSource.leave(),
    compare: (setting) => ready().compare.open(String(setting)),
    compareState: () => ready().compare.state(),
    closeCompare: () => ready().compare.close(),
  });
}

// window.playground: the page's automation API, for tests, teaching scripts and the console.
//
//   playground.ready                     Promise, resolved once the page is usable.
//   playground.loadConfig(config, {seed}?)
//                                        config: config.json text or an object. Replaces the
//                                        cluster (seed: the given one, else the config's `seed`,
//                                        else 0). Promise; rejects with the ConfigError
//                                        ({field, detail, message}) and changes nothing.
//   playground.run(node, command)        Types `command` on node `node` (a number), as its console
//                                        does (echoed there, results printed there). Promise of
//                                        the first result: {time, node, request, command, ok,
//                                        text, fields}; later results of the same request (read
//                                        repair) come with results().
//   playground.state()                   {now, playing, speed, seed, config, nodes: [{id, address,
//                                        store: [{key, value|null, version}]}], inFlight: [{id,
//                                        from, to, kind, key, value, version, request, sent, due}]}.
//   playground.pause() / resume()        Stops / restarts virtual time.
//   playground.step()                    Delivers exactly the next event (pausing; a fault with the
//                                        node changes it asks for); false when nothing is left.
//   playground.setSpeed(x)               Virtual seconds per wall second, 0.1 to 100.
//   playground.runUntilQuiet()           Processes everything left at once.
//   playground.reset()                   A fresh cluster from the same config and seed.
//   playground.setLink(from, to, state)  state: 'up', 'hold' (keep messages until 'up') or 'drop':
//                                        the fault line `heal`, `hold` or `cut` for `from>to`
//                                        (see fault); returns its canonical line; throws for a
//                                        bad state or node and changes nothing.
//   playground.trace()                   The run's trace as JSON lines (as `kvsim run --trace`).
//   playground.fault(line)               Applies a fault line now (`crash 2`, `restart 2 keep`,
//                                        `cut 0-1`, `partition 0,1 | 2,3`, `heal`, `loss 0-2 0.3`,
//                                        `dup * 0.1`, `delay 0>1 500`, `jitter 0-1 200`,
//                                        `skew 1 -500`); returns its canonical line; throws an
//                                        Error naming the problem for a bad line.
//   playground.script()                  The commands and faults so far as a kvsim script.
//   playground.scenario()                The run so far as a scenario file (JSON text).
//   playground.shiviz()                  The trace as a ShiViz log (vector clocks).
//   playground.demo()                    Plays "Watch read repair"; Promise, resolved when the
//                                        repaired replicas agree.
//   playground.results()                 Every result so far, oldest first.
//   playground.spacetime()               What the space-time diagram drew in its last frame:
//                                        {lanes: ['n0', …], arrows (messages kept), visibleArrows,
//                                        drops, kinds: {write: 3, …}, marks, trimmed (older
//                                        records dropped), follow, window: {from, to}, drawMs
//                                        (mean of the latest redraws)}.
//   playground.spacetimeArrow(fields)    Where the first visible arrow whose record has these
//                                        field values ({msg, key, from, to, …}) is drawn: {x, y}
//                                        in CSS px from the canvas's top left, or null.
//   playground.travelTo(timeUs)          Shows the moment `timeUs` of the history (everything due
//                                        by then has happened), paused; past the end means the
//                                        end. Returns the ms the travel took.
//   playground.stepBack()                Goes back exactly one event (as step() counts); false at 0.
//   playground.live()                    Back to the latest moment (playing if it was).
//   playground.timeline()                {now, start: 0, end, live, events (steps so far),
//                                        endEvents, forkedAt (µs of the last fork, or null)}.
//                                        Any action in the past (run, fault, setLink) forks the
//                                        history there: what came after is dropped.
//   playground.shareUrl()                Promise of this page's URL with the scenario and the
//                                        moment shown after `#` (`#scenario=…&t=ms`).
//   playground.loadScenario(jsonText)    Replaces the history with a scenario file's and shows its
//                                        `time_ms` (else runs until quiet). Promise; rejects with
//                                        the error (also shown in share-error), changes nothing.
//   playground.traceHash()               The trace's hash, as `kvsim run --hash` prints it.
//   playground.exportTrace()             The same function as trace() (the trace up to the moment
//                                        shown, as JSON lines).
//   playground.exportShiviz()            The same function as shiviz().
//
// Times are virtual microseconds (ResultView.time, sent, due, now) except where seconds are
// named. The page's own controls, consoles and tables follow whatever these calls do.

/** Installs window.playground; `booted` resolves with {session, demo, spacetime, timeline, share}. */
export function installApi(booted) {
  let app = null;
  const ready = () => {
    if (!app) throw new Error('the playground is not ready yet: await playground.ready first');
    return app;
  };
  const session = () => ready().session;
  const trace = () => session().driver.traceJsonLines();
  const shiviz = () => session().driver.shivizLog();
  window.playground = Object.freeze({
    ready: booted.then((started) => {
      app = started;
    }),
    async loadConfig(config, { seed } = {}) {
      session().replace(typeof config === 'string' ? config : JSON.stringify(config), seed);
    },
    run: (node, command) => session().run(node, command),
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
    trace,
    fault: (line) => session().fault(line),
    script: () => session().script(),
    scenario: () => session().scenario(),
    shiviz,
    demo: () => ready().demo.play(),
    results: () => [...session().results],
    spacetime: () => ready().spacetime.summary(),
    spacetimeArrow: (fields) => ready().spacetime.locate(fields),
    travelTo(timeUs) {
      if (!(timeUs >= 0)) throw new RangeError(`time ${timeUs} must be a number of microseconds from 0`);
      return ready().timeline.travelTo(timeUs);
    },
    stepBack: () => session().stepBack(),
    live: () => session().goLive(),
    timeline: () => session().timeline(),
    shareUrl: () => ready().share.url(),
    loadScenario: (jsonText) => ready().share.report(() => ready().share.load(String(jsonText))),
    traceHash: () => session().driver.traceHash(),
    exportTrace: trace,
    exportShiviz: shiviz,
  });
}

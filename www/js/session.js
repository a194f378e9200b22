// The page's one running cluster and what outlives a single Cluster object: the config text,
// the seed, every result so far and the history (for time travel). Views subscribe here once;
// events of the current cluster are forwarded, and {type: 'cluster'} tells them the cluster was
// replaced; {type: 'links'} follows every fault (the links, down nodes, … may have changed).
// After travelling, {type: 'cluster'} is followed by one {type: 'step', rebuild: true, trace,
// results} holding everything up to the moment shown.
//
// Time travel and forks (see timeline.js for the controls): travelling restores a moment of the
// history, paused. Playing or stepping from there replays the recorded future (the run is
// deterministic: the same things happen again) and is live again once it passes the end. Any new
// action in the past (a command, a fault, a link change) forks: the actions after that moment
// are dropped and the history continues from there ({type: 'fork', time}).

import { Cluster, checkConfig } from './cluster.js';
import { History } from './history.js';

/** The fault line word for each state setLink takes. */
const LINK_FAULTS = { up: 'heal', hold: 'hold', drop: 'cut' };

export class Session {
  constructor() {
    this.cluster = null;
    this.seed = 0;
    this.results = [];
    this.history = null;
    this.playingWhenLeft = false; // whether the end was playing when we travelled away from it
    this.listeners = new Set();
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event) {
    // A copy: a listener added while this event is handed out must not see it too.
    for (const listener of [...this.listeners]) listener(event);
  }

  /**
   * Replaces the cluster with one for `configText` (seed: the given one, else the config's).
   * Throws ConfigError before touching anything when the config is bad. Play state (unless
   * `playing` says) and speed carry over; the first cluster starts playing. A new history starts.
   */
  replace(configText, seed, { playing } = {}) {
    const checked = checkConfig(configText);
    const chosenSeed = seed ?? checked.config.seed;
    const next = new Cluster(configText, chosenSeed, { checked });
    const previous = this.cluster;
    if (previous) next.setSpeed(previous.speed);
    this.history?.dispose();
    this.history = new History();
    next.history = this.history;
    this.history.checkpoint(next);
    this.seed = chosenSeed;
    this.results = [];
    this.install(next);
    if (playing ?? (previous ? previous.playing : true)) next.play();
  }

  /**
   * Replaces the history with a checked scenario's ({config, seed, script, timeMs}, as
   * parseScenario gives it) and shows the moment `timeMs`, or else the end of the run (as kvsim
   * runs it: until quiet), paused. The end of the history is then the last line's moment (or
   * `timeMs`, if later).
   */
  load({ config, seed, script, timeMs }) {
    this.replace(config, seed, { playing: false });
    const cluster = this.cluster;
    const moment = timeMs === undefined ? undefined : Math.round(timeMs * 1000);
    cluster.replay(script);
    if (moment === undefined) cluster.runUntilQuiet();
    else cluster.fastForward({ time: Math.max(moment, cluster.actionLog.at(-1)?.time ?? 0) });
    cluster.flush();
    this.travel({ time: moment ?? cluster.now() });
  }

  // Makes `next` the cluster and tells the views.
  install(next) {
    this.cluster?.dispose();
    this.cluster = next;
    next.beforeAction = (check) => this.present(check);
    next.subscribe((event) => this.onClusterEvent(event));
    this.emit({ type: 'cluster' });
  }

  /**
   * Shows the moment `target` of the history, paused: {time} (µs; everything due by then has
   * happened) or {steps} (exactly that many steps). Past the end means the end.
   */
  travel(target) {
    const from = this.leave();
    const { end } = this.history;
    const pastEnd = target.steps !== undefined ? target.steps >= end.steps : target.time >= end.time;
    this.show(this.restore(pastEnd ? end : target, from));
  }

  /**
   * Goes back exactly one event (the state before the last one: a fault with the node changes
   * it asked for is one event of several steps); false at the start.
   */
  stepBack() {
    if (this.cluster.steps === 0) return false;
    const from = this.leave();
    // Probes step by step to the event's start; only the last is shown (views rebuild once).
    let back = this.restore({ steps: from.steps - 1 }, from);
    while (back.midEvent && back.steps > 0) {
      const earlier = this.restore({ steps: back.steps - 1 }, from);
      back.dispose();
      back = earlier;
    }
    this.show(back);
    return true;
  }

  // Pauses the cluster shown, before travelling away from it, and returns it.
  leave() {
    const from = this.cluster;
    if (!this.history.isPast(from)) this.playingWhenLeft = from.playing;
    from.pause(); // delivers what is due by now: the end is a replayable moment
    this.history.advance(from, []);
    return from;
  }

  /** Back to the end of the history, playing again if it was playing when we travelled away. */
  goLive() {
    if (!this.history.isPast(this.cluster)) return;
    this.travel(this.history.end);
    if (this.playingWhenLeft) this.cluster.play();
  }

  /** {now, start, end (µs), live, events (steps so far), endEvents, forkedAt (µs or null)}. */
  timeline() {
    const { cluster, history } = this;
    history.advance(cluster, []);
    return {
      now: cluster.now(),
      start: 0,
      end: history.end.time,
      live: !history.isPast(cluster),
      events: cluster.steps,
      endEvents: history.end.steps,
      forkedAt: history.forkedAt,
    };
  }

  /**
   * The cluster new actions go to. When the page shows the past, the history is forked there
   * first (unless `check` throws for the action): the actions after this moment are dropped.
   */
  present(check = () => {}) {
    const cluster = this.cluster;
    if (!this.history.isPast(cluster)) return cluster;
    check(); // throws for a bad action: nothing forks then
    const playing = cluster.playing; // replaying the recorded future: the fork plays on
    cluster.pause(); // what is due by now happens first: it is recorded history
    if (!this.history.isPast(cluster)) {
      if (playing) cluster.play();
      return cluster; // that was the rest of the recorded future: nothing to drop
    }
    const { configText, seed, speed } = cluster;
    const at = { steps: cluster.steps, time: cluster.now() };
    const kept = {
      configText,
      seed,
      speed,
      checked: cluster.checked,
      actionLog: cluster.actionLog.filter((action) => action.time <= at.time),
    };
    this.history.fork(at, kept.actionLog.length);
    this.show(this.restore(at, kept));
    this.emit({ type: 'fork', time: at.time });
    if (playing) this.cluster.play();
    return this.cluster;
  }

  // Makes `next`, restored to a moment, the cluster; the views rebuild from it.
  show(next) {
    this.install(next);
    this.results = this.history.resultsUpTo(next.steps);
    this.emit({ type: 'step', trace: next.drain().trace, results: this.results, rebuild: true });
    this.refreshLinks();
  }

  // A cluster at `target`, from the nearest checkpoint and the logs of `source`.
  restore(target, source) {
    const base = this.history.base(target, source.actionLog.length);
    const cluster = Cluster.restore(base, source);
    cluster.history = this.history;
    cluster.fastForward(target);
    return cluster;
  }

  /** A fresh cluster from the same config and seed. */
  reset() {
    this.replace(this.cluster.configText, this.seed);
  }

  onClusterEvent(event) {
    if (event.type === 'step') {
      this.results.push(...event.results);
      this.history.advance(this.cluster, event.results);
    }
    this.emit(event);
    // Every fault step, typed now or replayed from the action log, changes what the views show.
    if (event.type === 'step' && event.trace.some((e) => e.kind === 'fault')) this.refreshLinks();
  }

  /**
   * Sets a link to 'up', 'hold' or 'drop': the fault line `heal`, `hold` or `cut` for `from>to`
   * (see fault). Returns the canonical line; throws for a bad state or node, changing nothing.
   */
  setLink(from, to, state) {
    if (!Object.hasOwn(LINK_FAULTS, state)) throw new RangeError(`link state ${state} must be up, hold or drop`);
    return this.fault(`${LINK_FAULTS[state]} ${from}>${to}`);
  }

  /** Applies a fault line now (see Cluster.fault); throws for a bad line. */
  fault(line) {
    return this.cluster.fault(line);
  }

  /** The cut and holding links, read from the core: "from-to" -> 'hold' | 'drop'; absent means up. */
  get links() {
    const links = new Map();
    for (const link of this.cluster?.links() ?? []) {
      if (link.state !== 'up') links.set(`${link.from}-${link.to}`, link.state);
    }
    return links;
  }

  // Tells the views that faults (links, down nodes, …) may have changed.
  refreshLinks() {
    this.emit({ type: 'links' });
  }

  /** `promise`, unless the cluster is replaced before it settles: then a rejection. */
  guard(promise) {
    const cluster = this.cluster;
    let stop;
    const replaced = new Promise((_, reject) => {
      stop = this.subscribe((event) => {
        if (event.type === 'cluster' && this.cluster !== cluster) reject(new Error('stopped: the cluster was replaced'));
      });
    });
    return Promise.race([promise, replaced]).finally(stop);
  }

  /**
   * Resolves with the first result, so far or to come, that satisfies `test`; waits at most as
   * long as the current cluster lives (request ids start again in a new one).
   */
  waitForResult(test) {
    return this.waitFor(() => this.results.find(test));
  }

  /** Resolves with `check()` once it is truthy, checked now and after every step. */
  waitFor(check) {
    const now = check();
    if (now) return Promise.resolve(now);
    return this.guard(
      new Promise((resolve) => {
        const stop = this.subscribe((event) => {
          const value = event.type === 'step' && check();
          if (value) {
            stop();
            resolve(value);
          } else if (event.type === 'cluster') stop();
        });
      }),
    );
  }
}

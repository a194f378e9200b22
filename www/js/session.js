// The page's one running cluster and what outlives a single Cluster object: the config text,
// the seed, every result so far and the link states. Views subscribe here once; events of the
// current cluster are forwarded, and {type: 'cluster'} tells them the cluster was replaced.

import { Cluster, checkConfig } from './cluster.js';

export class Session {
  constructor() {
    this.cluster = null;
    this.seed = 0;
    this.results = [];
    this.links = new Map(); // "from-to" -> 'hold' | 'drop'; absent means up
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
   * Throws ConfigError before touching anything when the config is bad. Play state and speed
   * carry over; the first cluster starts playing.
   */
  replace(configText, seed) {
    const chosenSeed = seed ?? checkConfig(configText).config.seed;
    const next = new Cluster(configText, chosenSeed);
    const previous = this.cluster;
    const playing = previous ? previous.playing : true;
    if (previous) {
      next.setSpeed(previous.speed);
      previous.dispose();
    }
    this.cluster = next;
    this.seed = chosenSeed;
    this.results = [];
    this.links.clear();
    next.subscribe((event) => this.onClusterEvent(event));
    this.emit({ type: 'cluster' });
    if (playing) next.play();
  }

  /** A fresh cluster from the same config and seed. */
  reset() {
    this.replace(this.cluster.configText, this.seed);
  }

  onClusterEvent(event) {
    if (event.type === 'step') this.results.push(...event.results);
    this.emit(event);
    if (event.type === 'step' && event.trace.some((e) => e.kind === 'fault')) this.refreshLinks();
  }

  /** Sets a link to 'up', 'hold' or 'drop' and remembers it for the topology. */
  setLink(from, to, state) {
    this.cluster.setLink(from, to, state);
    this.refreshLinks();
  }

  /** Applies a fault line now (see Cluster.fault); throws for a bad line. */
  fault(line) {
    return this.cluster.fault(line);
  }

  // Copies the cut and holding links from the core (faults change them too) and tells the views.
  refreshLinks() {
    this.links.clear();
    for (const link of this.cluster.links()) {
      if (link.state !== 'up') this.links.set(`${link.from}-${link.to}`, link.state);
    }
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

// One history of the page's cluster, for time travel: checkpoints (copies of the scheduler and of
// every node, taken every CHECKPOINT_EVERY steps), every result with the step that produced it,
// and the furthest point reached (`end`). A moment is restored by copying the nearest checkpoint
// before it and replaying the action log from there at full speed (see Cluster.fastForward); the
// run is deterministic, so the replay is the history itself.
//
// A step is one `scheduler.pop()` of the page's loop: what the Step button delivers.

/** Steps between checkpoints: a restore replays fewer than this many (until thinned). */
export const CHECKPOINT_EVERY = 200;
/**
 * Most checkpoints kept; past this many every other one is dropped (the first stays): memory stays
 * bounded and restores replay a little further. A checkpoint shares the trace's sealed chunks
 * with the live cluster (src/trace.rs), so it holds the nodes, the queue and at most 1,024 trace
 * events of its own: with 128 of them, a history of 21,000 steps needs 27 MiB of wasm memory.
 */
export const MAX_CHECKPOINTS = 128;

export class History {
  constructor() {
    this.checkpoints = []; // by steps: {steps, time, lines, scheduler, nodes}
    this.results = []; // every result of this history, oldest first, each with its `step`
    this.end = { steps: 0, time: 0 }; // the furthest point reached
    this.forkedAt = null; // virtual µs of the last fork, for the note
  }

  /** Keeps a checkpoint of `cluster` as it is now, unless one of that step is kept already. */
  checkpoint(cluster) {
    const at = this.checkpoints.findIndex((c) => c.steps >= cluster.steps);
    if (at >= 0 && this.checkpoints[at].steps === cluster.steps) return;
    const taken = cluster.checkpoint();
    if (at < 0) this.checkpoints.push(taken);
    else this.checkpoints.splice(at, 0, taken);
    if (this.checkpoints.length > MAX_CHECKPOINTS) {
      const dropped = this.checkpoints.filter((_, i) => i % 2 === 1);
      for (const c of dropped) free(c);
      this.checkpoints = this.checkpoints.filter((_, i) => i % 2 === 0);
    }
  }

  /**
   * The latest checkpoint a restore to `target` ({steps} or {time}) can start from, on a cluster
   * whose action log holds `lines` script lines: it must not be past the target, nor hold actions
   * the log no longer has (after a fork).
   */
  base(target, lines) {
    const before = (c) => (target.steps !== undefined ? c.steps <= target.steps : c.time <= target.time);
    return this.checkpoints.findLast((c) => before(c) && c.lines <= lines);
  }

  /** Moves the end forward to where `cluster` is, if that is further; records its new results. */
  advance(cluster, results) {
    for (const result of results) if (result.step > this.end.steps) this.results.push(result);
    if (this.isPast(cluster)) return;
    const time = Math.max(this.end.time, cluster.now());
    // Called every frame: a new object only when the end moved.
    if (cluster.steps !== this.end.steps || time !== this.end.time) this.end = { steps: cluster.steps, time };
  }

  /**
   * Whether `cluster` shows a moment before the end: fewer steps. (At the end's steps with an
   * earlier clock, nothing is left to happen.)
   */
  isPast(cluster) {
    return cluster.steps < this.end.steps;
  }

  /** The results up to step `steps`. */
  resultsUpTo(steps) {
    return this.results.filter((r) => r.step <= steps);
  }

  /**
   * Drops what came after `steps`/`time`: a new history continues from there. Checkpoints that
   * hold dropped actions (more than `lines` lines) go too.
   */
  fork({ steps, time }, lines) {
    const keep = (c) => c.steps <= steps && c.lines <= lines;
    for (const c of this.checkpoints.filter((c) => !keep(c))) free(c);
    this.checkpoints = this.checkpoints.filter(keep);
    this.results = this.resultsUpTo(steps);
    this.end = { steps, time };
    this.forkedAt = time;
  }

  /** Releases the checkpoints' wasm memory; the history is unusable afterwards. */
  dispose() {
    for (const c of this.checkpoints) free(c);
    this.checkpoints = [];
  }
}

function free(checkpoint) {
  checkpoint.scheduler.free();
  for (const node of checkpoint.nodes) node.free();
}

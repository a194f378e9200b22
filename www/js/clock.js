// Pacing: virtual time from the wall clock. While playing, virtual time runs with the wall clock
// scaled by `speed`; paused, it stands still. A Pacer (a gloo timer in wasm) wakes the owner when
// the next event is due, so each message arrives after its (scaled) delay.

import { Pacer } from './wasm.js';

/** Virtual seconds per wall second at 1x: the original's delays are seconds, watchable as is. */
export const DEFAULT_SPEED = 1;
export const MIN_SPEED = 0.1;
export const MAX_SPEED = 100;

export class Clock {
  /** `onWake()` is called when the time given to wakeAt() comes (while playing). */
  constructor(onWake) {
    this.onWake = onWake;
    this.pacer = new Pacer();
    this.speed = DEFAULT_SPEED;
    this.playing = false;
    this.pausedAt = 0; // virtual µs, while paused
    this.baseWall = 0; // performance.now() when playing began (or last re-based)
    this.baseVirtual = 0; // virtual µs then
  }

  /** Virtual time now, in µs. */
  now() {
    if (!this.playing) return this.pausedAt;
    return this.baseVirtual + (performance.now() - this.baseWall) * 1000 * this.speed;
  }

  play() {
    if (this.playing) return;
    this.rebase(this.pausedAt);
    this.playing = true;
  }

  /** Stops at the time now, in whole µs (as a shared moment says it). */
  pause() {
    if (!this.playing) return;
    this.pausedAt = Math.floor(this.now());
    this.playing = false;
    this.pacer.cancel();
  }

  /** Throws a RangeError for a speed out of range, changing nothing. */
  setSpeed(speed) {
    if (!(speed >= MIN_SPEED && speed <= MAX_SPEED)) {
      throw new RangeError(`speed ${speed} must be from ${MIN_SPEED} to ${MAX_SPEED}`);
    }
    const now = this.now();
    this.rebase(now);
    this.pausedAt = now;
    this.speed = speed;
  }

  /** Paused: moves on to `time` if it is later. (Playing, time moves by itself.) */
  reach(time) {
    if (!this.playing) this.pausedAt = Math.max(this.pausedAt, time);
  }

  /** Makes `time` the time now, playing or paused. */
  jump(time) {
    if (this.playing) this.rebase(time);
    else this.pausedAt = time;
  }

  /** Pauses at exactly `time` (a new cluster, or a moment of the history shown). */
  stopAt(time) {
    this.pause();
    this.pausedAt = time;
  }

  /** While playing, calls onWake once virtual time reaches `due` (µs; undefined: never). */
  wakeAt(due) {
    this.pacer.cancel();
    if (!this.playing || due === undefined) return;
    const delayMs = Math.max(0, (due - this.now()) / 1000 / this.speed);
    this.pacer.arm(delayMs, () => this.onWake());
  }

  rebase(virtual) {
    this.baseVirtual = virtual;
    this.baseWall = performance.now();
  }
}

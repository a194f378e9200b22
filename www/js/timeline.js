// The history slider (raftscope-style time travel): it spans virtual time from 0 to the latest
// moment of the history; dragging it shows the page as it was then (paused), "Live" returns to
// the latest moment. A note says when an action in the past forked the history (the rule is in
// session.js).

import { byTestId, setText, seconds } from './dom.js';

export class Timeline {
  constructor(session) {
    this.session = session;
    this.slider = byTestId('timeline');
    this.time = byTestId('timeline-time');
    this.live = byTestId('timeline-live');
    this.note = byTestId('timeline-note');
    this.bar = byTestId('timeline-bar');
    this.history = null;
    this.wanted = null; // the time the slider asks for, travelled to at the next frame
    this.dragging = false;
    this.slider.addEventListener('input', () => this.request(Number(this.slider.value) * 1000));
    this.slider.addEventListener('pointerdown', () => (this.dragging = true));
    for (const type of ['pointerup', 'pointercancel']) this.slider.addEventListener(type, () => (this.dragging = false));
    this.live.addEventListener('click', () => session.goLive());
    session.subscribe((event) => {
      if (event.type === 'fork') this.showFork(event.time);
      else if (event.type === 'cluster' && session.history !== this.history) {
        this.history = session.history; // a new history (reset, config, scenario): no fork yet
        this.note.hidden = true;
      }
    });
  }

  // Dragging fires many inputs per frame: only the latest is travelled to.
  request(time) {
    const first = this.wanted === null;
    this.wanted = time;
    if (!first) return;
    requestAnimationFrame(() => {
      const time = this.wanted;
      this.wanted = null;
      this.travelTo(time);
    });
  }

  /** Shows the moment `time` (µs); returns how long the travel took, in ms. */
  travelTo(time) {
    const started = performance.now();
    this.session.travel({ time });
    return performance.now() - started;
  }

  showFork(time) {
    this.note.textContent = `History forked at t = ${seconds(time)} s: what had happened after that moment was dropped, and the run goes on from there.`;
    this.note.hidden = false;
  }

  /** Called every frame. */
  tick(now) {
    const { end, live, events, endEvents } = this.session.timeline();
    const endMs = Math.ceil(end / 1000);
    if (this.slider.max !== String(endMs)) this.slider.max = String(endMs);
    // The thumb follows the clock, except under the pointer of someone dragging it.
    const value = String(Math.floor(now / 1000));
    if (this.wanted === null && !this.dragging && this.slider.value !== value) this.slider.value = value;
    const text = `t = ${seconds(now)} s of ${seconds(end)} s · event ${events} of ${endEvents}`;
    setText(this.time, text);
    if (this.slider.getAttribute('aria-valuetext') !== text) this.slider.setAttribute('aria-valuetext', text);
    if (this.live.disabled !== live) this.live.disabled = live;
    if (this.bar.classList.contains('in-past') !== !live) this.bar.classList.toggle('in-past', !live);
  }
}

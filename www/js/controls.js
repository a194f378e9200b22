// The header controls: play/pause, step back, step, speed (log scale), run until quiet, reset,
// the virtual clock and the seed; space, `,` and `.` as keyboard shortcuts.

import { byTestId, setText, seconds } from './dom.js';
import { MIN_SPEED, MAX_SPEED } from './clock.js';

export class Controls {
  constructor(session) {
    this.session = session;
    this.play = byTestId('play-pause');
    this.playIcon = this.play.querySelector('.icon');
    this.playLabel = this.play.querySelector('.label');
    this.speed = byTestId('speed');
    this.speedValue = byTestId('speed-value');
    this.clock = byTestId('clock');
    this.seed = byTestId('seed');
    this.speed.min = String(Math.log10(MIN_SPEED));
    this.speed.max = String(Math.log10(MAX_SPEED));
    this.play.addEventListener('click', () => this.togglePlay());
    byTestId('step-back').addEventListener('click', () => this.session.stepBack());
    byTestId('step').addEventListener('click', () => this.session.step());
    byTestId('run-until-quiet').addEventListener('click', () => this.session.runUntilQuiet());
    byTestId('reset').addEventListener('click', () => this.session.reset());
    this.speed.addEventListener('input', () => {
      const speed = Math.min(MAX_SPEED, Math.max(MIN_SPEED, 10 ** Number(this.speed.value)));
      this.session.setSpeed(Number(speed.toPrecision(2)));
    });
    document.addEventListener('keydown', (e) => this.onKey(e));
    session.subscribe((event) => {
      if (event.type === 'clock' || event.type === 'cluster') this.sync();
    });
  }

  togglePlay() {
    if (this.session.clock.playing) this.session.pause();
    else this.session.play();
  }

  // Space, `,` and `.` work wherever they do not type text; space leaves buttons and sliders their
  // own meaning of it. Esc leaves a text field (its text stays), so the keys work again.
  onKey(e) {
    const typing = e.target.closest('input:not([type="range"]):not([type="file"]), textarea, select, [contenteditable]');
    if (typing && e.key === 'Escape' && !e.defaultPrevented) return typing.blur();
    if (e.ctrlKey || e.metaKey || e.altKey || this.session.driver.live) return; // a live cluster runs in real time
    if (typing) return;
    if (e.key === ' ' && !e.target.closest('button, a[href], input, summary')) {
      e.preventDefault();
      this.togglePlay();
    } else if (e.key === '.') {
      e.preventDefault();
      this.session.step();
    } else if (e.key === ',') {
      e.preventDefault();
      this.session.stepBack();
    }
  }

  sync() {
    const { playing, speed } = this.session.clock;
    setText(this.playIcon, playing ? '❚❚' : '▶');
    setText(this.playLabel, playing ? 'Pause' : 'Play');
    if (document.activeElement !== this.speed) this.speed.value = String(Math.log10(speed));
    setText(this.speedValue, `${speed}x`);
    setText(this.seed, `seed ${this.session.seed}`);
  }

  /** Called every frame. */
  tick(now) {
    setText(this.clock, `t = ${seconds(now)} s`);
  }
}

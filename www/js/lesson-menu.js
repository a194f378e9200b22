// The header's way into the lessons: "Start here" (the first lesson), the Lessons menu (every
// lesson, by title), "Watch read repair" (that lesson) and links `#lesson=NAME`. The player
// (lessons.js, with lessons.css and the exports package's scenario reader) and the lesson files
// are loaded the first time one is opened, not with the page.

import { byTestId, el } from './dom.js';
import { onFirstUse } from './lazy.js';

const loadPlayer = onFirstUse(() => import('./lessons.js'), 'css/lessons.css');

export const FIRST_LESSON = 'read-repair';

/** The lesson the address names (`#lesson=NAME`), or null. */
function linkedLesson() {
  return new URLSearchParams(location.hash.replace(/^#/, '')).get('lesson');
}

/**
 * When the page opens on a lesson's link: starts fetching the player and the lesson while the
 * wasm loads, so its first caption comes sooner. Errors are left for the lesson's opening.
 */
export function prefetchLinkedLesson() {
  const name = linkedLesson();
  if (name === null) return;
  loadPlayer().catch(() => {});
  import('./lesson-data.js').then(({ fetchLesson }) => fetchLesson(name)).catch(() => {});
}

export class LessonMenu {
  /** `views`: what the player marks, {topology, spacetime, inspector}. */
  constructor(session, views) {
    this.session = session;
    this.views = views;
    this.loading = null; // the player, once asked for
    this.listed = null; // the menu's items, once fetched
    this.error = byTestId('lesson-error');
    this.toggle = byTestId('lessons-menu');
    this.list = byTestId('lessons-list');
    byTestId('lesson-start').addEventListener('click', () => this.openShown(FIRST_LESSON));
    byTestId('demo-read-repair').addEventListener('click', () => this.openShown('read-repair'));
    this.toggle.addEventListener('click', () => this.showMenu(this.list.hidden).catch((e) => this.report(e)));
    window.addEventListener('hashchange', () => this.openLink().catch(() => {})); // shown in lesson-error
    // The menu closes on Escape and on a click anywhere else.
    document.addEventListener('keydown', (e) => e.key === 'Escape' && !this.list.hidden && this.showMenu(false));
    document.addEventListener('click', (e) => {
      if (!this.list.hidden && !this.toggle.parentElement.contains(e.target)) this.showMenu(false);
    });
  }

  player() {
    this.loading ??= loadPlayer().then(({ LessonPlayer }) => new LessonPlayer(this.session, this.views));
    return this.loading;
  }

  /** Opens lesson `name` at its first step; rejects (and says so on the page) for a bad one. */
  async open(name) {
    try {
      const state = await (await this.player()).open(name);
      this.error.hidden = true;
      return state;
    } catch (e) {
      this.report(e);
      throw e;
    }
  }

  // Opens `name` from a button or the menu, with its link in the address bar.
  openShown(name) {
    this.showMenu(false).catch(() => {});
    history.replaceState(null, '', `#lesson=${name}`);
    this.open(name).catch(() => {}); // shown in lesson-error
  }

  /** Opens the lesson the address names (`#lesson=NAME`), if it names one. */
  openLink() {
    const name = linkedLesson();
    return name === null ? Promise.resolve(null) : this.open(name);
  }

  /** The read-repair lesson, at its last step: its whole story has happened. */
  async demo() {
    const state = await this.open('read-repair');
    (await this.player()).go(state.steps - 1);
  }

  /** The open lesson's state (see LessonPlayer.state), or null. */
  async state() {
    return this.loading ? (await this.loading).state() : null;
  }

  async showMenu(show) {
    this.list.hidden = !show;
    this.toggle.setAttribute('aria-expanded', String(show));
    if (!show || this.listed) return;
    const { lessonNames, fetchLesson } = await import('./lesson-data.js');
    const lessons = await Promise.all((await lessonNames()).map((name) => fetchLesson(name)));
    this.listed = lessons.map(({ name, title }) => {
      const link = el('a', { href: `#lesson=${name}`, 'data-lesson': name, text: title });
      link.addEventListener('click', (e) => {
        e.preventDefault();
        this.openShown(name);
      });
      return el('li', {}, link);
    });
    this.list.replaceChildren(...this.listed);
  }

  report(e) {
    this.error.textContent = `Cannot open the lesson: ${e.message}`;
    this.error.hidden = false;
  }
}

// Compare (its module and stylesheet), loaded when first used (the Compare… button, a link with `&compare=`, or
// playground.compare()), so the first load of the page carries none of it. Until then nothing is
// compared: settingText() and state() say so without loading anything.

import { byTestId } from './dom.js';
import { onFirstUse } from './lazy.js';

const loadView = onFirstUse(() => import('./compare-view.js'), 'css/compare.css');

export class CompareLoader {
  constructor(session) {
    this.session = session;
    this.view = null; // the CompareView once loaded
    byTestId('compare-toggle').addEventListener('click', () => {
      this.load()
        .then((view) => view.toggleForm())
        .catch((e) => console.error(e)); // only a failed module load: the page has a problem
    });
  }

  /** Resolves with the CompareView, loading it the first time. */
  async load() {
    const { CompareView } = await loadView();
    this.view ??= new CompareView(this.session);
    return this.view;
  }

  /** Opens the comparison under `text` (`name=value`); rejects saying what is wrong, opening nothing. */
  async open(text) {
    (await this.load()).open(text);
  }

  close() {
    this.view?.close();
  }

  /** The setting compared as `name=value`, or null. */
  settingText() {
    return this.view?.settingText() ?? null;
  }

  /** Resolves with the compared run's state (see CompareView.state), or null. */
  async state() {
    return this.view?.state() ?? null;
  }

  draw(now) {
    this.view?.draw(now);
  }
}

// Files dropped anywhere on the page. A scenario file (a JSON object with a `version`, as the
// page and `kvsim` write them) replaces the history; anything else is read as a config.json,
// whose errors then name the problem. The drop zone lights up while a file is dragged over the page.

import { MAX_SCENARIO_BYTES } from './scenario-link.js';

/** Reads each file dropped on the page once and hands its text to `config` or `scenario`. */
export function watchDrops({ config, scenario }) {
  const carriesFiles = (e) => e.dataTransfer && [...e.dataTransfer.types].includes('Files');
  document.addEventListener('dragover', (e) => {
    if (!carriesFiles(e)) return;
    e.preventDefault();
    document.body.classList.add('dragging');
  });
  document.addEventListener('dragleave', (e) => {
    if (e.relatedTarget === null) document.body.classList.remove('dragging');
  });
  document.addEventListener('drop', async (e) => {
    document.body.classList.remove('dragging');
    if (!carriesFiles(e)) return;
    e.preventDefault();
    const file = e.dataTransfer.files[0];
    if (!file) return;
    const text = await file.text();
    (isScenario(text) ? scenario : config)(text);
  });
}

/** Whether `text` reads as a scenario: a config has no `version` (the core rejects unknown fields). */
function isScenario(text) {
  // A longer text is no valid scenario; it goes to the config reader, which says what is wrong.
  if (text.length > MAX_SCENARIO_BYTES) return false;
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) && 'version' in value;
  } catch {
    return false;
  }
}

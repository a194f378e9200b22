// Files dropped anywhere on the page, sorted by their content. A trace (JSON lines: a `kvsim
// merge` header or trace events) is replayed; an EDN history (Jepsen's maps with
// :process and :type, as `kvsim run --history`, Knossos and porcupine write them) goes to the
// History card; a scenario file (a JSON object with a `version`, as the page and `kvsim` write
// them) replaces the run; anything else is read as a config.json, whose errors then name the
// problem. The drop zone lights up while a file is dragged over the page.

/** Reads each file dropped on the page once and hands its name and text to `trace`, `history`, `scenario` or `config`. */
export function watchDrops({ config, scenario, history, trace }) {
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
    // Loaded on the first drop, not with the page.
    const [{ isTrace }, { MAX_SCENARIO_BYTES }] = await Promise.all([import('./trace-format.js'), import('./scenario-link.js')]);
    if (isTrace(text)) trace(file.name, text);
    else if (isHistory(text)) history(file.name, text);
    else if (isScenario(text, MAX_SCENARIO_BYTES)) scenario(text);
    else config(text, file.name);
  });
}

/**
 * Whether `text` reads as an EDN history: after blank lines and `;` comments it opens a map, a
 * vector or a list, it is not JSON, and it names the op fields `:process` and `:type`.
 */
function isHistory(text) {
  const start = text.replace(/^(\s|;[^\n]*)*/, '');
  if (!/^[{[(]/.test(start) || !/:process\b/.test(start) || !/:type\b/.test(start)) return false;
  try {
    JSON.parse(text);
    return false;
  } catch {
    return true;
  }
}

/** Whether `text` reads as a scenario: a config has no `version` (the core rejects unknown fields). */
function isScenario(text, maxBytes) {
  // A longer text is no valid scenario; it goes to the config reader, which says what is wrong.
  if (text.length > maxBytes) return false;
  try {
    const value = JSON.parse(text);
    return value !== null && typeof value === 'object' && !Array.isArray(value) && 'version' in value;
  } catch {
    return false;
  }
}

// Bootstrap: loads the wasm, wires the views to one Session, opens the original's four-server
// cluster playing at 1x, and runs the single animation loop.

import { loadWasm } from './wasm.js';
import { byTestId } from './dom.js';
import { PRESET_CONFIG, PRESET_SEED, DEFAULT_HINT } from './presets.js';
import { Session } from './session.js';
import { Controls } from './controls.js';
import { Topology } from './topology.js';
import { buildPanels, markCoordinators } from './panels.js';
import { Consoles } from './consoles.js';
import { Stores } from './stores.js';
import { Inspector } from './inspector.js';
import { EventLog } from './event-log.js';
import { SpacetimeRecord } from './spacetime-record.js';
import { watchDrops } from './drops.js';
import { FaultsPanel } from './faults-panel.js';
import { LessonMenu, prefetchLinkedLesson } from './lesson-menu.js';
import { Timeline } from './timeline.js';
import { Share } from './share.js';
import { CommandBar } from './command-bar.js';
import { CompareLoader } from './compare-loader.js';
import { installApi } from './api.js';
import { onFirstUse, lazyCard } from './lazy.js';
import { TraceSource } from './trace-source.js';

async function boot() {
  prefetchLinkedLesson();
  await loadWasm();
  const session = new Session();
  const hint = byTestId('hint');
  hint.textContent = DEFAULT_HINT;
  const controls = new Controls(session);
  let parts = [];
  const topology = new Topology(session, {
    canvas: byTestId('topology'),
    tooltip: byTestId('topology-tooltip'),
    legend: byTestId('legend'),
    onCoordinators: (coordinators) => markCoordinators(parts, coordinators),
  });
  const consoles = new Consoles(session, { live: byTestId('live-results'), defaultLevel: byTestId('default-level') });
  new CommandBar(session, { defaultLevel: byTestId('default-level') });
  const inspector = new Inspector(session);
  const stores = new Stores(session, (snapshot) => inspector.update(snapshot));
  new EventLog(session);
  // The space-time diagram records the run from the start and loads its view when its card is
  // first seen; a lesson's or an anomaly's focus loads it too.
  const spacetimeRecord = new SpacetimeRecord(session);
  const spacetime = lazyCard(byTestId('spacetime-panel'), () => import('./spacetime.js').then(({ Spacetime }) => new Spacetime(session, spacetimeRecord)));
  const focus = {
    focusRequests: (...args) => spacetime().then((view) => view.focusRequests(...args), console.error), // only a failed module load
  };
  const faults = new FaultsPanel(session);
  let panelsFor = null; // the addresses the panels were built for, while the simulation shows
  session.subscribe((event) => {
    if (event.type !== 'cluster') return;
    const { driver } = session;
    const addresses = driver.recorded ? null : driver.config.addresses.join('\n');
    if (addresses !== null && addresses === panelsFor) {
      // A jump in time or a reset on the same nodes keeps the panels and refills them in place:
      // building them anew was most of a jump's next frame after a long run (a layout of all).
      consoles.clear();
      stores.refresh({ flash: false });
      faults.keep(parts);
      markCoordinators(parts, new Set());
      return;
    }
    panelsFor = addresses;
    parts = buildPanels(byTestId('node-grid'), driver.config.addresses);
    consoles.attach(parts);
    stores.attach(parts);
    faults.attach(parts);
  });
  const traceSource = new TraceSource(session); // after the panels are built: it turns their controls off
  const lessons = new LessonMenu(session, { topology, spacetime: focus, inspector });
  session.replace(PRESET_CONFIG, PRESET_SEED);
  // Loaded when first used: the config editor (the Config button, a config file dropped), and the
  // cards below the fold that show the run (when scrolled to, or asked for), which then show it
  // as it is. A failed load is a problem of the page itself: it goes to the console.
  const configEditor = onFirstUse(() => import('./config-editor.js').then(({ ConfigEditor }) => new ConfigEditor(session)));
  byTestId('config-toggle').addEventListener('click', () => configEditor().then((editor) => editor.toggleOpen(), console.error));
  lazyCard(byTestId('anomalies-panel'), () => import('./anomalies.js').then(({ AnomaliesPanel }) => new AnomaliesPanel(session, focus)));
  lazyCard(byTestId('figures-panel'), () => import('./figures.js').then(({ FiguresPanel }) => new FiguresPanel(session)));
  const historyCard = lazyCard(byTestId('history-panel'), () => import('./history-panel.js').then(({ HistoryPanel }) => new HistoryPanel(session)));
  const workload = lazyCard(byTestId('workload-panel'), () => import('./workload-panel.js').then(({ WorkloadPanel }) => new WorkloadPanel(session)));
  const timeline = new Timeline(session);
  const compare = new CompareLoader(session);
  const share = new Share(session, compare, workload);
  watchDrops({
    config: (text, name) => configEditor().then((editor) => editor.loadText(text, name), console.error),
    scenario: (text) => share.report(() => share.load(text)).catch(() => {}), // shown in share-error
    history: (name, text) => historyCard().then((card) => card.report(() => card.load(name, text)).catch(() => {}), console.error), // shown on its card
    trace: (name, text) => traceSource.openText(name, text).catch(() => {}), // shown by the Open trace button
  });
  await share.openLink().catch(() => {}); // a shared link's scenario; its error is shown
  await lessons.openLink().catch(() => {}); // a lesson's link (#lesson=NAME); its error is shown

  // While a fast-forward runs, the clock and the timeline are drawn only when the views are told
  // (a 'step'), not every frame: the timeline's event count moved with every slice, and laying
  // out and painting the page for it took a fifth of the fast-forward's time.
  let stepped = false; // whether a step came since the last frame
  session.subscribe((event) => {
    stepped ||= event.type === 'step';
  });
  const frame = () => {
    requestAnimationFrame(frame); // first, so one bad frame cannot stop the animation
    const now = session.now();
    topology.draw(now);
    compare.draw(now);
    spacetime.made?.draw(now);
    if (!session.fastForwarding || stepped) {
      controls.tick(now);
      timeline.tick(now);
    }
    stepped = false;
  };
  requestAnimationFrame(frame);
  return { session, lessons, spacetime, timeline, share, compare, history: historyCard, traceSource, workload };
}

const booted = boot();
booted.catch((error) => {
  const fatal = byTestId('fatal-error');
  fatal.textContent = `The playground could not start: ${error.message}`;
  fatal.hidden = false;
});
installApi(booted);

// Browser benchmark (not a test; scripts/bench.sh runs it). Prints, in headless Chromium:
//   1. sizes: the wasm raw and gzipped, and the whole page (html, css, js, wasm) gzipped, as served
//      (dist/, JavaScript stripped of comments) and as written (www/); of it, what the page fetches
//      on its first load, and what only the checker's worker fetches, on demand;
//   2. wasm events/s: benchStandard(100000) (the benchmark's package) in the page beside `kvsim bench --json` (native);
//   3. frame times: a 16-node cluster with 20 s delays and ~300 messages in flight, alone and
//      beside Compare (16 nodes each side), then 64 nodes with ~1,000 in flight: the
//      requestAnimationFrame intervals over ~5 s (p50, p95, max);
//   4. time travel: a scenario of 3,000 commands loaded (about 21,000 steps), the wasm memory it
//      holds with its checkpoints, and the time of jumps to 10-75% of it;
//   5. the linearizability checker in its worker: a 10,000-operation store history of 10 keys
//      loaded into the History card, then checked (starting the worker included);
//   6. scale (issue 14), on 16 nodes with links of 1-20 ms: 20,000 commands given one by one
//      through playground.run (before: measured on 2,000 of them) and as one runScript; a
//      100,000-operation workload fast-forwarded to quiet (events/s beside the raw wasm rate of
//      section 2), the wasm memory it leaves and the time of jumps into it; with
//      BENCH_MILLION=1, the same for 1,000,000 operations, and for the Workload card's preset
//      "64 nodes · 1,000,000 ops at ONE"; beside each, the page module's own loop on it with no
//      frame drawn, without and with the live checks (the fast-forward's ceiling on one thread);
//   7. the space-time diagram over each of those runs: the requestAnimationFrame intervals (p50,
//      p95, max) while the wheel zooms it from the whole run (density) into a few ms (arrows
//      decoded from the trace), pans and zooms back out, 360 frames, and the frames of each mode.
// BENCH_ONLY=sizes stops after section 1, BENCH_ONLY=rate after section 2 (to compare builds).
// BENCH_ONLY=scale runs only section 6 and the wasm rate of section 2 it is compared with;
// BENCH_ONLY=fast-forward, of section 6, only the workloads fast-forwarded. BENCH_CPU=1 runs each
// fast-forward once more under a Chromium trace and prints its main-thread CPU time by task: on a
// loaded machine a task over 50 ms of wall time is mostly the page descheduled, not its work.
// Then all figures as one JSON line. Needs the site built (scripts/build-wasm.sh, build-site.sh).

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, extname } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT, WWW, EXAMPLE_CONFIG, startServer, launchBrowser, openPlayground, ensureKvsim, ensurePlaying, frameIntervals, percentile, scaleConfig as scaleCluster } from './helpers.mjs';
import { storeHistory } from './histories.mjs';
import { workloadPreset } from '../../www/js/workload-presets.js';

const OPERATIONS = 100_000;
const FRAME_SECONDS = 5;
const TRAVEL_COMMANDS = 3_000;
const CHECK_OPERATIONS = 10_000;
const SCRIPT_COMMANDS = 20_000;
const RUN_COMMANDS = 2_000; // playground.run one by one is slow: measured on fewer
// The workloads fast-forwarded: on 16 nodes; with BENCH_MILLION, also the million and the Workload
// card's 64-node preset (the issue's "done when").
const STANDARD = (ops) => ({ nodes: 16, spec: `ops=${ops} rate=5000 keys=500` });
const WORKLOADS = process.env.BENCH_MILLION
  ? [STANDARD(100_000), STANDARD(1_000_000), { nodes: 64, spec: workloadPreset('64-1m-one').spec }]
  : [STANDARD(100_000)];
const ONLY = process.env.BENCH_ONLY;
if (ONLY !== undefined && !['sizes', 'rate', 'scale', 'fast-forward'].includes(ONLY)) {
  throw new Error(`BENCH_ONLY=${ONLY}: expected sizes, rate, scale or fast-forward`);
}
const SCALE_ONLY = ONLY === 'scale' || ONLY === 'fast-forward';

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : [path];
  });
}

const gzipped = (path) => gzipSync(readFileSync(path), { level: 9 }).length;
const kb = (bytes) => `${(bytes / 1024).toFixed(1)} KiB`;

// --- 1. sizes ------------------------------------------------------------------------------
const wasmFiles = files(join(WWW, 'pkg')).filter((f) => f.endsWith('.wasm'));
if (wasmFiles.length === 0) throw new Error(`no ${WWW}/pkg/*.wasm: run scripts/build-wasm.sh and scripts/build-site.sh`);
const wasm = wasmFiles.map((f) => ({ file: relative(WWW, f), bytes: statSync(f).size, gzip: gzipped(f) }));
// Every file a browser loads, each gzipped on its own as a static host serves it.
function pageSize(dir) {
  const pageFiles = files(dir).filter((f) => ['.html', '.css', '.js', '.mjs', '.wasm'].includes(extname(f)));
  return {
    files: pageFiles.length,
    bytes: pageFiles.reduce((sum, f) => sum + statSync(f).size, 0),
    gzip: pageFiles.reduce((sum, f) => sum + gzipped(f), 0),
  };
}
const page = pageSize(WWW);
const sources = pageSize(join(ROOT, 'www'));
console.log('== sizes');
for (const w of wasm) console.log(`${w.file}: ${w.bytes} bytes (${kb(w.bytes)}), gzipped ${w.gzip} bytes (${kb(w.gzip)})`);
for (const [name, p] of [[`as served (${relative(ROOT, WWW)}/)`, page], ['as written (www/)', sources]]) {
  console.log(`whole page ${name}, ${p.files} html/css/js/wasm files: ${kb(p.bytes)}, gzipped ${p.gzip} bytes (${kb(p.gzip)})`);
}

// --- 2. events per second, wasm vs native --------------------------------------------------
// Each side runs RUNS times and the median counts: one run is a fraction of a second, and this
// machine's two cores are often busy with something else.
const RUNS = 3;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const kvsim = ONLY === 'sizes' ? null : ensureKvsim();
const nativeRuns = Array.from({ length: ONLY === 'sizes' || SCALE_ONLY ? 0 : RUNS }, () =>
  JSON.parse(execFileSync(kvsim, ['bench', '--json'], { encoding: 'utf8' }).trim().split('\n').pop()),
);
const native = SCALE_ONLY
  ? { events_per_second: NaN, events_per_second_traced: NaN }
  : {
      events_per_second: median(nativeRuns.map((r) => r.events_per_second)),
      events_per_second_traced: median(nativeRuns.map((r) => r.events_per_second_traced)),
    };

// Cross-origin isolated: Chromium then gives frame timestamps to 5 us, not 100 us (which alone
// turns steady 16.67 ms frames into a p95 of 16.8).
const server = await startServer({ isolated: true });
const browser = await launchBrowser();
const figures = { wasm, page, page_sources: sources };
// With BENCH_ONLY=section, ends the benchmark after that section, printing its figures.
async function stopAfter(section) {
  if (ONLY !== section) return;
  await browser.close();
  server.close();
  console.log(JSON.stringify(figures));
  process.exit(0);
}
try {
  const { page: tab, assertClean } = await openPlayground(browser.context, server.url);
  // What the browser fetched to start: the document and every resource up to `ready`.
  const fetched = await tab.evaluate(() => [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)]);
  const served = (url) => join(WWW, new URL(url).pathname === '/' ? 'index.html' : new URL(url).pathname.slice(1));
  const firstLoad = [...new Set(fetched.filter((url) => !url.startsWith('data:')).map(served))];
  const onDemand = files(WWW).filter((f) => ['.js', '.wasm'].includes(extname(f)) && !firstLoad.includes(f) && /pkg-check|check-worker/.test(f));
  const sum = (list) => ({ files: list.length, gzip: list.reduce((total, f) => total + gzipped(f), 0) });
  figures.first_load = sum(firstLoad);
  figures.on_demand = sum(onDemand);
  console.log(`first load (what the page fetches until ready), ${figures.first_load.files} files: gzipped ${figures.first_load.gzip} bytes (${kb(figures.first_load.gzip)})`);
  console.log(`on demand (the checker's package and worker: ${onDemand.map((f) => relative(WWW, f)).join(', ')}): gzipped ${figures.on_demand.gzip} bytes (${kb(figures.on_demand.gzip)})`);
  if (process.env.BENCH_FILES) for (const f of firstLoad) console.log(`  ${gzipped(f)}\t${relative(WWW, f)}`);
  await stopAfter('sizes');
  const wasmRuns = await tab.evaluate(
    async ([operations, runs]) => {
      const module = await import('/pkg-bench/kvbench.js'); // benchStandard: the engine, in a package of its own
      await module.default();
      return Array.from({ length: runs }, () => module.benchStandard(operations));
    },
    [OPERATIONS, RUNS],
  );
  const inWasm = { events: wasmRuns[0].events, events_per_second: median(wasmRuns.map((r) => r.events_per_second)) };
  const ratio = inWasm.events_per_second / native.events_per_second;
  const m = (x) => `${(x / 1e6).toFixed(2)} M`;
  console.log(`== events per second (standard workload: ${OPERATIONS} operations, trace off; median of ${RUNS} runs)`);
  console.log(`wasm in Chromium: ${m(inWasm.events_per_second)} events/s (${inWasm.events} events; runs: ${wasmRuns.map((r) => m(r.events_per_second)).join(', ')})`);
  if (nativeRuns.length) {
    console.log(`native (kvsim bench): ${m(native.events_per_second)} events/s (runs: ${nativeRuns.map((r) => m(r.events_per_second)).join(', ')}; trace on: ${m(native.events_per_second_traced)})`);
    console.log(`ratio wasm / native: ${ratio.toFixed(2)}`);
  }
  Object.assign(figures, {
    wasm_events_per_second: inWasm.events_per_second,
    wasm_events: inWasm.events,
    native_events_per_second: native.events_per_second,
    native_events_per_second_traced: native.events_per_second_traced,
    wasm_native_ratio: ratio,
  });
  await stopAfter('rate');

  if (!SCALE_ONLY) {
    // --- 3. frame times: 16 nodes (~300 messages in flight), the same beside Compare, 64 nodes (~1,000)
    for (const [name, setting] of [
      ['16 nodes', { nodes: 16, searches: 19, least: 300 }],
      ['16 nodes on both sides of Compare', { nodes: 16, searches: 19, least: 300, compare: 'read_repair=blocking' }],
      ['64 nodes', { nodes: 64, searches: 16, least: 1000 }],
    ]) {
      const frames = await frameTimes(tab, setting);
      console.log(`== frame times (${name}, 20 s delays, ${frames.in_flight} messages in flight, ${FRAME_SECONDS} s at 1x)`);
      console.log(
        `${frames.frames} frames: p50 ${frames.p50_ms.toFixed(2)} ms, p95 ${frames.p95_ms.toFixed(2)} ms, max ${frames.max_ms.toFixed(2)} ms` +
          ` (${frames.in_flight_after} messages still in flight at the end)`,
      );
      figures[setting.compare ? 'frames_compare' : setting.nodes === 16 ? 'frames' : `frames_${setting.nodes}`] = frames;
      if (setting.compare) await tab.evaluate(() => window.playground.closeCompare());
    }

    // --- 4. time travel over a long history -------------------------------------------------
    const script = Array.from({ length: TRAVEL_COMMANDS }, (_, i) =>
      `${i * 50} ${i % 4} ${i % 2 ? `get k${i % 50} ONE` : `insert k${i % 50} v${i} QUORUM`}`,
    );
    const scenario = JSON.stringify({ version: 1, config: JSON.parse(EXAMPLE_CONFIG), seed: 1, script });
    const travel = await tab.evaluate(async (text) => {
      const started = performance.now();
      await window.playground.loadScenario(text); // runs until quiet, keeping checkpoints
      const loadMs = performance.now() - started;
      const { memory } = await (await import('/pkg/kvplayground.js')).default();
      const { end, endEvents } = window.playground.timeline();
      const jumps = [];
      for (const at of [0.25, 0.5, 0.75, 0.1]) jumps.push(await window.playground.travelTo(end * at));
      return { steps: endEvents, load_ms: loadMs, wasm_memory_bytes: memory.buffer.byteLength, jump_ms: jumps };
    }, scenario);
    console.log(`== time travel (${TRAVEL_COMMANDS} commands on the example config, ${travel.steps} steps)`);
    console.log(
      `loaded in ${travel.load_ms.toFixed(0)} ms; wasm memory ${(travel.wasm_memory_bytes / 2 ** 20).toFixed(1)} MiB; ` +
        `jumps to 25/50/75/10%: ${travel.jump_ms.map((ms) => ms.toFixed(0)).join(' / ')} ms`,
    );
    figures.time_travel = travel;

    // --- 5. the checker in its worker ---------------------------------------------------------
    const check = await tab.evaluate(
      async ([edn, runs]) => {
        const started = performance.now();
        await window.playground.loadHistory(edn, 'bench.edn');
        const loadMs = performance.now() - started;
        const checks = [];
        for (let i = 0; i < runs; i++) {
          const t = performance.now();
          const report = await window.playground.checkLinearizability({ model: 'store' });
          checks.push({ ms: performance.now() - t, verdict: report.verdict });
        }
        return { load_ms: loadMs, check_ms: checks.map((c) => c.ms), verdict: checks[0].verdict };
      },
      [storeHistory({ operations: CHECK_OPERATIONS }), RUNS],
    );
    console.log(`== the linearizability checker in its worker (${CHECK_OPERATIONS} operations, 10 keys, model store)`);
    console.log(`loaded into the History card in ${check.load_ms.toFixed(0)} ms; checked (${check.verdict}) in ${check.check_ms.map((ms) => ms.toFixed(0)).join(' / ')} ms, starting the worker included`);
    figures.checker = check;
  }

  // --- 6. scale ---------------------------------------------------------------------------
  const scaleConfig = JSON.stringify(scaleCluster(16));
  if (ONLY !== 'fast-forward') {
    const commands = await tab.evaluate(
      async ([cfg, scriptCommands, runCommands]) => {
        const p = window.playground;
        const command = (i) => `${i % 2 ? 'get' : 'insert'} k${i % 500}${i % 2 ? '' : ` v${i}`} QUORUM`;
        await p.loadConfig(cfg, { seed: 1 });
        p.pause();
        let started = performance.now();
        for (let i = 0; i < runCommands; i++) p.run(i % 16, command(i));
        const oneByOneMs = performance.now() - started;
        await p.loadConfig(cfg, { seed: 1 });
        p.pause();
        const script = Array.from({ length: scriptCommands }, (_, i) => `${(i * 0.2).toFixed(1)} ${i % 16} ${command(i)}`).join('\n');
        started = performance.now();
        const { scheduled } = p.runScript(script);
        return { run_ms_per_command: oneByOneMs / runCommands, script_commands: scheduled, script_ms: performance.now() - started };
      },
      [scaleConfig, SCRIPT_COMMANDS, RUN_COMMANDS],
    );
    console.log(`== giving ${SCRIPT_COMMANDS} commands (16 nodes, QUORUM gets and inserts over 500 keys)`);
    console.log(
      `one by one through playground.run: ${commands.run_ms_per_command.toFixed(2)} ms per command (${RUN_COMMANDS} measured), ` +
        `so ${((commands.run_ms_per_command * SCRIPT_COMMANDS) / 1000).toFixed(1)} s for ${SCRIPT_COMMANDS}; as one runScript: ${commands.script_ms.toFixed(0)} ms`,
    );
    figures.commands = commands;
  }
  figures.workloads = [];
  for (const { nodes, spec } of WORKLOADS) {
    const config = JSON.stringify(scaleCluster(nodes));
    const run = await tab.evaluate(
      async ([cfg, workload]) => {
        const p = window.playground;
        await p.loadConfig(cfg, { seed: 1 });
        const gaps = [];
        let last = null;
        const frame = (t) => {
          if (last !== null) gaps.push(t - last);
          last = t;
          if (p.workloadProgress().running !== false) requestAnimationFrame(frame);
        };
        // Issue 14 bounds the main thread's tasks (50 ms): the browser reports each longer one.
        const longTasks = [];
        const observer = new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration)));
        observer.observe({ type: 'longtask' });
        const started = performance.now();
        const done = p.runWorkload(workload, { fastForward: true });
        requestAnimationFrame(frame);
        const progress = await done;
        const ms = performance.now() - started;
        observer.disconnect();
        const { memory } = await (await import('/pkg/kvplayground.js')).default();
        const { end } = p.timeline();
        const jumps = [];
        const framed = [];
        const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve)));
        for (const at of [0.25, 0.5, 0.75, 0.1]) {
          const jumped = performance.now();
          jumps.push(await p.travelTo(end * at));
          await nextFrame();
          framed.push(performance.now() - jumped);
        }
        gaps.sort((a, b) => a - b);
        return {
          spec: workload,
          events: progress.events,
          ms,
          events_per_second: progress.events / (ms / 1000),
          slice_share: progress.sliceMs / ms,
          wasm_memory_bytes: memory.buffer.byteLength,
          js_heap_bytes: performance.memory?.usedJSHeapSize ?? null,
          jump_ms: jumps,
          jump_frame_ms: framed,
          frames: gaps.length,
          frame_p95_ms: gaps[Math.min(gaps.length - 1, Math.ceil(0.95 * gaps.length) - 1)],
          frame_max_ms: gaps[gaps.length - 1],
          frames_over_50_ms: gaps.filter((g) => g > 50).length,
          tasks_over_50_ms: longTasks.length,
          longest_task_ms: Math.max(0, ...longTasks),
        };
      },
      [config, spec],
    );
    run.nodes = nodes;
    run.ratio_to_raw_wasm = run.events_per_second / figures.wasm_events_per_second;
    console.log(`== fast-forward of a workload on ${nodes} nodes: ${spec}`);
    console.log(
      `${run.events} events in ${(run.ms / 1000).toFixed(1)} s: ${(run.events_per_second / 1e6).toFixed(3)} M events/s, ` +
        `${run.ratio_to_raw_wasm.toFixed(3)} of the raw wasm rate, ${(run.slice_share * 100).toFixed(0)}% of the time in slices; wasm memory after: ${(run.wasm_memory_bytes / 2 ** 20).toFixed(0)} MiB ` +
        `(JS heap ${(run.js_heap_bytes / 2 ** 20).toFixed(0)} MiB); ` +
        `jumps to 25/50/75/10%: ${run.jump_ms.map((ms) => ms.toFixed(0)).join(' / ')} ms ` +
        `(to the next frame drawn: ${run.jump_frame_ms.map((ms) => ms.toFixed(0)).join(' / ')} ms); ` +
        `${run.frames} frames meanwhile: p95 ${run.frame_p95_ms.toFixed(1)} ms, max ${run.frame_max_ms.toFixed(0)} ms, ${run.frames_over_50_ms} over 50 ms; ` +
        `${run.tasks_over_50_ms} tasks over 50 ms, longest ${run.longest_task_ms.toFixed(0)} ms`,
    );
    run.ceiling = await loopCeiling(tab, config, spec);
    const share = (rate) => `${(rate / 1e6).toFixed(3)} M events/s (${(rate / figures.wasm_events_per_second).toFixed(3)} of the raw rate)`;
    console.log(`the page module's own loop on it, no frame drawn, no trace kept: ${share(run.ceiling.unchecked)} without the live checks, ${share(run.ceiling.checked)} with them (the fast-forward's ceiling on one thread)`);
    if (process.env.BENCH_CPU) {
      run.cpu = await fastForwardCpu(tab, config, spec);
      const c = run.cpu;
      console.log(
        `the same under a trace: ${(c.wall_ms / 1000).toFixed(1)} s; main-thread CPU ${c.cpu_ms.toFixed(0)} ms, ${c.slice_cpu_ms.toFixed(0)} ms of it in slices; ` +
          `${c.tasks_over_50_ms_wall} tasks over 50 ms of wall time, ${c.tasks_over_50_ms_cpu} over 50 ms of CPU (the longest ${c.longest_task_cpu_ms.toFixed(0)} ms of CPU)`,
      );
    }
    run.diagram = await diagramFrames(tab);
    const d = run.diagram;
    console.log(`== the space-time diagram over it: zoomed and panned by the wheel, ${d.frames} frames`);
    console.log(
      `frame p50 ${d.p50_ms.toFixed(1)} ms, p95 ${d.p95_ms.toFixed(1)} ms, max ${d.max_ms.toFixed(0)} ms; ` +
        `${d.density_frames} frames as density, ${d.arrow_frames} as arrows; mean draw ${d.draw_ms.toFixed(2)} ms`,
    );
    figures.workloads.push(run);
  }
  await assertClean();
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(figures));

/**
 * requestAnimationFrame intervals over FRAME_SECONDS at 1x on a cluster of `nodes` with 20 s
 * links, after `searches` searches (`nodes` messages each) put at least `least` in flight; with
 * `compare`, Compare runs the same beside it under that setting.
 */
async function frameTimes(tab, { nodes, searches, least, compare }) {
  const config = {
    addresses: Array.from({ length: nodes }, (_, i) => `localhost:${15000 + i}`),
    avg_delays: Array.from({ length: nodes }, () => Array(nodes).fill(20)),
  };
  await tab.evaluate((cfg) => window.playground.loadConfig(cfg, { seed: 1 }), JSON.stringify(config));
  if (compare) await tab.evaluate((c) => window.playground.compare(c), compare);
  await ensurePlaying(tab);
  await tab.evaluate(() => window.playground.setSpeed(1));
  const inFlight = await tab.evaluate(([n, k]) => {
    for (let i = 0; i < k; i++) window.playground.run(i % n, `search k${i}`);
    return window.playground.state().inFlight.length;
  }, [nodes, searches]);
  if (inFlight < least) throw new Error(`only ${inFlight} messages in flight; the frame-time figure needs at least ${least}`);
  const intervals = await frameIntervals(tab, FRAME_SECONDS);
  const stillInFlight = await tab.evaluate(() => window.playground.state().inFlight.length);
  if (!(await tab.evaluate(() => self.crossOriginIsolated))) throw new Error('the page is not cross-origin isolated');
  const sorted = [...intervals].sort((a, b) => a - b);
  return {
    in_flight: inFlight,
    in_flight_after: stillInFlight,
    frames: intervals.length,
    p50_ms: percentile(sorted, 50),
    p95_ms: percentile(sorted, 95),
    max_ms: sorted[sorted.length - 1],
  };
}

/**
 * The fast-forward of the workload `spec` on `config` once more, under a Chromium trace: the main thread's
 * tasks by their thread time (CPU) beside their wall time, and the CPU time of the slices
 * (fast-forward.js's message handler).
 */
/**
 * The page module's own loop (runBatch to quiet, no trace kept: what the fast-forward runs in its
 * slices) on workload `spec`, without frames or views: events/s without the live checks and with
 * them (the page runs them), each run once in a fresh cluster, in a tab of its own (wasm memory
 * never shrinks: the next fast-forward's figure would hold these runs').
 */
async function loopCeiling(tab, config, spec) {
  const page = await tab.context().newPage();
  await page.goto(tab.url());
  return page.evaluate(
    async ([cfg, workload]) => {
      const pkg = await import('/pkg/kvplayground.js');
      await pkg.default();
      const size = JSON.parse(cfg).addresses.length;
      const rate = (checked, spec = workload) => {
        const scheduler = new pkg.KvScheduler(cfg, 1);
        if (checked) scheduler.checkAnomalies();
        let nodes = Array.from({ length: size }, (_, i) => new pkg.KvNode(cfg, i));
        for (const node of nodes) scheduler.absorb(node.start(0));
        const generator = new pkg.KvWorkload(spec);
        scheduler.setWorkload(generator);
        generator.free();
        scheduler.keepTrace(false);
        const started = performance.now();
        while (!scheduler.isQuiet) nodes = scheduler.runBatch(nodes, 50_000, Infinity, true);
        const events = scheduler.processed / ((performance.now() - started) / 1000);
        scheduler.free();
        nodes.forEach((node) => node.free());
        return events;
      };
      rate(true, 'ops=30000 rate=5000 keys=500'); // a fresh tab's wasm runs its first moments unoptimised
      return { unchecked: rate(false), checked: rate(true) };
    },
    [config, spec],
  ).finally(() => page.close());
}

async function fastForwardCpu(tab, config, spec) {
  await tab.evaluate((cfg) => window.playground.loadConfig(cfg, { seed: 1 }), config);
  // The run left is freed 100 ms after (session.js): a task of its own (docs/performance.md), not
  // the fast-forward's.
  await tab.waitForTimeout(300);
  const browser = tab.context().browser();
  await browser.startTracing(tab, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline'] });
  const started = Date.now();
  await tab.evaluate((workload) => window.playground.runWorkload(workload, { fastForward: true }), spec);
  const wallMs = Date.now() - started;
  const trace = JSON.parse((await browser.stopTracing()).toString());
  const events = trace.traceEvents ?? trace;
  const main = new Set(events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain').map((e) => `${e.pid}:${e.tid}`));
  const onMain = events.filter((e) => e.ph === 'X' && e.tdur !== undefined && main.has(`${e.pid}:${e.tid}`));
  const tasks = onMain.filter((e) => e.name === 'RunTask');
  const slices = onMain.filter((e) => e.name === 'FunctionCall' && (e.args?.data?.url ?? '').endsWith('/fast-forward.js') && /onmessage/.test(e.args?.data?.functionName ?? ''));
  const ms = (list, field) => list.reduce((total, e) => total + e[field], 0) / 1000;
  return {
    wall_ms: wallMs,
    cpu_ms: ms(tasks, 'tdur'),
    slice_cpu_ms: ms(slices, 'tdur'),
    tasks_over_50_ms_wall: tasks.filter((e) => e.dur > 50_000).length,
    tasks_over_50_ms_cpu: tasks.filter((e) => e.tdur > 50_000).length,
    longest_task_cpu_ms: Math.max(0, ...tasks.map((e) => e.tdur / 1000)),
  };
}

/**
 * Frame intervals while the wheel zooms the diagram from the whole run into its middle (60
 * frames), pans (60), zooms back out (60), twice; and how many frames each mode drew. The run is
 * shown at its end (quiet: nothing in flight), not following the clock.
 */
async function diagramFrames(tab) {
  const { gaps, modes, drawMs } = await tab.evaluate(async () => {
    await window.playground.live();
    await window.playground.spacetime(); // its view loaded (it loads when first seen)
    const follow = document.querySelector('[data-testid="spacetime-follow"]');
    if (follow.getAttribute('aria-pressed') === 'true') follow.click();
    document.querySelector('[data-testid="spacetime-fit"]').click();
    const canvas = document.querySelector('[data-testid="spacetime"]');
    const label = document.querySelector('[data-testid="spacetime-mode"]');
    canvas.scrollIntoView();
    const box = canvas.getBoundingClientRect();
    const at = { clientX: box.left + box.width / 2, clientY: box.top + box.height / 2, bubbles: true, cancelable: true };
    const moves = [{ deltaY: -60 }, { deltaX: 40 }, { deltaY: 60 }];
    const gaps = [];
    const modes = { density: 0, arrows: 0 };
    let last = null;
    let frames = 0;
    await new Promise((resolve) => {
      const frame = (t) => {
        if (last !== null) gaps.push(t - last);
        last = t;
        modes[label.dataset.mode === 'arrows' ? 'arrows' : 'density'] += 1;
        canvas.dispatchEvent(new WheelEvent('wheel', { ...at, ...moves[Math.floor(frames / 60) % 3] }));
        if (++frames < 360) requestAnimationFrame(frame);
        else resolve();
      };
      requestAnimationFrame(frame);
    });
    return { gaps, modes, drawMs: (await window.playground.spacetime()).drawMs };
  });
  gaps.sort((a, b) => a - b);
  return {
    frames: gaps.length,
    p50_ms: percentile(gaps, 50),
    p95_ms: percentile(gaps, 95),
    max_ms: gaps[gaps.length - 1],
    density_frames: modes.density,
    arrow_frames: modes.arrows,
    draw_ms: drawMs,
  };
}

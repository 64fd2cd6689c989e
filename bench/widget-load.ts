/**
 * Script tag → interactive launcher in headless Chromium, and the main-thread blocking the widget adds.
 * A blank localhost page carries a `performance.mark` just before the widget's (async) script tag; an
 * in-page observer stops the clock when the "Open support chat" button exists in the widget's shadow
 * root. Long tasks are recorded from the top of <head>; total blocking time (TBT) = Σ max(0, task − 50 ms),
 * compared with the same page without the widget. Every load gets a fresh browser context; CPU speed
 * 1× and 4× slower (CDP Emulation.setCPUThrottlingRate). Budget: ≤ 300 ms at 1×, ≤ 50 ms added at 4×.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from '@playwright/test';
import { startHostServer } from './lib/host-page';
import { busyNote, machineLine, stamp, waitForQuiet } from './lib/machine';
import { writeSection } from './lib/report';
import { fmt, median, percentile } from './lib/stats';
import { ensureWidgetBuilt, widgetPath } from './lib/widget-build';

const LOADS = Number(process.env.BENCH_LOADS ?? 20);
const RATES = [1, 4] as const;
const INTERACTIVE_BUDGET_MS = 300;
const ADDED_TBT_BUDGET_MS = 50;
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface Sample {
  interactiveMs: number | null;
  longestMs: number;
  tbtMs: number;
}

const blocking = (tasks: number[]) => tasks.reduce((sum, d) => sum + Math.max(0, d - 50), 0);

async function loadOnce(browser: Browser, url: string, rate: number, withWidget: boolean): Promise<Sample> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    if (rate !== 1) await (await context.newCDPSession(page)).send('Emulation.setCPUThrottlingRate', { rate });
    await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    const { interactiveMs } = await page.evaluate(
      () => Promise.race([(window as unknown as { __bench: Promise<{ interactiveMs: number | null }> }).__bench, new Promise<never>((_, no) => setTimeout(() => no(new Error('no launcher within 15 s')), 15_000))]),
    );
    // Let follow-up work (config fetch, storage) finish and its long tasks be reported.
    await page.waitForTimeout(250 + 250 * rate);
    const tasks = await page.evaluate(() => (window as unknown as { __longTasks: number[] }).__longTasks);
    if (withWidget) {
      // Checked after the tasks are read: Playwright's own in-page work must not count as the widget's.
      const named = await page.getByRole('button', { name: 'Open support chat' }).count();
      if (named !== 1) throw new Error(`expected one button named "Open support chat", found ${named}`);
    }
    return { interactiveMs, longestMs: tasks.length ? Math.max(...tasks) : 0, tbtMs: blocking(tasks) };
  } finally {
    await context.close();
  }
}

interface RateFigures {
  rate: number;
  interactive: number[];
  widget: Sample[];
  blank: Sample[];
}

const med = (xs: number[]) => median(xs);
const p90 = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 90);

function summary(f: RateFigures) {
  const tbtWidget = med(f.widget.map((s) => s.tbtMs));
  const tbtBlank = med(f.blank.map((s) => s.tbtMs));
  return {
    interactiveMedian: med(f.interactive),
    interactiveP90: p90(f.interactive),
    interactiveMin: Math.min(...f.interactive),
    interactiveMax: Math.max(...f.interactive),
    longestMedian: med(f.widget.map((s) => s.longestMs)),
    longestMax: Math.max(...f.widget.map((s) => s.longestMs)),
    longestBlank: med(f.blank.map((s) => s.longestMs)),
    tbtWidget,
    tbtBlank,
    tbtAdded: tbtWidget - tbtBlank,
    tbtAddedMax: Math.max(...f.widget.map((s) => s.tbtMs)) - tbtBlank,
  };
}

function render(all: RateFigures[], browserVersion: string, loadAvg: number): string {
  const s = all.map(summary);
  const ms = (v: number) => fmt(v, 1);
  const col = (fn: (x: ReturnType<typeof summary>) => string) => s.map(fn).join(' | ');
  const one = s.find((_, i) => all[i]!.rate === 1)!;
  const four = s.find((_, i) => all[i]!.rate === 4)!;
  return [
    '## Widget load (`bench/widget-load.ts`)',
    '',
    `Script tag → interactive launcher (the "Open support chat" button exists in the widget's shadow root) on a blank page served from`,
    `127.0.0.1 (stub \`site.config\`, no backend), headless Chromium ${browserVersion}, async script tag as documented; ${LOADS} loads per`,
    `column, each in a fresh browser context, widget and blank page interleaved. Timed in the page from a \`performance.mark\` just`,
    `before the script tag. Long tasks from a buffered \`longtask\` observer at the top of <head> until ${'0.5 s (1×) / 1.25 s (4×)'} after load;`,
    `TBT = Σ max(0, task − 50 ms), "added" = median with widget − median of the same page without it.`,
    `Machine: ${machineLine()}; load average ${loadAvg.toFixed(2)} at start. Date: ${stamp()}.`,
    busyNote(loadAvg),
    '',
    `| | ${all.map((f) => `CPU ${f.rate}×`).join(' | ')} | budget |`,
    `|---|${all.map(() => '---:').join('|')}|---|`,
    `| to interactive launcher, median (ms) | ${col((x) => ms(x.interactiveMedian))} | ≤ ${INTERACTIVE_BUDGET_MS} at 1× ${one.interactiveMedian <= INTERACTIVE_BUDGET_MS ? '✓' : '✗'} |`,
    `| to interactive, p90 / min / max (ms) | ${col((x) => `${ms(x.interactiveP90)} / ${ms(x.interactiveMin)} / ${ms(x.interactiveMax)}`)} | |`,
    `| longest main-thread task with widget, median / max (ms) | ${col((x) => `${ms(x.longestMedian)} / ${ms(x.longestMax)}`)} | |`,
    `| longest task, blank page, median (ms) | ${col((x) => ms(x.longestBlank))} | |`,
    `| TBT with widget / blank page, median (ms) | ${col((x) => `${ms(x.tbtWidget)} / ${ms(x.tbtBlank)}`)} | |`,
    `| blocking time added by the widget, median (worst load) (ms) | ${col((x) => `${ms(x.tbtAdded)} (${ms(x.tbtAddedMax)})`)} | ≤ ${ADDED_TBT_BUDGET_MS} at 4× ${four.tbtAdded <= ADDED_TBT_BUDGET_MS ? '✓' : '✗'} |`,
  ].join('\n');
}

export async function runWidgetLoad(): Promise<void> {
  ensureWidgetBuilt();
  const loadAvg = await waitForQuiet('load');
  const host = await startHostServer(widgetPath);
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  try {
    const version = browser.version();
    console.log(`load — ${machineLine()}, load average ${loadAvg.toFixed(2)}, Chromium ${version}, ${LOADS} loads per variant`);
    const figures: RateFigures[] = RATES.map((rate) => ({ rate, interactive: [], widget: [], blank: [] }));
    // One untimed load of each page: the first navigation of a browser pays for process start-up.
    await loadOnce(browser, `${host.origin}/`, 1, true);
    await loadOnce(browser, `${host.origin}/blank`, 1, false);
    for (let i = 0; i < LOADS; i++) {
      for (const f of figures) {
        const w = await loadOnce(browser, `${host.origin}/`, f.rate, true);
        f.widget.push(w);
        f.interactive.push(w.interactiveMs!);
        f.blank.push(await loadOnce(browser, `${host.origin}/blank`, f.rate, false));
      }
    }
    for (const f of figures) {
      const x = summary(f);
      console.log(
        `  CPU ${f.rate}×: interactive median ${fmt(x.interactiveMedian, 1)} ms (p90 ${fmt(x.interactiveP90, 1)}), longest task ${fmt(x.longestMedian, 1)} ms (max ${fmt(x.longestMax, 1)}), TBT ${fmt(x.tbtWidget, 1)} ms vs ${fmt(x.tbtBlank, 1)} ms blank: ${x.tbtAdded >= 0 ? '+' : ''}${fmt(x.tbtAdded, 1)} ms added`,
      );
    }
    writeSection('load', render(figures, version, loadAvg));
    console.log('  BENCHMARKS.md updated (load).');
  } finally {
    await browser.close();
    await host.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runWidgetLoad().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}

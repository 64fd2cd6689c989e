/**
 * A tiny localhost server for the widget load bench: a blank host page with or without the widget's
 * script tag, the built widget.js, and a stub `site.config` answer so no backend is needed.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_POLICY } from '../../server/domain/sites';

/** Public key on the bench page's script tag; the stub server accepts any. */
export const BENCH_SITE_KEY = 'pk_benchbenchbench';

/**
 * Runs first in <head>: records long tasks from here on, and resolves `window.__bench` once the launcher
 * ("Open support chat") exists in the widget's shadow root, timed from the `bs-tag` mark that sits just
 * before the widget's script tag. Watching happens in the page (mutation observers), not by polling from
 * Playwright, so the figure does not include round trips.
 */
const PROBE = `
window.__longTasks = [];
new PerformanceObserver((list) => { for (const e of list.getEntries()) window.__longTasks.push(e.duration); })
  .observe({ type: 'longtask', buffered: true });
window.__bench = new Promise((resolve) => {
  const done = () => {
    const mark = performance.getEntriesByName('bs-tag')[0];
    resolve({ interactiveMs: performance.now() - (mark ? mark.startTime : 0) });
  };
  const watched = new WeakSet();
  let settled = false;
  const check = () => {
    if (settled) return;
    const root = document.querySelector('backstop-widget')?.shadowRoot;
    if (!root) return;
    // A document observer does not see inside shadow roots, so watch the widget's own root too.
    if (!watched.has(root)) {
      watched.add(root);
      new MutationObserver(check).observe(root, { childList: true, subtree: true, attributes: true });
    }
    if (root.querySelector('button[aria-label="Open support chat"]')) {
      settled = true;
      observer.disconnect();
      done();
    }
  };
  const observer = new MutationObserver(check);
  observer.observe(document, { childList: true, subtree: true });
  if (!window.__withWidget) resolve({ interactiveMs: null });
});
`;

function page(withWidget: boolean): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Blank host</title>
<script>window.__withWidget = ${withWidget};${PROBE}</script>
</head>
<body>
<h1>Blank host page</h1>
<p>Nothing here but the support widget.</p>
<script>performance.mark('bs-tag')</script>
${withWidget ? `<script async src="/widget.js" data-site-key="${BENCH_SITE_KEY}" data-agent-url="/agent"></script>` : ''}
</body>
</html>`;
}

export interface HostServer {
  origin: string;
  close(): Promise<void>;
}

export async function startHostServer(widgetFile: string): Promise<HostServer> {
  const widget = readFileSync(widgetFile);
  const config = JSON.stringify({ siteId: '00000000-0000-4000-8000-000000000000', name: 'Bench shop', policy: DEFAULT_POLICY });
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const send = (status: number, type: string, body: string | Buffer) => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (url.pathname === '/' || url.pathname === '/blank') return send(200, 'text/html; charset=utf-8', page(url.pathname === '/'));
    if (url.pathname === '/widget.js') return send(200, 'text/javascript; charset=utf-8', widget);
    // httpBatchLink asks GET /trpc/site.config?batch=1&input=…; a plain call gets the unbatched shape.
    if (url.pathname === '/trpc/site.config') {
      const answer = `{"result":{"data":${config}}}`;
      return send(200, 'application/json', url.searchParams.get('batch') === '1' ? `[${answer}]` : answer);
    }
    send(404, 'text/plain', 'not found');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

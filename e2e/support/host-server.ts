/**
 * A customer's website for the tests: serves e2e/pages/ on its own origin. HTML files and the optional
 * `<page>.headers.json` next to them are filled with `{{API}}`, `{{SITE_KEY}}`, `{{FLOOD_SITE_KEY}}`, `{{QUIET_SITE_KEY}}` and a fresh `{{NONCE}}`
 * per response, so a page can carry a strict CSP whose nonce matches its inline scripts.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const PAGES_DIR = fileURLToPath(new URL('../pages/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

export interface HostValues {
  API: string;
  SITE_KEY: string;
  /** The key of the flood test's own site. */
  FLOOD_SITE_KEY: string;
  QUIET_SITE_KEY: string;
}

function fill(text: string, values: Record<string, string>): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`e2e page placeholder {{${name}}} has no value`);
    return value;
  });
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Starts the host server on 127.0.0.1:port; resolves once it listens. */
export async function startHostServer(port: number, values: HostValues): Promise<Server> {
  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://host');
      // Browsers ask for it on every page; a 404 would show up as a console error in the tests.
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204).end();
        return;
      }
      const name = path.posix.normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '') || 'index.html';
      const ext = path.extname(name);
      const type = TYPES[ext];
      if (!type || name.includes('..') || name.endsWith('.headers.json')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const body = await readOptional(path.join(PAGES_DIR, name));
      if (body === undefined) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
        return;
      }
      const all = { ...values, NONCE: randomBytes(12).toString('base64') };
      const headers: Record<string, string> = { 'content-type': type, 'cache-control': 'no-store' };
      if (ext === '.html') {
        const extra = await readOptional(path.join(PAGES_DIR, name.replace(/\.html$/, '.headers.json')));
        if (extra) Object.assign(headers, JSON.parse(fill(extra, all)) as Record<string, string>);
      }
      res.writeHead(200, headers).end(ext === '.html' ? fill(body, all) : body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}

#!/usr/bin/env node
// The `backstop` command. The server and CLI are bundled into dist/server by `npm run build`.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = fileURLToPath(new URL('../dist/server/main.js', import.meta.url));
if (!existsSync(entry)) {
  console.error('backstop: the server is not built yet. Run `npm run build` (or `npm start`, which builds first).');
  process.exit(1);
}
await import(entry);

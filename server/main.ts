#!/usr/bin/env node
/** Bundle entry of the CLI (dist/server/main.js). */
import { run } from './cli';

await run();

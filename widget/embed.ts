/** Script-tag entry (`widget.js`): finds its own <script> while it still can, then takes over `window.Backstop`. */
import { createApi } from './api/client';
import type { LiveModule } from './live/index';
import { boot, findScript } from './loader';
import { createOutbox } from './outbox';
import { createWidget } from './runtime';

const script = findScript(document);
// The live part of a handoff is a second file next to this one, loaded when a conversation first has an
// escalation: from the script's own origin, so a CSP that allows widget.js allows it too.
const liveUrl = () => new URL('widget-live.js', script?.src || `${location.origin}/widget.js`).href;
const loadLive = (): Promise<LiveModule> => import(/* @vite-ignore */ liveUrl());

boot(window as { Backstop?: unknown }, script, (options) => createWidget(options, { createApi, createOutbox, loadLive }));

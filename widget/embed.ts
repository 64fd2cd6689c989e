/** Script-tag entry (`widget.js`): finds its own <script> while it still can, then takes over `window.Backstop`. */
import { boot, findScript } from './loader';
import { createWidget } from './runtime';

boot(window as { Backstop?: unknown }, findScript(document), (options) => createWidget(options));

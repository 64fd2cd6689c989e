/**
 * Builds the widget twice with one command (`vite build -c widget/vite.config.ts`):
 * `dist/widget/widget.js`, one minified IIFE for the script tag (entry embed.ts), and
 * `dist/widget/backstop.mjs`, the ESM build of index.ts for bundlers, and `dist/widget/widget-live.js`, the live
 * part of a handoff (an ES module without Preact, which widget.js imports on first use). Both are self-contained: sharing a
 * host app's own Preact would let its version and options hooks leak into ours.
 * CSS ships as strings in `*.css.ts`, so there are no CSS files to inline.
 */
import preact from '@preact/preset-vite';
import { fileURLToPath } from 'node:url';
import { build, defineConfig, type InlineConfig } from 'vite';

const root = fileURLToPath(new URL('..', import.meta.url));
const outDir = `${root}dist/widget`;

/** Everything both builds share; `configFile: false` keeps the nested ESM build from loading this file again. */
const common = (entry: string): InlineConfig => ({
  root,
  configFile: false,
  plugins: [preact()],
  define: { 'process.env.NODE_ENV': '"production"' },
  build: {
    outDir,
    target: 'es2022',
    minify: true,
    sourcemap: false,
    copyPublicDir: false,
    lib: { entry: `${root}widget/${entry}` },
    rolldownOptions: {
      // Escapes non-ASCII (—, …, ×): a host may serve or embed the script without a UTF-8 charset.
      output: { charset: 'ascii' },
      // tRPC's index imports every link; module-level statements (wsLink's client class) keep unused ones in
      // the bundle. Its modules have no side effects we rely on, so the ones we import nothing from can go.
      treeshake: { moduleSideEffects: [{ test: /[\\/]node_modules[\\/]@trpc[\\/]/, sideEffects: false }] },
      // Every `JSON` of the bundle (tRPC's included) is the browser's own, whatever the host page patched.
      transform: { inject: { JSON: [`${root}widget/clean.ts`, 'cleanJSON'] } },
    },
  },
});

const esm: InlineConfig = {
  ...common('index.ts'),
  logLevel: 'warn',
  build: {
    ...common('index.ts').build,
    emptyOutDir: false,
    lib: { entry: `${root}widget/index.ts`, formats: ['es'], fileName: () => 'backstop.mjs' },
  },
};

/** The handoff's live stream, loaded by widget.js with `import()` when a conversation first has an escalation. */
const live: InlineConfig = {
  ...common('live/index.ts'),
  logLevel: 'warn',
  build: {
    ...common('live/index.ts').build,
    emptyOutDir: false,
    lib: { entry: `${root}widget/live/index.ts`, formats: ['es'], fileName: () => 'widget-live.js' },
  },
};

const { configFile: _, ...iife } = common('embed.ts');

export default defineConfig({
  ...iife,
  build: {
    ...iife.build,
    emptyOutDir: true,
    lib: { entry: `${root}widget/embed.ts`, formats: ['iife'], name: 'BackstopWidget', fileName: () => 'widget.js' },
    rolldownOptions: {
      ...iife.build!.rolldownOptions,
      output: {
        ...iife.build!.rolldownOptions!.output,
        // V8's explicit compile hint (a plain comment to other engines): every function is compiled with the
        // streamed download, off the main thread, instead of at its first call inside our start-up tasks,
        // where lazy compiling was a third of the script's task. Code that runs only later (the panel) is
        // compiled too; that costs background time and a little memory, not main-thread time.
        postBanner: '//# allFunctionsCalledOnLoad',
      },
    },
  },
  plugins: [
    preact(),
    {
      name: 'backstop-esm-build',
      apply: 'build',
      async closeBundle() {
        await build(esm);
        await build(live);
      },
    },
  ],
});

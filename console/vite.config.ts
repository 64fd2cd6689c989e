import { defineConfig } from 'vite';
import preact from '@preact/preset-vite';

// The console is a static app served by the server under /console/.
export default defineConfig({
  root: 'console',
  base: '/console/',
  plugins: [preact()],
  build: { outDir: '../dist/console', emptyOutDir: true },
});

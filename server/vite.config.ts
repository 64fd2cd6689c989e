import { defineConfig } from 'vite';

// Bundles the server and CLI for Node into dist/server/main.js; npm dependencies stay external.
export default defineConfig({
  build: {
    ssr: 'server/main.ts',
    outDir: 'dist/server',
    emptyOutDir: true,
    target: 'node20',
    sourcemap: true,
    rollupOptions: { output: { entryFileNames: 'main.js' } },
  },
});

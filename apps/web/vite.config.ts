import wasmPackage from '@tensorflow/tfjs-backend-wasm/package.json' with { type: 'json' };
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { viteStaticCopy } from 'vite-plugin-static-copy';

/**
 * Where the tfjs wasm binaries are served from (src/runtime/backend.ts's WASM_PATH): a folder
 * named for the package version, so the edge can let browsers cache them for good.
 */
const WASM_DIR = `tfjs-wasm/${wasmPackage.version}`;

// The edge serves the built page (apps/web/dist) with COOP/COEP headers; `vite dev` sends the
// same ones, so tfjs-backend-wasm can use threads there too, and proxies the edge's routes.
const edge = process.env.EDGENT_EDGE ?? 'http://localhost:8080';
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [
    react(),
    viteStaticCopy({
      targets: [
        {
          src: 'node_modules/@tensorflow/tfjs-backend-wasm/dist/*.wasm',
          dest: WASM_DIR,
          rename: { stripBase: true },
        },
      ],
    }),
  ],
  resolve: { conditions: ['edgent:source'] },
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    headers: isolation,
    proxy: {
      '/api': edge,
      '/model': edge,
      '/ws': { target: edge.replace(/^http/, 'ws'), ws: true },
    },
  },
  preview: { headers: isolation },
});

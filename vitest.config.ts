import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['edgent:source'] },
  ssr: { resolve: { conditions: ['edgent:source'] } },
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});

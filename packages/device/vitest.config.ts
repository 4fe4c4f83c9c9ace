import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['edgent:source'] },
  ssr: { resolve: { conditions: ['edgent:source'] } },
  test: { name: 'device', environment: 'node', testTimeout: 120_000 },
});

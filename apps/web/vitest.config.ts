import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['edgent:source'] },
  ssr: { resolve: { conditions: ['edgent:source'] } },
  test: { name: 'web', environment: 'node', include: ['test/**/*.test.ts'] },
});

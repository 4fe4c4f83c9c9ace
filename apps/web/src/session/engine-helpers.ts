import { FASHION_MNIST_CLASSES } from '@edgent/model';

/** The `n` most likely classes of `scores` (logits), with softmax probabilities. */
export function topClasses(
  scores: Float32Array,
  n: number,
): { label: number; className: string; probability: number }[] {
  if (scores.length === 0) return [];
  const max = Math.max(...scores);
  const exp = Array.from(scores, (v) => Math.exp(v - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp
    .map((e, label) => ({
      label,
      className: FASHION_MNIST_CLASSES[label] ?? `class ${label}`,
      probability: e / sum,
    }))
    .sort((a, b) => b.probability - a.probability)
    .slice(0, n);
}

/** The edge's profiling progress from a 202 status, when it has one. */
export function progressOf(
  status: unknown,
): { phase: string; done: number; total: number } | undefined {
  const p = (status as { progress?: { phase?: unknown; done?: unknown; total?: unknown } })
    ?.progress;
  if (!p || typeof p.done !== 'number' || typeof p.total !== 'number') return undefined;
  return {
    phase: typeof p.phase === 'string' ? p.phase : 'profiling',
    done: p.done,
    total: p.total,
  };
}

import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-wasm';
// The union package registers the gradients (tfjs-core alone has none).
import '@tensorflow/tfjs';

// Production mode: no debug checks, and no advert for tfjs-node on stderr.
tf.env().set('PROD', true);

/** Backends this package can run on in Node. */
export type NodeBackend = 'cpu' | 'wasm';

/**
 * Makes `name` the active tfjs backend and waits until it is ready.
 * The wasm backend's .wasm files are read from the installed package.
 *
 * @example await useBackend('wasm');
 */
export async function useBackend(name: NodeBackend): Promise<void> {
  if (tf.getBackend() === name) return;
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tfjs backend "${name}" failed to initialise`);
  await tf.ready();
}

export { tf };

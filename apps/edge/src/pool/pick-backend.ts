// Choosing the tfjs backend inside a worker thread.
import { tf, useBackend } from '@edgent/model/node';
import type { BackendChoice } from './messages.js';

// Not a dependency: used only when the person running the edge has installed it.
const TFJS_NODE = '@tensorflow/tfjs-node';

/**
 * Makes the chosen backend active and returns its tfjs name. 'auto' takes tfjs-node's
 * 'tensorflow' backend when that package is installed and registers into this tfjs, else wasm.
 */
export async function pickBackend(choice: BackendChoice): Promise<string> {
  if (choice === 'auto' && (await tryTfjsNode())) return tf.getBackend();
  await useBackend(choice === 'cpu' ? 'cpu' : 'wasm');
  return tf.getBackend();
}

async function tryTfjsNode(): Promise<boolean> {
  try {
    await import(TFJS_NODE);
  } catch {
    return false; // not installed (or its native binding does not load): wasm it is
  }
  // A tfjs-node bound to another copy of tfjs-core registers its backend there, not here.
  if (tf.findBackendFactory('tensorflow') === null) return false;
  try {
    const ok = await tf.setBackend('tensorflow');
    if (ok) await tf.ready();
    return ok;
  } catch {
    return false;
  }
}

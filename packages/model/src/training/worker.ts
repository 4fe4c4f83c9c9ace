// A training replica in its own worker thread, with its own tfjs instance.
import { parentPort } from 'node:worker_threads';
import { useBackend } from '../backend';
import { registerWasmTrainingKernels } from '../kernels/index';
import type { FromReplica, ToReplica } from './protocol';
import { Replica } from './replica';

const port = parentPort;
if (!port) throw new Error('training/worker.ts must run in a worker thread');
let replica: Replica | undefined;

const reply = (m: FromReplica, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

port.on('message', async (msg: ToReplica) => {
  try {
    if (msg.type === 'init') {
      registerWasmTrainingKernels();
      await useBackend(msg.backend);
      replica = new Replica(
        msg.spec,
        new Map(msg.weights),
        msg.data,
        msg.exitWeights,
        msg.learningRate,
      );
      reply({ type: 'ready' });
      return;
    }
    if (!replica) throw new Error(`message ${msg.type} before init`);
    if (msg.type === 'grads') {
      const g = replica.computeGradients(msg.indices, msg.seed);
      reply({ type: 'grads', ...g }, [g.grads.buffer as ArrayBuffer]);
    } else if (msg.type === 'apply') {
      replica.setLearningRate(msg.learningRate);
      replica.applyGradients(msg.grads);
      reply({ type: 'applied' });
    } else if (msg.type === 'setOptimizer') {
      await replica.setOptimizerState(msg.state);
      reply({ type: 'applied' });
    } else if (msg.type === 'getState') {
      reply({
        type: 'state',
        weights: [...replica.weights()],
        optimizer: await replica.optimizerState(),
      });
    }
  } catch (e) {
    const err = e as Error;
    reply({ type: 'error', message: err.message, stack: err.stack });
  }
});

import type { Channel } from '@edgent/protocol';
import { wsChannel } from '@edgent/protocol';
import type { FastifyInstance } from 'fastify';
import { WebSocket } from 'ws';

/** Listens on a free loopback port; the edge's WebSocket URL. */
export async function listenWs(app: FastifyInstance): Promise<string> {
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  return `ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/ws`;
}

/** A real WebSocket to `target`, open, as a Channel; rejects with the HTTP status of a refusal. */
export async function openChannel(
  target: string,
  headers: Record<string, string> = {},
): Promise<Channel> {
  const socket = new WebSocket(target, { headers });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })),
    );
  });
  return wsChannel(socket as never);
}

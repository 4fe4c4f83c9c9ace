import type { FastifyServerOptions } from 'fastify';
import pretty from 'pino-pretty';

/** How the edge writes its log: human-readable lines or one JSON object per line. */
export type LogFormat = 'pretty' | 'json';

/** `pretty` on a terminal, `json` when the output goes to a file or another program. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stdout): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

/**
 * Fastify logger options at `level` in `format`: JSON to stdout, or one
 * readable line per entry (time, level, message) through pino-pretty.
 */
export function loggerOptions(
  level: string,
  format: LogFormat,
): NonNullable<FastifyServerOptions['logger']> {
  if (format === 'json') return { level };
  return {
    level,
    stream: pretty({
      colorize: Boolean(process.stdout.isTTY),
      translateTime: 'SYS:HH:MM:ss',
      ignore: 'pid,hostname,reqId,method,url,status,ms',
      singleLine: true,
      sync: true,
    }),
  };
}

/**
 * Server-sent events for the API's streams (`/api/stream`, `/api/sessions/:id/stream`): the reply
 * taken over from fastify keeping the security headers its hooks set, and a `send` that drops a
 * reader more than 1 MiB behind rather than buffering for it.
 */
import type { ServerResponse } from 'node:http';
import type { FastifyReply } from 'fastify';

const MAX_BUFFERED_BYTES = 1024 * 1024;

export function openEventStream(reply: FastifyReply): { res: ServerResponse; send(name: string, data: object): void } {
  const res = reply.raw;
  reply.hijack();
  // the security headers set by the app's hooks so far are kept (getHeaders), then the SSE ones
  for (const [name, value] of Object.entries(reply.getHeaders())) if (value !== undefined) res.setHeader(name, value);
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
  return {
    res,
    send(name, data) {
      if (res.writableLength > MAX_BUFFERED_BYTES) { res.destroy(); return; }
      res.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
    },
  };
}

/**
 * `POST /api/sessions/roster-file`: a roster uploaded as a CSV or XLSX file (the bytes as the
 * body, up to 1 MiB), read on the gateway with csv-parse / exceljs (sessions/roster-file.ts) and
 * answered as the preview of a pasted roster plus the text it read, one line per row of the
 * file, which the dashboard puts in the roster's textarea: from there it is checked, saved and
 * started like pasted text. Own plugin scope: its body parser reads raw bytes for any content
 * type, and only here.
 */
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES } from '../auth.js';
import { ApiError } from '../errors.js';
import {
  MAX_ROSTER_FILE_BYTES, readRosterFile, RosterFileError, rosterPreviewSchema, SessionRuleError, type SessionManager,
} from '../../sessions/index.js';

const query = z.object({
  start: z.iso.datetime({ offset: true }).optional().describe('The session\'s start, to flag devices another session holds then (default: now).'),
  end: z.iso.datetime({ offset: true }).optional().describe('The session\'s end (default: start + 45 min).'),
});
const answer = rosterPreviewSchema.extend({
  format: z.enum(['csv', 'xlsx']),
  /** The file as roster text, `device<TAB>student` at each row's own line: line N of the preview is row N. */
  text: z.string(),
});

const tooLarge = () => new ApiError('GW_ERR_ROSTER_FILE_TOO_LARGE', `the roster file is larger than ${MAX_ROSTER_FILE_BYTES} bytes`, 413, {}, { max_bytes: MAX_ROSTER_FILE_BYTES });

/** The body's bytes, refusing (413) as soon as it passes the limit rather than after reading it all. */
async function readBody(payload: IncomingMessage, declared: string | undefined): Promise<Buffer> {
  if (declared !== undefined && Number(declared) > MAX_ROSTER_FILE_BYTES) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_ROSTER_FILE_BYTES) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export const rosterFileRoutes: FastifyPluginAsyncZod<{ sessions: SessionManager }> = async (app, opts) => {
  // Any content type reaches the handler as bytes (JSON keeps its parser and is refused there):
  // the bytes, not the name the browser gives the type, tell a CSV from an XLSX.
  app.addContentTypeParser('*', (req, payload, done) => {
    readBody(payload, req.headers['content-length']).then((b) => done(null, b), (err: Error) => done(err, undefined));
  });

  app.post('/api/sessions/roster-file', {
    config: { roles: ROLES.sessions },
    bodyLimit: MAX_ROSTER_FILE_BYTES,
    schema: {
      tags: ['sessions'],
      description: 'A roster file (CSV: UTF-8, GBK/GB18030 or UTF-16, comma/tab/semicolon separated; XLSX: the first sheet) as the body, with its content type (text/csv, the XLSX type, application/vnd.ms-excel or application/octet-stream), at most 1 MiB. The first two columns holding anything are device and student; a header row is skipped. Answers the preview of POST /api/sessions/roster-preview plus the text read, one line per row of the file.',
      querystring: query,
      response: { 200: answer },
    },
  }, async (req) => {
    const body: unknown = req.body;
    if (!Buffer.isBuffer(body)) {
      if (body === undefined || body === null) throw new ApiError('GW_ERR_ROSTER_FILE_EMPTY', 'the roster file is empty', 400);
      throw new ApiError('GW_ERR_ROSTER_FILE_TYPE', 'not a CSV or XLSX file', 400);
    }
    try {
      const file = await readRosterFile(body, req.headers['content-type']);
      const preview = opts.sessions.previewRoster(file.text, { ...(req.query.start && { start: req.query.start }), ...(req.query.end && { end: req.query.end }) });
      // Counts only: the rows name children.
      req.log.info({ format: file.format, bytes: body.length, rows: file.rows, ok: preview.ok }, 'roster file read');
      return { ...preview, format: file.format, text: file.text };
    } catch (err) {
      if (err instanceof RosterFileError) throw new ApiError(err.code, err.message, undefined, {}, err.line === undefined ? undefined : { lines: [{ line: err.line, reason: 'unreadable' }] });
      if (err instanceof SessionRuleError) throw new ApiError(err.code, err.message, 400);
      throw err;
    }
  });
};

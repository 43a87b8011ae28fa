import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { ROLES, type Principal } from '../auth.js';
import { ApiError, apiErrors } from '../errors.js';
import { createSiteZone } from '../../lib/zone.js';
import {
  buildSessionExport, chineseColumns, createSessionSchema, exportFieldNames, type FieldLabelSource, liveSessionSchema, parseRosterText, rosterPreviewSchema, rosterProblemText, rosterTextSchema, savedRosterSchema,
  SessionRuleError, sessionExportCsv, sessionSchema, type RosterStore, type SavedRoster, type Session, type SessionManager,
} from '../../sessions/index.js';
import { contentDisposition, EXPORT_LANGS, rawZip, safeFileName, summaryCsv, summaryXlsx, type ExportLang } from '../../sessions/lesson-files.js';

const params = z.object({ id: z.uuid() });
const exportQuery = z.object({
  /** json/csv: every reading (apps); summary-csv/xlsx: one row per student; zip: one CSV of raw readings per student. */
  format: z.enum(['json', 'csv', 'summary-csv', 'xlsx', 'zip']).default('json'),
  lang: z.enum(EXPORT_LANGS).optional().describe('Language of the headers: zh-CN gives 学生, 设备 … and each field by its template\'s Chinese name with its unit. csv: en unless asked; the lesson files (summary-csv, xlsx, zip): the browser\'s Accept-Language when not asked.'),
});
/** The UI's language when the request names none: `Accept-Language` (zh… → zh-CN), else English. */
const langOf = (asked: ExportLang | undefined, accept: string | undefined): ExportLang => asked ?? (/^\s*zh/i.test(accept ?? '') ? 'zh-CN' : 'en');
const config = { roles: ROLES.sessions };
const classParams = z.object({ class: z.string().min(1).max(64) });
const previewBody = rosterTextSchema.extend({ start: z.iso.datetime({ offset: true }).optional(), end: z.iso.datetime({ offset: true }).optional() });
/** A saved roster as answered (snake_case; the roster file keeps its own `savedAt`). */
const savedRosterView = z.object({ class: z.string(), roster: savedRosterSchema.shape.roster, saved_at: z.string(), text: z.string() });
const rosterView = (saved: SavedRoster) => ({ class: saved.class, roster: saved.roster, saved_at: saved.savedAt, text: saved.roster.map((r) => `${r.device}\t${r.student}`).join('\n') });

/** A teacher sees their own sessions; admin sees every session. */
function ownerFilter(p: Principal): string | undefined {
  return p.role === 'admin' ? undefined : p.name;
}

/**
 * Class sessions per docs/interfaces.md: create, list, live view, stop, export (csv|json); a pasted
 * roster's preview and the teacher's saved roster per class.
 */
export const sessionsRoutes: FastifyPluginAsyncZod<{ sessions: SessionManager; rosters: RosterStore; now?: () => number; timeZone?: string; templates?: { list(): FieldLabelSource[] } }> = async (app, opts) => {
  const now = opts.now ?? Date.now;
  // Exports give local times (issue #19): a 07:32 lesson in Shanghai is 07:32+08:00, not 23:32Z.
  const zone = createSiteZone(opts.timeZone ?? 'UTC');
  const owned = (id: string, p: Principal): Session => {
    const s = opts.sessions.get(id);
    const owner = ownerFilter(p);
    if (!s || (owner !== undefined && s.owner !== owner)) throw apiErrors.sessionNotFound(id);
    return s;
  };

  app.post('/api/sessions', {
    config, schema: { tags: ['sessions'], body: createSessionSchema, response: { 201: sessionSchema } },
  }, async (req, reply) => {
    try {
      return reply.status(201).send(opts.sessions.create(req.body, req.principal.name));
    } catch (err) {
      // The session rules (span, roster lines) answer 400 with every line refused, 1-based.
      if (err instanceof SessionRuleError) throw new ApiError(err.code, err.message, 400, {}, err.lines.length > 0 ? { lines: err.lines } : undefined);
      throw err;
    }
  });

  // Parse errors quote the teacher's own line back to them; registry answers never echo a device (roster-preview.ts).
  app.post('/api/sessions/roster-preview', {
    config, schema: { tags: ['sessions'], body: previewBody, response: { 200: rosterPreviewSchema } },
  }, async (req) => {
    try {
      return opts.sessions.previewRoster(req.body.text, { ...(req.body.start && { start: req.body.start }), ...(req.body.end && { end: req.body.end }) });
    } catch (err) {
      if (err instanceof SessionRuleError) throw new ApiError(err.code, err.message, 400);
      throw err;
    }
  });

  // A teacher's own saved roster for a class (admin's own too): never another teacher's.
  app.get('/api/rosters/:class', { config, schema: { tags: ['sessions'], params: classParams, response: { 200: savedRosterView } } }, async (req) => {
    const saved = opts.rosters.get(req.principal.name, req.params.class);
    if (!saved) throw new ApiError('GW_ERR_ROSTER_NOT_FOUND', 'no saved roster for this class', 404);
    return rosterView(saved);
  });

  app.put('/api/rosters/:class', { config, schema: { tags: ['sessions'], params: classParams, body: rosterTextSchema, response: { 200: savedRosterView } } }, async (req) => {
    const { lines, problems } = parseRosterText(req.body.text);
    // Line numbers only: an error may be logged, and the lines name children.
    if (problems.length > 0) throw new ApiError('GW_ERR_ROSTER', problems.map((p) => rosterProblemText(p)).join('; '), 400, {}, { lines: problems });
    const saved = opts.rosters.put(req.principal.name, req.params.class, lines);
    return rosterView(saved);
  });

  app.get('/api/sessions', { config, schema: { tags: ['sessions'], response: { 200: z.array(sessionSchema) } } },
    async (req) => opts.sessions.list(ownerFilter(req.principal)));

  app.get('/api/sessions/:id', { config, schema: { tags: ['sessions'], params, response: { 200: liveSessionSchema } } },
    async (req) => opts.sessions.live(owned(req.params.id, req.principal)));

  app.post('/api/sessions/:id/stop', { config, schema: { tags: ['sessions'], params, response: { 200: sessionSchema } } },
    async (req) => opts.sessions.stopSession(owned(req.params.id, req.principal)));

  app.get('/api/sessions/:id/export', { config, schema: { tags: ['sessions'], params, querystring: exportQuery } }, async (req, reply) => {
    const s = owned(req.params.id, req.principal);
    const at = now();
    const view = opts.sessions.view(s);
    const templateOf = (id: string) => opts.sessions.templateOf(id);
    const lang = langOf(req.query.lang, req.headers['accept-language']);
    // The class's own name (三年级2班) survives in the file name: RFC 5987 filename* (contentDisposition).
    const base = `${safeFileName(`${s.class}-${s.subject}`)}-${zone.iso(s.startMs).slice(0, 10)}`;
    const legacy = `session-${s.class}-${s.subject}-${zone.iso(s.startMs).slice(0, 10)}`.replace(/[^A-Za-z0-9._-]+/g, '_');
    const send = (type: string, name: string, body: string | Buffer) => reply.type(type).header('content-disposition', contentDisposition(name)).send(body);
    reply.header('cache-control', 'no-store');
    const format = req.query.format;
    const zh = (fields: string[]) => chineseColumns(opts.templates?.list() ?? [], fields);
    if (format === 'summary-csv' || format === 'xlsx') {
      // every reading captured (the ones past the memory limit too); a heart-rate sample holds
      // until the next, at most the zones' holdMs, never past the session
      const rows = opts.sessions.lessonRows(s, Date.parse(view.stopped_at ?? view.end));
      const name = `${base}-${lang === 'zh-CN' ? '汇总' : 'summary'}`;
      if (format === 'summary-csv') return send('text/csv; charset=utf-8', `${name}.csv`, summaryCsv(rows, zone, lang));
      return send('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', `${name}.xlsx`, await summaryXlsx(view, rows, zone, lang, at));
    }
    if (format === 'zip') {
      const students = [...new Set(view.roster.map((r) => r.student))].map((student) => ({ student, ...opts.sessions.columns(s, student) }));
      const allFields = [...new Set(students.flatMap((x) => x.fields))];
      const { zip } = await rawZip(students, (fn) => opts.sessions.eachCaptured(s, fn), zone, lang, lang === 'zh-CN' ? zh(allFields).field : undefined);
      return send('application/zip', `${base}-${lang === 'zh-CN' ? '原始数据' : 'raw'}.zip`, zip);
    }
    const captured = opts.sessions.captured(s);
    const total = opts.sessions.total(s);
    // One file of every reading holds what memory holds: past it, say so rather than give a cut file.
    if (total > captured.length) {
      throw new ApiError('GW_ERR_EXPORT_TOO_LARGE', `this session has ${total} readings, more than one ${format} file holds (${captured.length}): take format=zip (one CSV per student) or xlsx / summary-csv`, 413);
    }
    const data = buildSessionExport(view, captured, at, zone, templateOf);
    // every reading in one file, for apps (at most the session's memory limit of readings)
    if (format === 'csv') return send('text/csv; charset=utf-8', `${legacy}.csv`, sessionExportCsv(data, req.query.lang === 'zh-CN' ? zh(exportFieldNames(data)) : undefined));
    return send('application/json; charset=utf-8', `${legacy}.json`, JSON.stringify(data));
  });
};

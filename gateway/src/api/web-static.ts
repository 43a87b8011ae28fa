/**
 * The dashboard's files and the headers every response carries.
 *
 * Only the built dashboard is served, by name: `index.html`, the bundle `app.js`,
 * `style.css` and the chart library's `uplot.css`. Everything else under gateway/web (README.md, build.mjs,
 * tsconfig.json, the TypeScript sources) answers 404 like any unknown path.
 *
 * The security headers are four fixed strings, so they are set here rather than
 * through @fastify/helmet (a dependency whose other headers either do not apply
 * to a LAN gateway without TLS, like HSTS, or are browser defaults today).
 * The CSP allows nothing inline: the dashboard is one module script and one
 * stylesheet from the gateway itself, and builds its DOM with createElement
 * (style values through CSSOM, which CSP does not govern). `data:` images are for
 * the empty favicon in index.html.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "connect-src 'self'",
    "object-src 'none'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
  ].join('; '),
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** The files of the built dashboard, by URL path. */
export const WEB_FILES: Readonly<Record<string, string>> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/app.js': 'app.js',
  '/style.css': 'style.css',
  '/uplot.css': 'uplot.css',
};

/** Adds SECURITY_HEADERS to every response: routes, errors, 404s. Register before the routes. */
export function installSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_req, reply, payload) => {
    reply.headers(SECURITY_HEADERS);
    return payload;
  });
}

/** The hub's district page (hub/http-district.ts): its own page and bundle, the dashboard's stylesheet. */
export const DISTRICT_WEB_FILES: Readonly<Record<string, string>> = {
  '/': 'district.html',
  '/district': 'district.html',
  '/district.js': 'district.js',
  '/district.css': 'district.css',
  '/style.css': 'style.css',
};

/**
 * The page's language for an Accept-Language header: zh-CN when a Chinese tag comes before any
 * English one (q-values respected), else en. The dashboard then follows the user's own choice.
 */
export function pageLanguage(header: string | undefined): 'zh-CN' | 'en' {
  const tags = (header ?? '').split(',').map((part, i) => {
    const [tag = '', ...rest] = part.trim().toLowerCase().split(';');
    const q = Number(rest.find((r) => r.trim().startsWith('q='))?.trim().slice(2) ?? 1);
    return { tag: tag.trim(), q: Number.isFinite(q) ? q : 0, i };
  }).filter((x) => x.q > 0).sort((a, b) => b.q - a.q || a.i - b.i);
  for (const { tag } of tags) {
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

/** Serves `files` (default WEB_FILES) from `root` (gateway/web) and nothing else; the dashboard page's `<html lang>` follows Accept-Language. */
export async function webRoutes(app: FastifyInstance, opts: { root: string; files?: Readonly<Record<string, string>> }): Promise<void> {
  await app.register(fastifyStatic, { root: opts.root, serve: false });
  const files = opts.files ?? WEB_FILES;
  for (const [url, file] of Object.entries(files)) {
    if (file === 'index.html') continue;
    app.get(url, { schema: { hide: true } }, (_req, reply) => reply.sendFile(file));
  }
  if (!Object.values(files).includes('index.html')) return;
  // Read per request (a rebuilt dashboard is served without a restart); it is one small file.
  const page = join(opts.root, 'index.html');
  for (const url of ['/', '/index.html']) {
    app.get(url, { schema: { hide: true } }, async (req, reply) => {
      const lang = pageLanguage(req.headers['accept-language']);
      const html = (await readFile(page, 'utf8')).replace('<html lang="en">', `<html lang="${lang}">`);
      return reply.type('text/html; charset=utf-8').header('vary', 'Accept-Language').send(html);
    });
  }
}

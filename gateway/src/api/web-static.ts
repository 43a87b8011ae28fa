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

/** Serves WEB_FILES from `root` (gateway/web) and nothing else. */
export async function webRoutes(app: FastifyInstance, opts: { root: string }): Promise<void> {
  await app.register(fastifyStatic, { root: opts.root, serve: false });
  for (const [url, file] of Object.entries(WEB_FILES)) {
    app.get(url, { schema: { hide: true } }, (_req, reply) => reply.sendFile(file));
  }
}

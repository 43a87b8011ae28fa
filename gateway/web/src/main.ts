/**
 * The campus-gateway dashboard: a small hash-routed app (#/facilities,
 * #/device/<id>, #/teacher, #/district) that polls the API for live data.
 * Bundled by build.mjs into app.js; works offline on a closed school network.
 */
import { AuthRequired, Forbidden, getJson, setToken, token, type Health, type Me } from './api.js';
import { clear, h } from './dom.js';
import { setSiteZone, siteZone } from './site-time.js';
import type { View } from './view.js';
import { deviceView } from './views/device.js';
import { districtView } from './views/district.js';
import { facilitiesView } from './views/facilities.js';
import { teacherView } from './views/teacher.js';

const root = document.getElementById('view')!;
const healthEl = document.getElementById('health')!;
const siteEl = document.getElementById('site')!;
const authEl = document.getElementById('auth')!;
const insecureEl = document.getElementById('insecure-banner')!;
let current: { view: View; timer: number } | undefined;
let me: Me | undefined;

/** Which pages each role may open (the API enforces it; this only tidies the menu). */
const PAGES: Record<Me['role'], string[]> = {
  admin: ['facilities', 'teacher', 'district'], facilities: ['facilities', 'district'], teacher: ['facilities', 'teacher'], district: ['district'],
};

function route(): View {
  const hash = location.hash.replace(/^#\/?/, '');
  const [page, ...rest] = hash.split('/');
  if (page === 'device' && rest.length > 0) return deviceView(decodeURIComponent(rest.join('/')));
  if (page === 'teacher') return teacherView();
  if (page === 'district') return districtView();
  return facilitiesView();
}

function tokenForm(message: string): HTMLElement {
  const input = h('input', { type: 'password', id: 'token-input', placeholder: 'access token', autocomplete: 'off' });
  const form = h('form', { class: 'card token-card', id: 'token-form' },
    h('h2', {}, 'Sign in'),
    h('p', { class: 'muted' }, message),
    input,
    h('button', { type: 'submit', class: 'primary' }, 'Continue'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    setToken(input.value.trim() || null);
    show();
    void refreshHealth();
  });
  return form;
}

async function tick(view: View): Promise<void> {
  try {
    await view.refresh();
  } catch (err) {
    if (err instanceof Forbidden) {
      stop();
      clear(root, h('div', { class: 'card empty-state', id: 'forbidden' }, h('h3', {}, 'Not available for your role'),
        h('p', {}, `Signed in as ${me?.name ?? '?'} (${me?.role ?? '?'}). This page needs another role's token.`),
        h('button', { onclick: () => { setToken(null); show(); } }, 'Sign in with another token')));
      return;
    }
    if (err instanceof AuthRequired) {
      stop();
      clear(root, tokenForm(token() ? 'That token was not accepted, or its role may not open this page.' : 'This gateway requires an access token (ask the school\'s IT administrator).'));
      return;
    }
    root.dataset.error = String(err);
    console.warn(err);
  }
}

function stop(): void {
  if (current) window.clearInterval(current.timer);
  current = undefined;
}

function show(): void {
  stop();
  const view = route();
  document.title = `${view.title} · campus-gateway`;
  for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a[data-page]')) {
    a.classList.toggle('active', (location.hash || '#/facilities').startsWith(a.getAttribute('href') ?? '-') || (a.dataset.page === 'facilities' && location.hash.startsWith('#/device')));
  }
  delete root.dataset.error;
  clear(root);
  view.mount(root);
  current = { view, timer: window.setInterval(() => void tick(view), view.everyMs) };
  void tick(view);
}

/** The banner every page shows while the gateway runs with `insecure: true`. */
function showInsecure(health: Health): void {
  insecureEl.hidden = health.insecure !== true;
  if (insecureEl.hidden) return;
  const open = [
    health.broker?.auth !== 'on' ? 'broker auth is off (anyone on the network can read every reading)' : undefined,
    health.api?.auth === 'open' ? 'the API has no tokens (anyone on the network is admin)' : undefined,
  ].filter(Boolean);
  insecureEl.textContent = `Insecure mode: this gateway runs with insecure: true${open.length ? `; ${open.join('; ')}` : ''}. Not for a school with real pupils' data.`;
}

async function refreshHealth(): Promise<void> {
  try {
    const health = await getJson<Health>('/api/health').catch(async () => (await fetch('/api/health')).json() as Promise<Health>);
    healthEl.textContent = health.status === 'ok' ? 'healthy' : 'degraded';
    healthEl.className = `pill ${health.status}`;
    if (health.site) siteEl.textContent = health.site.name;
    showInsecure(health);
    me = token() || health.api?.auth === 'open' ? await getJson<Me>('/api/me').catch(() => undefined) : undefined;
    // With tokens, the public health body no longer names the site: /api/me does, once signed in.
    if (!health.site && me?.site) siteEl.textContent = me.site.name;
    // Dates on every page are the site's local time (site.timezone), whatever the browser's zone.
    setSiteZone(health.site?.timezone ?? me?.site?.timezone);
    siteEl.title = `times in ${siteZone()}`;
    for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a[data-page]')) a.hidden = me !== undefined && !PAGES[me.role].includes(a.dataset.page ?? '');
    authEl.replaceChildren(
      health.api?.auth === 'open'
        ? h('span', { class: 'pill warn', title: 'http.tokens is not set: anyone on the network can use the API' }, 'open demo mode')
        : h('span', { class: 'who' }, me ? h('span', { id: 'whoami' }, `${me.name} · ${me.role}`) : null,
          h('button', { class: 'link', id: 'sign-out', onclick: () => { setToken(null); me = undefined; show(); void refreshHealth(); } }, token() ? 'sign out' : 'sign in')),
    );
  } catch {
    healthEl.textContent = 'unreachable';
    healthEl.className = 'pill degraded';
  }
}

window.addEventListener('hashchange', show);
show();
void refreshHealth();
window.setInterval(() => void refreshHealth(), 5000);

/**
 * The campus-gateway dashboard: a small hash-routed app (#/facilities,
 * #/device/<id>, #/teacher, #/district) that polls the API for live data.
 * Bundled by build.mjs into app.js; works offline on a closed school network.
 */
import { AuthRequired, Forbidden, getJson, setToken, token, type Health, type Me } from './api.js';
import { clear, h } from './dom.js';
import { applyDocumentLocale, locale, LOCALES, setLocale, t, type Locale } from './i18n/index.js';
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
  const input = h('input', { type: 'password', id: 'token-input', placeholder: t('signin.placeholder'), autocomplete: 'off' });
  const form = h('form', { class: 'card token-card', id: 'token-form' },
    h('h2', {}, t('signin.title')),
    h('p', { class: 'muted' }, message),
    input,
    h('button', { type: 'submit', class: 'primary' }, t('signin.continue')),
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
      clear(root, h('div', { class: 'card empty-state', id: 'forbidden' }, h('h3', {}, t('forbidden.title')),
        h('p', {}, t('forbidden.body', { name: me?.name ?? '?', role: me ? t(`role.${me.role}`) : '?' })),
        h('button', { onclick: () => { setToken(null); show(); } }, t('forbidden.switch'))));
      return;
    }
    if (err instanceof AuthRequired) {
      stop();
      clear(root, tokenForm(token() ? t('signin.rejected') : t('signin.required')));
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
  document.title = t('app.title', { page: view.title });
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
  const details = (health.broker?.auth !== 'on' ? t('insecure.broker') : '') + (health.api?.auth === 'open' ? t('insecure.api') : '');
  insecureEl.textContent = t('insecure.banner', { details });
}

async function refreshHealth(): Promise<void> {
  try {
    const health = await getJson<Health>('/api/health').catch(async () => (await fetch('/api/health')).json() as Promise<Health>);
    healthEl.textContent = health.status === 'ok' ? t('health.ok') : t('health.degraded');
    healthEl.className = `pill ${health.status}`;
    if (health.site) siteEl.textContent = health.site.name;
    showInsecure(health);
    me = token() || health.api?.auth === 'open' ? await getJson<Me>('/api/me').catch(() => undefined) : undefined;
    // With tokens, the public health body no longer names the site: /api/me does, once signed in.
    if (!health.site && me?.site) siteEl.textContent = me.site.name;
    // Dates on every page are the site's local time (site.timezone), whatever the browser's zone.
    setSiteZone(health.site?.timezone ?? me?.site?.timezone);
    siteEl.title = t('site.zone', { zone: siteZone() });
    for (const a of document.querySelectorAll<HTMLAnchorElement>('#nav a[data-page]')) a.hidden = me !== undefined && !PAGES[me.role].includes(a.dataset.page ?? '');
    authEl.replaceChildren(
      health.api?.auth === 'open'
        ? h('span', { class: 'pill warn', title: t('auth.openDemoTitle') }, t('auth.openDemo'))
        : h('span', { class: 'who' }, me ? h('span', { id: 'whoami' }, t('auth.who', { name: me.name, role: t(`role.${me.role}`) })) : null,
          h('button', { class: 'link', id: 'sign-out', onclick: () => { setToken(null); me = undefined; show(); void refreshHealth(); } }, token() ? t('auth.signOut') : t('auth.signIn'))),
    );
  } catch {
    healthEl.textContent = t('health.unreachable');
    healthEl.className = 'pill degraded';
  }
}

/** The header's language switch: the choice is kept (localStorage) and the page is drawn again in it. */
function languageSwitch(): HTMLElement {
  const names: Record<Locale, string> = { 'zh-CN': '中文', en: 'English' };
  const select = h('select', { id: 'lang', 'aria-label': t('lang.label'), title: t('lang.label') },
    LOCALES.map((l) => h('option', { value: l, lang: l, selected: l === locale() }, names[l])));
  select.addEventListener('change', () => {
    setLocale(select.value as Locale);
    select.title = t('lang.label');
    select.setAttribute('aria-label', t('lang.label'));
    show();
    void refreshHealth();
  });
  return select;
}

applyDocumentLocale();
document.querySelector('.topbar-status')?.prepend(languageSwitch());
window.addEventListener('hashchange', show);
show();
void refreshHealth();
window.setInterval(() => void refreshHealth(), 5000);

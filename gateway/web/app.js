// First dashboard page: device list with status and latest values, refreshed every 2 s.
const tbody = document.querySelector('#devices tbody');
const healthEl = document.getElementById('health');
const countsEl = document.getElementById('counts');

function text(tag, value, cls) {
  const el = document.createElement(tag);
  el.textContent = value;
  if (cls) el.className = cls;
  return el;
}

function ago(iso) {
  if (!iso) return 'never';
  const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
  return s < 60 ? `${s} s ago` : `${Math.round(s / 60)} min ago`;
}

async function latestOf(id) {
  const res = await fetch(`/api/devices/${encodeURIComponent(id)}/latest`);
  return res.ok ? res.json() : null;
}

async function refresh() {
  try {
    const [health, devices] = await Promise.all([fetch('/api/health').then((r) => r.json()), fetch('/api/devices').then((r) => r.json())]);
    healthEl.textContent = health.status;
    healthEl.className = `pill ${health.status}`;
    const d = health.devices ?? {};
    countsEl.textContent = `${d.online ?? 0} online · ${d.offline ?? 0} offline · ${d.never ?? 0} never seen`;
    devices.sort((a, b) => String(a.room).localeCompare(String(b.room)) || a.id.localeCompare(b.id));
    const latest = await Promise.all(devices.map((dev) => latestOf(dev.id)));
    const rows = devices.map((dev, i) => {
      const tr = document.createElement('tr');
      tr.dataset.device = dev.id;
      tr.append(text('td', dev.room ?? '–'), text('td', dev.id), text('td', dev.template), text('td', dev.status, `status ${dev.status}`), text('td', ago(dev.lastSeen)));
      const td = document.createElement('td');
      td.className = 'values';
      for (const [k, v] of Object.entries(latest[i] ?? {})) {
        if (k === 'id' || k === 'template' || k === 'ts') continue;
        const span = document.createElement('span');
        span.append(text('b', `${k} `), document.createTextNode(String(v)));
        td.append(span);
      }
      tr.append(td);
      return tr;
    });
    tbody.replaceChildren(...rows);
  } catch {
    healthEl.textContent = 'unreachable';
    healthEl.className = 'pill degraded';
  }
}

refresh();
setInterval(refresh, 2000);

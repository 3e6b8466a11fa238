// The Sessions panel: the conversations session affinity keeps on one
// (backend, URL, key), from GET /api/sessions. Keys are hashes and pins
// name a key by fingerprint: nothing here identifies a client or a key.
import {$, h, fmtInt} from './ui.js';

const POLL_MS = 5000;

function idle(s) {
  if (s < 60) return `${Math.round(s)}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${Math.round(s % 60)}s`;
  return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
}

function host(u) {
  try { return new URL(u).host; } catch (_) { return u; }
}

function row(s) {
  const pin = s.backend
    ? [h('strong', null, s.backend), ' ', h('code', {title: s.base_url}, host(s.base_url)),
      s.key_fingerprint ? [' ', h('code', {title: 'key fingerprint'}, '#' + s.key_fingerprint)] : null]
    : h('span', {class: 'hint'}, 'none');
  const ratio = s.cache_read_ratio == null ? '—' : `${Math.round(s.cache_read_ratio * 100)}%`;
  return h('tr', {data: {key: s.key}},
    h('td', null, h('code', {title: s.source}, s.key.slice(0, 8))),
    h('td', null, s.protocol),
    h('td', null, pin),
    h('td', {class: 'num'}, fmtInt(s.turns)),
    h('td', {class: 'num', title: s.holding ? 'within the cache TTL: stays on its pin' : 'idle past the cache TTL: priority order again'},
      idle(s.idle_s), s.holding ? ' ●' : ''),
    h('td', {class: 'num'}, fmtInt(s.input_tokens)),
    h('td', {class: 'num'}, fmtInt(s.cache_read_tokens)),
    h('td', {class: 'num'}, ratio));
}

export function renderSessions(v) {
  const body = $('#sessions tbody');
  const note = $('#sessions-count');
  if (!body) return;
  if (!v.enabled) {
    note.textContent = 'off';
    body.replaceChildren(h('tr', {class: 'empty'}, h('td', {colspan: 8}, 'Session affinity is off (sessions.enabled: false).')));
    return;
  }
  note.textContent = `${fmtInt(v.count)} · stays on its pin for ${Math.round(v.cache_ttl_s / 60)} min idle`;
  if (!v.sessions.length) {
    body.replaceChildren(h('tr', {class: 'empty'}, h('td', {colspan: 8}, 'No sessions yet.')));
    return;
  }
  body.replaceChildren(...v.sessions.map(row));
}

async function poll() {
  const tab = $('#tab-overview');
  if (document.hidden || (tab && tab.hidden)) return; // nobody is looking
  try {
    const r = await fetch('/api/sessions?limit=50', {cache: 'no-store'});
    if (r.ok) renderSessions(await r.json());
  } catch (_) { /* the event stream shows the connection state */ }
}

poll();
setInterval(poll, POLL_MS);
// Showing the overview again shows the sessions as they are now.
window.addEventListener('hashchange', () => setTimeout(poll, 0));
document.addEventListener('visibilitychange', poll);

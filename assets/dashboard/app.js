// Switchyard dashboard. Plain JavaScript, no build step, no dependencies.
//
// State comes from the gateway only: GET /api/session once (and after a
// refusal), then the Server-Sent Events stream /api/events: "settings",
// "status" (the /api/status body), "history" (at each connect) and
// "request". Writes go to the existing API with the session's
// X-CSRF-Token. Text from the server is always set with textContent,
// never parsed as HTML.
import {$, $$, h, s, icon, fmtInt, plural, pad, fmtClock, fmtFull, fmtDur, ago, mmss, toast} from './ui.js';
import {chartSVG, SLOTS, SLOT_MIN} from './chart.js';
import {renderSnippets, renderTools} from './connect.js';
import {probeCell} from './probe.js';
import {quotaView} from './quota.js';
import {loadUsage, loadToday} from './usage.js';

// ---- state ----
const st = {
  session: {editable: false, csrf: '', token_required: false, keychain: false, ended: false},
  status: null,
  settings: new Map(), // id -> backend settings
  requests: [], // newest first
  activity: new Map(), // unix minute -> Map(backend -> {ok, err})
};
const names = () => new Map((st.status ? st.status.backends : []).map((b) => [b.id, b.name || b.id]));
const nameOf = (id) => names().get(id) || id;

const STATE_LABEL = {ok: 'OK', cooling: 'Cooling', failing: 'Failing', needs_key: 'Needs a key', disabled: 'Disabled'};
const envName = (id, suffix) => `${id.toUpperCase().replace(/-/g, '_')}_${suffix}`;

// ---- API ----
async function api(method, path, body) {
  const headers = {'X-CSRF-Token': st.session.csrf || ''};
  const init = {method, headers, credentials: 'same-origin', cache: 'no-store'};
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  const r = await fetch(path, init);
  let data = null;
  try { data = await r.json(); } catch (_) { /* not JSON */ }
  if (!r.ok) {
    if (r.status === 403) loadSession();
    const msg = (data && data.error && data.error.message) || `HTTP ${r.status}`;
    throw Object.assign(new Error(msg), {status: r.status});
  }
  return data;
}

async function loadSession() {
  try {
    const r = await fetch('/api/session', {cache: 'no-store', credentials: 'same-origin'});
    if (!r.ok) return;
    st.session = await r.json();
  } catch (_) {
    return;
  }
  st.sessionKnown = true;
  applySession();
}

// applySession shows what this browser may do; until /api/session has
// answered, neither the badge nor the read-only note is shown.
function applySession() {
  const ed = !!st.session.editable;
  document.body.classList.toggle('editable', ed);
  document.body.classList.toggle('readonly', !ed && !!st.sessionKnown);
  const mode = $('#mode');
  mode.hidden = !st.sessionKnown;
  mode.className = 'mode ' + (ed ? 'unlocked' : 'locked');
  mode.replaceChildren(icon(ed ? 'unlock' : 'lock'), ed ? 'Editing unlocked' : 'Read-only');
  mode.title = ed ? 'This browser can change settings and keys' : 'Open the dashboard from the tray to edit';
  $('#lock-note').hidden = ed || !st.sessionKnown;
  $('#lock-title').textContent = st.session.ended ? 'Your editing session ended (Switchyard restarted).' : 'Read-only view.';
  renderAll();
}

function onStatus(s) {
  if (!s || !Array.isArray(s.backends)) return;
  st.status = s;
  renderAll();
  if (document.body.dataset.tab === 'usage') loadUsage(false); // at most every 5 s
  loadToday(); // at most every 10 s
}

// ---- tabs ----
const TABS = ['overview', 'keys', 'usage', 'connect'];
function showTab() {
  const want = location.hash.slice(1);
  const tab = TABS.includes(want) ? want : 'overview';
  for (const t of TABS) {
    $('#tab-' + t).hidden = t !== tab;
    const a = $(`.tabs a[data-tab="${t}"]`);
    if (t === tab) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
  }
  document.body.dataset.tab = tab;
  if (tab === 'connect') loadTools();
  if (tab === 'usage') loadUsage(true);
}

// ---- rendering ----
function renderAll() {
  if (!st.status) return;
  renderHeader();
  renderTiles();
  renderBackends();
  renderFailovers();
  scheduleChart();
  renderKeys();
  renderConnect();
  drawTools();
}

function renderHeader() {
  const v = st.status.version;
  $('#version').textContent = v ? (/^\d/.test(v) ? 'v' + v : v) : '';
  $('#footer-text').textContent = `Switchyard ${v || ''} · serving on ${st.status.addr}`;
  document.title = `Switchyard · ${st.status.addr}`;
}

function firstInLine() {
  const bs = st.status.backends.filter((b) => b.enabled);
  return bs.find((b) => b.state === 'ok') || bs.find((b) => b.state === 'cooling' || b.state === 'failing') || null;
}

function setTile(id, value, sub) {
  const t = $('#tile-' + id);
  $('.tile-value', t).textContent = value;
  $('.tile-value', t).title = value;
  const subEl = $('.tile-sub', t);
  if (sub instanceof Node) subEl.replaceChildren(sub); else subEl.textContent = sub || '';
}

function recentFailovers() {
  const cut = Date.now() - 3600e3;
  return st.status.failovers.filter((f) => Date.parse(f.time) >= cut);
}

function renderTiles() {
  const s = st.status;
  setTile('addr', s.addr, 'OpenAI /v1 · Anthropic /v1/messages');
  const first = firstInLine();
  setTile('first', first ? first.name : 'None available',
    first ? `priority ${first.priority} · ${STATE_LABEL[first.state] || first.state}` : 'enable a backend or add a key');
  const req = s.backends.reduce((n, b) => n + b.requests, 0);
  const fail = s.backends.reduce((n, b) => n + b.failures, 0);
  setTile('requests', fmtInt(req), `${plural(fail, 'upstream failure')} since start`);
  const hour = recentFailovers();
  setTile('failovers', fmtInt(hour.length), hour.length
    ? h('span', null, 'last ', h('span', {data: {ago: hour[0].time}}, ago(hour[0].time)))
    : 'none — all quiet');
}

// Backends: one card per backend, kept across updates so an open edit
// form is never lost to a status event.
const cards = new Map();

function renderBackends() {
  const box = $('#backends');
  const list = st.status.backends;
  const first = firstInLine();
  list.forEach((b, i) => {
    let c = cards.get(b.id);
    if (!c) {
      c = buildCard(b.id);
      cards.set(b.id, c);
    }
    updateCard(c, b, first && first.id === b.id);
    if (box.children[i] !== c.root) box.insertBefore(c.root, box.children[i] || null);
  });
  for (const [id, c] of cards) {
    if (!list.some((b) => b.id === id)) {
      c.root.remove();
      cards.delete(id);
    }
  }
}

function buildCard(id) {
  const c = {id, busy: false};
  c.prio = h('span', {class: 'prio', title: 'Priority'});
  c.name = h('h3', {class: 'name'});
  c.sub = h('div', {class: 'sub'});
  c.pill = h('span', {class: 'pill'});
  c.sw = h('button', {class: 'switch', type: 'button', role: 'switch', 'aria-checked': 'false', onclick: () => toggle(c)},
    h('span', {class: 'knob'}));
  c.facts = h('dl', {class: 'facts'});
  c.eps = h('tbody');
  c.editBtn = h('button', {class: 'btn btn-quiet edit', type: 'button', onclick: () => openEdit(c)}, 'Edit settings');
  c.envNote = h('span', {class: 'env-note'});
  c.form = buildEditForm(c);
  c.root = h('article', {class: 'card backend', id: 'backend-' + id, data: {id}},
    h('header', {class: 'card-head'}, c.prio, h('div', {class: 'title'}, c.name, c.sub), c.pill, c.sw),
    c.facts,
    h('table', {class: 'endpoints'},
      h('thead', null, h('tr', null, h('th', null, 'Endpoint'), h('th', null, 'Key'), h('th', null, 'State'), h('th', null, 'Health check'))),
      c.eps),
    h('div', {class: 'card-foot'}, c.editBtn, c.envNote),
    c.form);
  return c;
}

function fact(label, value) {
  return [h('dt', null, label), h('dd', null, value)];
}

function updateCard(c, b, isFirst) {
  const set = st.settings.get(b.id);
  const ed = st.session.editable;
  c.root.classList.toggle('disabled', !b.enabled);
  c.root.classList.toggle('first', !!isFirst);
  c.root.dataset.state = b.state;
  c.root.dataset.requests = String(b.requests);
  c.prio.textContent = b.priority;
  c.name.replaceChildren(b.name || b.id);
  if (isFirst) c.name.append(h('span', {class: 'tag tag-accent first-tag'}, 'first in line'));
  c.sub.textContent = `${b.id} · ${b.format === 'anthropic' ? 'Anthropic' : 'OpenAI'} format`;
  c.pill.className = 'pill ' + b.state;
  c.pill.textContent = STATE_LABEL[b.state] || b.state;

  const envEnabled = set && set.env && set.env.enabled;
  c.sw.setAttribute('aria-checked', b.enabled ? 'true' : 'false');
  c.sw.setAttribute('aria-label', `${b.enabled ? 'Disable' : 'Enable'} ${b.name || b.id}`);
  c.sw.disabled = !ed || c.busy || !!envEnabled;
  c.sw.title = !ed ? 'Read-only: open the dashboard from the tray to change this'
    : envEnabled ? `Set by ${envEnabled} in the environment`
      : b.enabled ? 'Enabled: click to disable' : 'Disabled: click to enable';

  const aliases = set ? Object.entries(set.aliases || {}) : [];
  c.facts.replaceChildren(...[
    fact('Models', h('code', null, b.models_rule || '*')),
    fact('Traffic', [`${plural(b.requests, 'request')} · `,
      h('span', {class: b.failures ? 'bad' : null}, plural(b.failures, 'failure'))]),
    fact('Aliases', aliases.length
      ? aliases.map(([from, to]) => h('span', {class: 'alias'}, h('code', null, from), ' → ', h('code', null, to)))
      : h('span', {class: 'muted'}, 'none')),
    fact('Limits', set
      ? `timeout ${set.timeout} s · stream ${set.stream_timeout} s · ${set.max_retries} ${set.max_retries === 1 ? 'retry' : 'retries'}`
      : '—'),
    b.quota && b.quota !== 'none' ? fact('Quota', quotaView(b, {editable: ed, refresh: refreshQuota})) : [],
  ].flat());

  c.eps.replaceChildren(...b.endpoints.map((ep) => endpointRow(b, ep)));
  c.editBtn.disabled = !ed;
  c.editBtn.hidden = !c.form.hidden;
  c.editBtn.title = ed ? '' : 'Read-only: open the dashboard from the tray to edit';
  const envs = set && set.env ? Object.values(set.env) : [];
  c.envNote.textContent = envs.length ? `Set by the environment: ${envs.join(', ')}` : '';
}

function endpointRow(b, ep) {
  const a = b.active_endpoint;
  const active = !!(b.enabled && a && a.base_url === ep.base_url && a.key_index === ep.key_index);
  let state;
  if (ep.state === 'cooling') {
    state = [h('span', {class: 'st-cooling'}, 'Cooling · ',
      h('span', {class: 'countdown', data: {until: ep.cooldown_until}}, mmss(Date.parse(ep.cooldown_until) - Date.now())))];
  } else if (ep.state === 'failing') {
    state = [h('span', {class: 'st-failing'}, 'Failing')];
  } else {
    state = [h('span', {class: 'st-ok'}, 'OK')];
  }
  if (ep.last_error && ep.state !== 'ok') state.push(h('div', {class: 'ep-err', title: ep.last_error}, ep.last_error));
  return h('tr', {class: active ? 'active' : null, data: {state: ep.state}},
    h('td', {class: 'ep-url'}, h('span', {class: 'dot ' + ep.state}), h('code', null, ep.base_url),
      active ? h('span', {class: 'tag tag-accent'}, 'active') : null),
    h('td', {class: 'ep-key'}, ep.key ? h('code', null, ep.key) : h('span', {class: 'muted'}, 'no key')),
    h('td', {class: 'ep-state'}, state),
    probeCell(b, ep, {editable: st.session.editable, periodic: !!(st.settings.get(b.id) || {}).probe, api,
      rerender: () => st.status && renderBackends()}));
}

// refreshQuota reads every key's balance now; the status event that
// follows redraws the cards.
async function refreshQuota() {
  try {
    await api('POST', '/api/quota/refresh', {});
  } catch (e) {
    toast(`Refreshing the balances failed: ${e.message}`, 'error');
  }
}

// ---- enable toggle and settings form ----
async function toggle(c) {
  const b = st.status.backends.find((x) => x.id === c.id);
  if (!b || !st.session.editable || c.busy) return;
  c.busy = true;
  c.sw.classList.add('busy');
  c.sw.disabled = true;
  try {
    onStatus(await api('PATCH', `/api/backends/${encodeURIComponent(c.id)}`, {enabled: !b.enabled}));
    toast(`${b.name || b.id} ${b.enabled ? 'disabled' : 'enabled'}`);
  } catch (e) {
    toast(e.message, 'error');
  } finally {
    c.busy = false;
    c.sw.classList.remove('busy');
    renderBackends();
  }
}

const NUMERIC = ['priority', 'timeout', 'stream_timeout', 'max_retries'];

function buildEditForm(c) {
  const field = (name, label, input, hint) => h('label', {class: 'field field-' + name},
    h('span', {class: 'field-label'}, label), input,
    hint ? h('span', {class: 'field-hint'}, hint) : null,
    h('span', {class: 'field-error', data: {for: name}}));
  const num = (name, min, max) => h('input', {name, type: 'number', min, max, step: 1, inputmode: 'numeric'});
  const f = h('form', {class: 'edit-form', hidden: true, novalidate: true, autocomplete: 'off'},
    h('div', {class: 'form-grid'},
      field('base_urls', 'Base URLs', h('textarea', {name: 'base_urls', rows: 3, spellcheck: 'false'}),
        'One per line, tried in order. OpenAI format includes the version (…/v1); Anthropic format is the root URL.'),
      field('priority', 'Priority', num('priority', 1), 'Lower goes first'),
      field('timeout', 'Timeout (s)', num('timeout', 1), 'Whole request'),
      field('stream_timeout', 'Stream timeout (s)', num('stream_timeout', 1), 'Whole stream'),
      field('max_retries', 'Max retries', num('max_retries', 0, 5), 'Per endpoint, 0–5'),
      field('models', 'Model rule', h('input', {name: 'models', type: 'text', spellcheck: 'false'}),
        '* for any model · claude · gemini+2.5 (both) · claude | gpt-5+codex (either) · claude+!haiku (not)')),
    h('p', {class: 'form-error', role: 'alert'}),
    h('div', {class: 'form-actions'},
      h('button', {class: 'btn btn-primary', type: 'submit'}, 'Save changes'),
      h('button', {class: 'btn', type: 'button', onclick: () => closeEdit(c)}, 'Cancel')));
  f.addEventListener('submit', (ev) => {
    ev.preventDefault();
    saveEdit(c);
  });
  return f;
}

function formValues(f) {
  const el = f.elements;
  const v = {
    base_urls: el.base_urls.value.split('\n').map((x) => x.trim()).filter(Boolean),
    models: el.models.value.trim(),
  };
  for (const k of NUMERIC) v[k] = el[k].value.trim() === '' ? NaN : Number(el[k].value);
  return v;
}

function openEdit(c) {
  const set = st.settings.get(c.id);
  if (!set || !st.session.editable) return;
  const el = c.form.elements;
  el.base_urls.value = set.base_urls.join('\n');
  el.models.value = set.models || '*';
  for (const k of NUMERIC) el[k].value = set[k];
  for (const k of ['base_urls', ...NUMERIC]) {
    const envVar = set.env && set.env[k];
    el[k].disabled = !!envVar;
    el[k].title = envVar ? `Set by ${envVar} in the environment` : '';
  }
  c.initial = formValues(c.form);
  clearErrors(c.form);
  c.form.hidden = false;
  c.editBtn.hidden = true;
  el.base_urls.focus();
}

function closeEdit(c) {
  c.form.hidden = true;
  c.editBtn.hidden = false;
  clearErrors(c.form);
}

function clearErrors(f) {
  for (const e of $$('.field-error', f)) e.textContent = '';
  for (const e of $$('.field.invalid', f)) e.classList.remove('invalid');
  $('.form-error', f).textContent = '';
}

function fieldError(f, name, msg) {
  const e = $(`.field-error[data-for="${name}"]`, f);
  if (!e) return false;
  e.textContent = e.textContent ? e.textContent + '\n' + msg : msg;
  e.closest('.field').classList.add('invalid');
  return true;
}

// showErrors puts each line of a validation error ("backends[0] (id).max_retries: …")
// under its field, and the rest under the form.
function showErrors(f, message) {
  const rest = [];
  for (const line of message.split('\n')) {
    const m = /\)\.([a-z_]+)(?:\[\d+\])?:\s*(.*)$/.exec(line);
    if (!(m && fieldError(f, m[1], m[2]))) rest.push(line);
  }
  $('.form-error', f).textContent = rest.join('\n');
}

async function saveEdit(c) {
  const f = c.form;
  clearErrors(f);
  const now = formValues(f);
  const patch = {};
  for (const [k, v] of Object.entries(now)) {
    if (f.elements[k].disabled) continue;
    if (JSON.stringify(v) !== JSON.stringify(c.initial[k])) patch[k] = v;
  }
  let bad = false;
  for (const k of NUMERIC) {
    if (k in patch && !Number.isInteger(patch[k])) bad = fieldError(f, k, 'Enter a whole number.') || true;
  }
  if ('base_urls' in patch && patch.base_urls.length === 0) bad = fieldError(f, 'base_urls', 'Give at least one URL.') || true;
  if (bad) return;
  if (Object.keys(patch).length === 0) {
    closeEdit(c);
    return;
  }
  const btn = $('button[type="submit"]', f);
  btn.disabled = true;
  try {
    onStatus(await api('PATCH', `/api/backends/${encodeURIComponent(c.id)}`, patch));
    closeEdit(c);
    renderBackends();
    toast(`Saved ${nameOf(c.id)}`);
  } catch (e) {
    showErrors(f, e.message);
  } finally {
    btn.disabled = false;
  }
}

// ---- failovers ----
let lastFailoverKey = '';
function renderFailovers() {
  const list = st.status.failovers;
  const ol = $('#failovers');
  $('#failover-count').textContent = list.length ? String(list.length) : '';
  const key = list.length ? list[0].time + list[0].from + list[0].model + list.length : '';
  if (key === lastFailoverKey && ol.children.length) {
    return;
  }
  const had = new Set($$('li.fo-row', ol).map((li) => li.dataset.key));
  const firstRender = lastFailoverKey === '' && !ol.children.length;
  lastFailoverKey = key;
  if (!list.length) {
    ol.replaceChildren(h('li', {class: 'empty'}, 'No failovers yet. When a backend fails, the fall to the next one shows up here, live.'));
    return;
  }
  ol.replaceChildren(...list.map((f) => {
    const k = f.time + '|' + f.from + '|' + f.to + '|' + f.model;
    return h('li', {class: 'fo-row' + (!firstRender && !had.has(k) ? ' fresh' : ''), data: {key: k, from: f.from, to: f.to || ''}},
      h('div', {class: 'fo-line'},
        h('span', {class: 'fo-from'}, nameOf(f.from)), icon('arrow'),
        f.to ? h('span', {class: 'fo-to'}, nameOf(f.to)) : h('span', {class: 'fo-none'}, 'nothing left · 503'),
        h('time', {class: 'fo-time', datetime: f.time, title: fmtFull(f.time), data: {ago: f.time}}, ago(f.time))),
      h('div', {class: 'fo-sub'},
        h('span', {class: 'reason'}, f.reason),
        h('code', null, f.model),
        f.from_endpoint ? h('span', null, f.from_endpoint + (f.to_endpoint ? ' → ' + f.to_endpoint : '')) : null));
  }));
}

// ---- requests ----
function statusPill(code) {
  const cls = code >= 500 ? 's5' : code >= 400 ? (code === 499 ? 's0' : 's4') : code >= 200 ? 's2' : 's0';
  return h('span', {class: 'status ' + cls, title: code === 499 ? 'client went away' : null}, String(code));
}

function requestRow(r, fresh) {
  return h('tr', {class: fresh ? 'new' : null, data: {backend: r.backend, seq: String(r.seq), status: String(r.status)}, title: r.note || null},
    h('td', null, h('time', {datetime: r.time, title: fmtFull(r.time)}, fmtClock(r.time))),
    h('td', null, h('code', null, r.model || '—'), r.stream ? h('span', {class: 'tag'}, 'stream') : null),
    h('td', null, r.backend ? nameOf(r.backend) : h('span', {class: 'muted'}, 'none'),
      r.endpoint ? h('span', {class: 'ep'}, r.endpoint) : null),
    h('td', null, statusPill(r.status)),
    h('td', {class: 'num'}, fmtDur(r.duration_ms)),
    h('td', {class: 'num'}, r.attempts > 1 ? h('span', {class: 'tag tag-warn'}, 'failover') : null, String(r.attempts)));
}

function renderRequests() {
  const tb = $('#requests tbody');
  if (!st.requests.length) {
    tb.replaceChildren(h('tr', {class: 'empty'}, h('td', {colspan: 6}, 'No requests yet. Point a tool at this gateway: see ',
      h('a', {href: '#connect'}, 'Connect your tools'), '.')));
    return;
  }
  tb.replaceChildren(...st.requests.map((r) => requestRow(r, false)));
}

function countActivity(r) {
  if (!r.backend || r.status === 499) return;
  const m = Math.floor(Date.parse(r.time) / 60000);
  let per = st.activity.get(m);
  if (!per) st.activity.set(m, (per = new Map()));
  const c = per.get(r.backend) || {ok: 0, err: 0};
  if (r.status < 400) c.ok++; else c.err++;
  per.set(r.backend, c);
}

function addRequest(r) {
  if (st.requests.length && r.seq <= st.requests[0].seq) return;
  st.requests.unshift(r);
  const tb = $('#requests tbody');
  const empty = $('tr.empty', tb);
  if (empty) empty.remove();
  tb.prepend(requestRow(r, true));
  while (st.requests.length > 200) {
    st.requests.pop();
    tb.lastElementChild.remove();
  }
  countActivity(r);
  scheduleChart();
}

// ---- chart: answered / failed over / errors per backend, last hour ----
let chartQueued = false;
function scheduleChart() {
  if (chartQueued) return;
  chartQueued = true;
  requestAnimationFrame(() => {
    chartQueued = false;
    renderChart();
  });
}

function renderChart() {
  if (!st.status) return;
  const now = Date.now();
  const oldest = Math.floor(now / 60000) - SLOTS * SLOT_MIN;
  for (const m of st.activity.keys()) if (m < oldest) st.activity.delete(m);
  const c = chartSVG(st.status.backends, st.activity, st.status.failovers, now);
  $('#chart-total').textContent = `${fmtInt(c.answered)} answered · ${fmtInt(c.failedOver)} failed over`;
  $('#chart').replaceChildren(c.svg);
}

// ---- keys ----
const keyPanels = new Map();

function renderKeys() {
  const box = $('#keys-list');
  const list = st.status.backends;
  list.forEach((b, i) => {
    let p = keyPanels.get(b.id);
    if (!p) {
      p = buildKeyPanel(b.id);
      keyPanels.set(b.id, p);
    }
    updateKeyPanel(p, b);
    if (box.children[i] !== p.root) box.insertBefore(p.root, box.children[i] || null);
  });
  for (const [id, p] of keyPanels) {
    if (!list.some((b) => b.id === id)) {
      p.root.remove();
      keyPanels.delete(id);
    }
  }
}

function buildKeyPanel(id) {
  const p = {id, replace: null, busy: false};
  p.name = h('h3');
  p.sub = h('div', {class: 'sub'});
  p.src = h('span', {class: 'src'});
  p.list = h('ul', {class: 'key-list'});
  p.label = h('label', {class: 'field-label', for: 'key-input-' + id}, 'Add a key');
  // A password field: masked while typed, cleared on submit, never filled back in.
  p.input = h('input', {type: 'password', id: 'key-input-' + id, name: 'key', autocomplete: 'off',
    spellcheck: 'false', placeholder: 'Paste an API key', 'data-lpignore': 'true', 'data-1p-ignore': 'true'});
  p.submit = h('button', {class: 'btn btn-primary', type: 'submit'}, 'Add key');
  p.cancel = h('button', {class: 'btn', type: 'button', hidden: true, onclick: () => setReplace(p, null)}, 'Cancel');
  p.err = h('p', {class: 'form-error', role: 'alert'});
  p.note = h('p', {class: 'hint'});
  p.form = h('form', {class: 'key-form', novalidate: true, autocomplete: 'off'},
    p.label, h('div', {class: 'key-row'}, p.input, p.submit, p.cancel), p.err, p.note);
  p.form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    submitKey(p);
  });
  p.root = h('section', {class: 'card keys-panel', id: 'keys-' + id, data: {id}},
    h('header', {class: 'kp-head'}, h('div', {class: 'title'}, p.name, p.sub), p.src), p.list, p.form);
  return p;
}

// keysOf lists a backend's keys (index, mask) from its endpoints.
function keysOf(b) {
  const seen = new Map();
  for (const ep of b.endpoints) if (ep.key && !seen.has(ep.key_index)) seen.set(ep.key_index, ep.key);
  return Array.from(seen, ([index, mask]) => ({index, mask})).sort((x, y) => x.index - y.index);
}

function updateKeyPanel(p, b) {
  const set = st.settings.get(b.id);
  const keys = keysOf(b);
  const envVar = envName(b.id, 'API_KEYS');
  const src = b.key_source || '';
  p.name.textContent = b.name || b.id;
  p.sub.textContent = `${b.id} · ${set && set.needs_key ? 'needs a key' : 'key optional'}`;
  p.src.className = 'src src-' + (src || 'none');
  p.src.textContent = src === 'env' ? `Environment · ${envVar}` : src === 'keychain' ? 'OS keychain' : 'No key';

  let note = 'Stored in the OS keychain. After you add a key, only its last four characters are ever shown.';
  let locked = false;
  if (src === 'env') {
    note = `These keys come from ${envVar} in Switchyard's environment, which wins over the keychain; change them there.`;
    locked = true;
  } else if (!st.session.keychain) {
    note = `No OS keychain is available here: set ${envVar} in Switchyard's environment instead.`;
    locked = true;
  } else if (!st.session.editable) {
    note = 'Read-only: open the dashboard from the tray to add or remove keys.';
    locked = true;
  }
  p.note.textContent = note;
  p.input.disabled = locked || p.busy;
  p.submit.disabled = locked || p.busy;
  if (locked && p.replace) setReplace(p, null);

  const active = b.active_endpoint ? b.active_endpoint.key_index : -1;
  if (!keys.length) {
    p.list.replaceChildren(h('li', {class: 'empty'}, set && set.needs_key
      ? 'No key yet: this backend cannot answer until you add one.'
      : 'No key. This backend works without one; add one if it asks for it.'));
    return;
  }
  p.list.replaceChildren(...keys.map((k) => h('li', {class: 'key-item' + (k.index === active ? ' active' : ''),
    data: {keyMask: k.mask, keyIndex: String(k.index)}},
  icon('key'),
  h('code', {class: 'key-mask'}, k.mask),
  h('span', {class: 'muted small'}, `key ${k.index + 1}`),
  k.index === active ? h('span', {class: 'tag tag-accent'}, 'active') : null,
  h('span', {class: 'key-actions'},
    h('button', {class: 'btn btn-small', type: 'button', disabled: locked || p.busy,
      onclick: () => setReplace(p, k)}, 'Replace'),
    removeButton(p, k, locked)))));
}

// removeButton asks for a second click before removing a key.
function removeButton(p, k, locked) {
  const btn = h('button', {class: 'btn btn-small btn-danger', type: 'button', disabled: locked || p.busy}, 'Remove');
  let armed = 0;
  btn.addEventListener('click', async () => {
    if (!armed) {
      btn.textContent = `Remove ${k.mask}?`;
      btn.classList.add('confirm');
      armed = setTimeout(() => {
        armed = 0;
        btn.textContent = 'Remove';
        btn.classList.remove('confirm');
      }, 4000);
      return;
    }
    clearTimeout(armed);
    p.busy = true;
    try {
      onStatus(await api('DELETE', `/api/backends/${encodeURIComponent(p.id)}/keys/${k.index}`));
      toast(`Key ${k.mask} removed`);
    } catch (e) {
      p.err.textContent = e.message;
    } finally {
      p.busy = false;
      renderKeys();
    }
  });
  return btn;
}

function setReplace(p, k) {
  p.replace = k;
  p.label.textContent = k ? `Replace key ${k.mask}` : 'Add a key';
  p.submit.textContent = k ? 'Replace key' : 'Add key';
  p.cancel.hidden = !k;
  p.err.textContent = '';
  if (k) p.input.focus();
}

async function submitKey(p) {
  const key = p.input.value.trim();
  p.input.value = ''; // cleared at once, whatever happens next
  p.err.textContent = '';
  if (!key) {
    p.err.textContent = 'Paste a key first.';
    return;
  }
  const replacing = p.replace;
  p.busy = true;
  p.submit.disabled = true;
  try {
    let s = await api('PUT', `/api/backends/${encodeURIComponent(p.id)}/keys`, {key});
    // Replace = add the new key, then remove the old one: never keyless.
    if (replacing) s = await api('DELETE', `/api/backends/${encodeURIComponent(p.id)}/keys/${replacing.index}`);
    setReplace(p, null);
    onStatus(s);
    toast(replacing ? `Key ${replacing.mask} replaced` : 'Key added');
  } catch (e) {
    p.err.textContent = e.message;
  } finally {
    p.busy = false;
    renderKeys();
  }
}

// ---- connect your tools ----
let connectSig = '';
function renderConnect() {
  let addr = st.status.addr;
  if (/^(0\.0\.0\.0|\[::\]|):/.test(addr)) addr = location.host;
  const token = !!st.session.token_required;
  let model = 'claude-sonnet-4-5';
  for (const b of st.status.backends) {
    const set = st.settings.get(b.id);
    if (b.enabled && set && set.model_list && set.model_list.length) {
      model = set.model_list[0];
      break;
    }
  }
  const sig = [addr, token, model].join('|');
  if (sig === connectSig) return;
  connectSig = sig;
  renderSnippets($('#connect-list'), {addr, token, model});
}

// ---- one-click tool setup ----
const tools = {list: null, busy: '', notes: new Map(), errors: new Map(), loadErr: '', sig: ''};
async function loadTools() {
  try {
    const body = await api('GET', '/api/connect');
    tools.list = body.tools || [];
    tools.home = body.home || '';
    tools.loadErr = '';
  } catch (e) {
    tools.loadErr = e.message;
  }
  drawTools();
}
function drawTools() {
  const box = $('#tools-list');
  if (tools.loadErr && !tools.list) {
    box.replaceChildren(h('p', {class: 'form-error'}, `Could not read the tools' state: ${tools.loadErr}`));
    return;
  }
  if (!tools.list) return;
  if (!tools.list.length) {
    box.replaceChildren(h('p', {class: 'hint'}, 'One-click setup is not available in this gateway: use the settings below, or switchyard connect TOOL.'));
    return;
  }
  // Status events redraw everything; redraw the cards only when they change.
  const sig = JSON.stringify([tools.list, !!st.session.editable, tools.busy, [...tools.notes], [...tools.errors]]);
  if (sig === tools.sig) return;
  tools.sig = sig;
  renderTools(box, {tools: tools.list, home: tools.home, editable: !!st.session.editable, busy: tools.busy,
    notes: tools.notes, errors: tools.errors, act: toolAction});
}
async function toolAction(id, action) {
  if (tools.busy || !st.session.editable) return;
  const t = tools.list.find((x) => x.id === id);
  tools.busy = id;
  tools.errors.delete(id);
  drawTools();
  try {
    const r = await api('POST', `/api/connect/${encodeURIComponent(id)}`, {action});
    tools.list = tools.list.map((x) => (x.id === id ? r.tool : x));
    const res = r.result;
    let msg;
    if (action === 'apply') msg = res.changed ? `${t.name} now points at Switchyard` : `${t.name} already points at Switchyard: nothing changed`;
    else msg = res.changed ? `${t.name} no longer points at Switchyard` : `${t.name}: nothing to undo`;
    const backups = (res.files || []).filter((f) => f.backup && action === 'apply').map((f) => `Backup: ${f.backup}`);
    const notes = action === 'apply' ? [...backups, ...(res.notes || [])] : [];
    if (notes.length) tools.notes.set(id, notes.join('\n')); else tools.notes.delete(id);
    toast(msg);
  } catch (e) {
    tools.errors.set(id, e.message);
    toast(e.message, 'error');
  } finally {
    tools.busy = '';
    drawTools();
  }
}

// ---- live updates ----
function setConn(state, text) {
  const c = $('#conn');
  c.dataset.state = state;
  $('#conn-text').textContent = text;
}

function connect() {
  const es = new EventSource('/api/events');
  es.addEventListener('open', () => setConn('live', 'Live'));
  es.addEventListener('error', () => setConn('reconnecting', 'Reconnecting…'));
  es.addEventListener('settings', (e) => {
    const body = JSON.parse(e.data);
    st.settings = new Map(body.backends.map((b) => [b.id, b]));
    renderAll();
  });
  es.addEventListener('status', (e) => onStatus(JSON.parse(e.data)));
  es.addEventListener('history', (e) => {
    const hist = JSON.parse(e.data);
    st.requests = hist.requests || [];
    st.activity = new Map();
    for (const p of hist.activity || []) {
      let per = st.activity.get(p.minute);
      if (!per) st.activity.set(p.minute, (per = new Map()));
      per.set(p.backend, {ok: p.ok, err: p.err});
    }
    renderRequests();
    scheduleChart();
    loadSession(); // a reconnect may follow a restart, which ends sessions
  });
  es.addEventListener('request', (e) => addRequest(JSON.parse(e.data)));
}

// Once a second: countdowns, relative times; refresh when a cooldown
// ends (no event marks that moment); redraw the chart each minute.
let lastRefresh = 0;
let lastChartMinute = 0;
function tick() {
  let ended = false;
  for (const e of $$('[data-until]')) {
    const ms = Date.parse(e.dataset.until) - Date.now();
    e.textContent = mmss(Math.max(0, ms));
    if (ms <= 0) ended = true;
  }
  for (const e of $$('[data-ago]')) e.textContent = ago(e.dataset.ago);
  if (ended && Date.now() - lastRefresh > 3000) {
    lastRefresh = Date.now();
    fetch('/api/status', {cache: 'no-store'}).then((r) => r.json()).then(onStatus).catch(() => {});
  }
  const m = Math.floor(Date.now() / 60000);
  if (m !== lastChartMinute) {
    lastChartMinute = m;
    scheduleChart();
  }
}

showTab();
window.addEventListener('hashchange', showTab);
window.addEventListener('focus', () => { if (document.body.dataset.tab === 'connect') loadTools(); });
loadSession();
connect();
setInterval(tick, 1000);

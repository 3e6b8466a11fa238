// The Usage tab: tokens and estimated cost from the usage database
// (GET /api/usage), by day, backend, model or key, with a per-day stacked
// tokens chart, each backend's cache hit ratio and a CSV download
// (/api/usage.csv). Read-only: no session needed.
import {$, h, fmtInt, pad} from './ui.js';
import {stackedDaysSVG} from './chart.js';

const RANGES = [7, 30, 90];
const GROUPS = [['day', 'Day'], ['backend', 'Backend'], ['model', 'Model'], ['key', 'Key']];
const KINDS = [
  ['input', 'Input', 'u-in'],
  ['cache_read', 'Cache read', 'u-cr'],
  ['cache_write', 'Cache write', 'u-cw'],
  ['output', 'Output', 'u-out'],
];

const u = {days: 30, group: 'day', seq: 0, last: 0, built: false};

const localDay = (d) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

// range is the picked span as local days, to inclusive.
function range() {
  const to = new Date();
  const from = new Date(to.getFullYear(), to.getMonth(), to.getDate() - (u.days - 1));
  return {from: localDay(from), to: localDay(to)};
}

// compact writes 950, 12.3k, 4.5M.
export function compact(n) {
  n = Number(n) || 0;
  if (n < 1000) return String(Math.round(n));
  for (const [d, suf] of [[1e9, 'B'], [1e6, 'M'], [1e3, 'k']]) {
    if (n >= d) return `${(n / d).toFixed(n / d < 100 ? 1 : 0).replace(/\.0$/, '')}${suf}`;
  }
  return String(n);
}
const pct = (r) => `${(100 * (r || 0)).toFixed(1)}%`;
function usd(x) {
  x = x || 0;
  if (x === 0) return '$0';
  if (x < 0.01) return '<$0.01';
  return '$' + x.toFixed(x < 100 ? 2 : 0);
}
const totalTokens = (t) => t.input + t.output + t.cache_read + t.cache_write;

async function get(params) {
  const r = await fetch('/api/usage?' + new URLSearchParams(params), {cache: 'no-store', credentials: 'same-origin'});
  let data = null;
  try { data = await r.json(); } catch (_) { /* not JSON */ }
  if (!r.ok) throw new Error((data && data.error && data.error.message) || `HTTP ${r.status}`);
  return data;
}

function build() {
  if (u.built) return;
  u.built = true;
  const ranges = h('div', {class: 'seg', role: 'group', 'aria-label': 'Range'},
    RANGES.map((n) => h('button', {class: 'btn btn-small', type: 'button', data: {days: n},
      onclick: () => { u.days = n; loadUsage(true); }}, `${n} days`)));
  const group = h('select', {id: 'usage-group', 'aria-label': 'Group by',
    onchange: (e) => { u.group = e.target.value; loadUsage(true); }},
  GROUPS.map(([v, label]) => h('option', {value: v}, label)));
  const csv = h('a', {id: 'usage-csv', class: 'btn btn-small', download: true, href: '#'}, 'Download CSV');
  $('#usage-controls').replaceChildren(ranges, h('label', {class: 'group-by'}, 'Group by ', group), csv);
}

// loadUsage fetches the report for the picked range and group and draws
// the tab. Without force it runs at most every 5 s (status events call it).
export async function loadUsage(force) {
  build();
  if (!force && Date.now() - u.last < 5000) return;
  u.last = Date.now();
  const seq = ++u.seq;
  const {from, to} = range();
  for (const b of document.querySelectorAll('#usage-controls [data-days]')) {
    b.classList.toggle('btn-primary', Number(b.dataset.days) === u.days);
    b.setAttribute('aria-pressed', String(Number(b.dataset.days) === u.days));
  }
  $('#usage-group').value = u.group;
  $('#usage-csv').href = '/api/usage.csv?' + new URLSearchParams({from, to});
  let byGroup; let byDay; let byBackend;
  try {
    byGroup = await get({from, to, group: u.group});
    if (byGroup.enabled) {
      [byDay, byBackend] = await Promise.all([
        u.group === 'day' ? byGroup : get({from, to, group: 'day'}),
        u.group === 'backend' ? byGroup : get({from, to, group: 'backend'}),
      ]);
    }
  } catch (e) {
    if (seq !== u.seq) return;
    $('#usage-body').replaceChildren(h('p', {class: 'form-error', role: 'alert'}, `Could not read usage: ${e.message}`));
    return;
  }
  if (seq !== u.seq) return; // a newer load is on its way
  draw(byGroup, byDay, byBackend);
}

function draw(rep, byDay, byBackend) {
  const body = $('#usage-body');
  // What is drawn (tests wait on it): the range and grouping shown.
  Object.assign(body.dataset, {from: rep.from || '', to: rep.to || '', group: rep.group || '', enabled: String(!!rep.enabled)});
  const warn = rep.warning ? h('div', {class: 'usage-warn', role: 'alert', id: 'usage-warning'}, rep.warning) : null;
  if (!rep.enabled) {
    $('#usage-controls').hidden = true;
    body.replaceChildren(warn || '', h('section', {class: 'panel', id: 'usage-off'},
      h('h3', null, 'Accounting is off'),
      h('p', {class: 'hint'}, 'Switchyard records no usage. Turn it on with ', h('code', null, 'usage: {enabled: true}'),
        ' in config.yaml and restart.')));
    return;
  }
  $('#usage-controls').hidden = false;
  const t = rep.totals;
  const tile = (id, label, value, sub) => h('div', {class: 'tile', id: 'usage-' + id},
    h('div', {class: 'tile-label'}, label), h('div', {class: 'tile-value'}, value), h('div', {class: 'tile-sub'}, sub || ''));
  const tiles = h('div', {class: 'tiles'},
    tile('requests', 'Requests', fmtInt(t.requests), t.failures ? `${fmtInt(t.failures)} failed` : 'none failed'),
    tile('tokens', 'Tokens', compact(totalTokens(t.tokens)), `${compact(t.tokens.input)} in · ${compact(t.tokens.output)} out`),
    tile('cache', 'Cache hit ratio', pct(t.cache_hit_ratio), `${compact(t.tokens.cache_read)} read from cache`),
    tile('cost', 'Est. cost', usd(t.cost_usd), t.unpriced_requests ? `estimate · ${fmtInt(t.unpriced_requests)} unpriced` : 'estimate from list prices'));
  const dropped = rep.dropped ? h('p', {class: 'hint', id: 'usage-dropped'}, `${fmtInt(rep.dropped)} records were dropped (queue full or a failed write): the totals miss them.`) : null;
  body.replaceChildren(...[warn, dropped, tiles,
    h('div', {class: 'layout'},
      h('section', {class: 'panel col-main'},
        h('div', {class: 'panel-head'}, h('h2', null, 'Tokens per day'), h('span', {class: 'hint'}, `${rep.from} – ${rep.to}`)),
        h('div', {class: 'chart usage-chart', id: 'usage-chart'}, chart(rep, byDay)),
        h('div', {class: 'legend'}, KINDS.map(([, label, cls]) => h('span', {class: 'lg ' + cls}, label)))),
      h('aside', {class: 'panel col-side'},
        h('div', {class: 'panel-head'}, h('h2', null, 'Cache hit ratio'), h('span', {class: 'hint'}, 'per backend')),
        cacheList(byBackend))),
    h('section', {class: 'panel'},
      h('div', {class: 'panel-head'}, h('h2', null, `By ${GROUPS.find(([v]) => v === rep.group)[1].toLowerCase()}`),
        h('span', {class: 'hint'}, 'Costs are estimates from list prices; a model without a price counts as unpriced, not free.')),
      table(rep))].filter(Boolean));
  fillBars();
}

// chart fills every day of the range (days without requests are zero).
function chart(rep, byDay) {
  const rows = new Map(byDay.rows.map((r) => [r.group, r]));
  const days = [];
  const [y, m, d] = rep.from.split('-').map(Number);
  for (let i = 0; ; i++) {
    const day = localDay(new Date(y, m - 1, d + i));
    if (day > rep.to || i > 400) break;
    const r = rows.get(day);
    days.push({day, parts: KINDS.map(([k, label, cls]) => ({cls, label, n: r ? r.tokens[k] : 0}))});
  }
  return stackedDaysSVG(days, compact);
}

function cacheList(byBackend) {
  if (!byBackend.rows.length) return h('p', {class: 'hint'}, 'No requests in this range.');
  return h('ul', {class: 'cache-list', id: 'usage-cache'}, byBackend.rows.map((r) => h('li', {data: {backend: r.group}},
    h('span', {class: 'cache-name'}, r.group),
    h('span', {class: 'cache-bar'}, h('span', {class: 'cache-fill', data: {ratio: r.cache_hit_ratio}})),
    h('span', {class: 'num cache-pct'}, pct(r.cache_hit_ratio)))));
}

function table(rep) {
  const head = ['', 'Requests', 'Failed', 'Input', 'Output', 'Cache read', 'Cache write', 'Reasoning', 'Cache hit', 'Est. cost', 'Unpriced'];
  head[0] = GROUPS.find(([v]) => v === rep.group)[1];
  const row = (label, r, cls) => h('tr', {class: cls, data: {group: label}},
    h('td', null, label),
    [r.requests, r.failures, r.tokens.input, r.tokens.output, r.tokens.cache_read, r.tokens.cache_write, r.tokens.reasoning]
      .map((n) => h('td', {class: 'num'}, fmtInt(n))),
    h('td', {class: 'num'}, pct(r.cache_hit_ratio)),
    !r.cost_usd && r.unpriced_requests ? h('td', {class: 'num', title: 'no price for these models'}, '—') :
      h('td', {class: 'num', title: 'estimate'}, usd(r.cost_usd), h('span', {class: 'est'}, ' est.')),
    h('td', {class: 'num'}, fmtInt(r.unpriced_requests)));
  const rows = rep.group === 'day' ? [...rep.rows].reverse() : rep.rows;
  return h('div', {class: 'table-wrap usage-wrap'}, h('table', {class: 'requests usage-table', id: 'usage-table'},
    h('thead', null, h('tr', null, head.map((x, i) => h('th', {class: i ? 'num' : null}, x)))),
    h('tbody', null, rows.length ? rows.map((r) => row(r.group, r)) :
      h('tr', {class: 'empty'}, h('td', {colspan: head.length}, 'No requests in this range.'))),
    rows.length ? h('tfoot', null, row('Total', rep.totals, 'total')) : null));
}

// fillBars sets the cache bars' widths (the CSP allows no inline style
// attributes, but CSSOM writes are fine).
function fillBars() {
  for (const e of document.querySelectorAll('#usage-cache .cache-fill')) e.style.width = `${Math.round(100 * Number(e.dataset.ratio))}%`;
}

// loadToday fills the header's "Today: N requests · M tokens" from
// GET /api/usage/today, at most every 10 s; hidden with accounting off.
let todayAt = 0;
export async function loadToday() {
  if (Date.now() - todayAt < 10000) return;
  todayAt = Date.now();
  const el = $('#today');
  try {
    const r = await fetch('/api/usage/today', {cache: 'no-store', credentials: 'same-origin'});
    const t = r.ok ? await r.json() : null;
    if (!t || !t.enabled) {
      el.hidden = true;
      return;
    }
    el.textContent = `Today: ${fmtInt(t.requests)} request${t.requests === 1 ? '' : 's'} · ${compact(totalTokens(t.tokens))} tokens`;
    el.title = t.cost_usd ? `Estimated cost today: ${usd(t.cost_usd)}` : '';
    el.hidden = false;
  } catch (_) {
    el.hidden = true;
  }
}

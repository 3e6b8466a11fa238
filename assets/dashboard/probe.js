// Endpoint health checks in the backends view: each endpoint's last check
// (the periodic check of a backend with probe: true, or a Test) with its
// age, and a Test button that sends one tiny real completion through
// POST /api/backends/{id}/test?url=… and shows latency, HTTP status, the
// model that answered, or the error. Text is set as text, never as HTML.
import {h, fmtDur, ago, toast} from './ui.js';

const pending = new Set(); // "id\nurl" under test
const fresh = new Map(); // "id\nurl\nkey" -> a Test's result, until the status carries it

const pairKey = (id, url) => id + '\n' + url;

// probeCell is the endpoint row's health cell. opts: {editable, periodic,
// api, rerender}: periodic says the backend has probe: true; api(method,
// path, body) is the dashboard's API call; rerender() redraws the
// backends view.
export function probeCell(b, ep, opts) {
  const k = pairKey(b.id, ep.base_url);
  let p = ep.probe;
  const r = fresh.get(k + '\n' + ep.key);
  if (r && (!p || Date.parse(r.at) >= Date.parse(p.at))) p = r;
  const busy = pending.has(k);
  const btn = h('button', {
    class: 'btn btn-quiet btn-test', type: 'button', disabled: !opts.editable || busy,
    title: opts.editable ? 'Send one tiny completion to this endpoint' : 'Read-only: open the dashboard from the tray to test',
    onclick: () => runTest(b.id, ep.base_url, opts),
  }, busy ? 'Testing…' : 'Test');
  return h('td', {class: 'ep-probe', data: {probe: p ? (p.ok ? 'ok' : 'failed') : 'none'}},
    h('div', {class: 'probe-row'}, summary(p, opts.periodic), btn));
}

function summary(p, periodic) {
  if (!p) {
    return h('div', {class: 'probe muted', title: periodic ? 'Not checked yet: checked every probe_interval'
      : 'Not checked yet: no periodic check (probe: false); use Test'}, '—');
  }
  const what = p.kind === 'completion' ? 'Test' : 'Check';
  const facts = [];
  if (p.status) facts.push(h('span', {class: 'probe-status'}, `HTTP ${p.status}`));
  if (p.status || p.ok) facts.push(h('span', {class: 'probe-latency'}, p.latency_ms ? fmtDur(p.latency_ms) : '< 1 ms'));
  if (p.model) facts.push(h('code', {class: 'probe-model'}, p.model));
  const sep = (xs) => xs.flatMap((x, i) => (i ? [' · ', x] : [x]));
  return h('div', {class: 'probe'},
    h('span', {class: p.ok ? 'probe-ok' : 'probe-bad'}, p.ok ? `${what} OK` : `${what} failed`), ' · ',
    h('span', {class: 'probe-age', data: {ago: p.at}, title: new Date(p.at).toLocaleString()}, ago(p.at)),
    facts.length ? h('div', {class: 'probe-facts'}, sep(facts)) : null,
    p.error ? h('div', {class: 'probe-error ep-err', title: p.error}, p.error) : null);
}

async function runTest(id, url, opts) {
  const k = pairKey(id, url);
  if (pending.has(k)) return;
  pending.add(k);
  opts.rerender();
  try {
    const data = await opts.api('POST', `/api/backends/${encodeURIComponent(id)}/test?url=${encodeURIComponent(url)}`, {});
    for (const r of (data && data.results) || []) fresh.set(pairKey(r.backend, r.base_url) + '\n' + r.key, r);
    const bad = ((data && data.results) || []).filter((r) => !r.ok);
    if (bad.length) toast(`Test failed: ${bad[0].error || 'HTTP ' + bad[0].status}`, 'error');
  } catch (e) {
    toast(`Test not sent: ${e.message}`, 'error');
  } finally {
    pending.delete(k);
    opts.rerender();
  }
}

// Quota: each key's remaining balance on a backend card, as /api/status
// reports it (backends[].keys[].quota; null = unknown), and the refresh
// button (POST /api/quota/refresh, an /api write). Text is set with text
// nodes only.
import {h, ago} from './ui.js';

// left says what a balance has left: "$0.40 left", "12 requests left",
// "unlimited", "unknown".
export function left(q) {
  if (!q || !q.fetched) return 'unknown';
  if (q.unlimited) return 'unlimited';
  if (q.unit === 'USD') return `$${q.remaining.toFixed(2)} left`;
  return `${q.remaining} ${q.unit || ''} left`.replace('  ', ' ');
}

// level is a key's quota class: ok, low, empty, refused or unknown.
export function level(q) {
  if (q && q.refused) return 'refused';
  if (!q || !q.fetched) return 'unknown';
  if (q.empty) return 'empty';
  return q.low ? 'low' : 'ok';
}

function title(q) {
  if (!q) return 'This backend serves no balance endpoint (or it was not read yet)';
  const parts = [];
  if (q.fetched) {
    parts.push(q.unlimited ? 'Unlimited quota' : `${q.remaining} of ${q.limit || '?'} ${q.unit} left, ${q.used} used`);
    parts.push(`read ${ago(q.fetched)}`);
  }
  if (q.error) parts.push(`last read failed: ${q.error}`);
  if (q.low || q.empty) parts.push('tried after the keys with quota');
  return parts.join(' · ');
}

// quotaView is the "Quota" fact of a backend card: one line per key, and
// a refresh button when editing is unlocked.
export function quotaView(b, {editable, refresh}) {
  const keys = b.keys || [];
  const lines = keys.map((k) => {
    const q = k.quota;
    const lv = level(q);
    return h('span', {class: 'quota q-' + lv, title: title(q), data: {key: k.key, level: lv}},
      k.key ? h('code', null, k.key) : h('span', {class: 'muted'}, 'no key'), ' ',
      lv === 'refused' ? 'refused' : left(q),
      lv === 'low' || lv === 'empty' ? [' ', h('span', {class: 'tag tag-warn'}, lv)] : null);
  });
  if (!lines.length) lines.push(h('span', {class: 'muted'}, 'no key'));
  const btn = h('button', {class: 'btn btn-quiet quota-refresh', type: 'button', disabled: !editable,
    title: editable ? 'Read the balances now' : 'Read-only: open the dashboard from the tray to refresh',
    onclick: async () => {
      btn.disabled = true;
      try { await refresh(); } finally { btn.disabled = !editable; }
    }}, 'Refresh');
  return [...lines, btn];
}

// The "last hour" chart: per backend, thirty two-minute bars of answered
// requests, failovers away from it and errors, as an inline SVG. A pure
// function of its inputs; no library.
import {s, pad, truncate} from './ui.js';

export const SLOTS = 30;
export const SLOT_MIN = 2;

// chartSVG draws backends (from /api/status, in priority order) over the
// hour ending at nowMs. activity maps a Unix minute to a Map of backend id
// → {ok, err}; failovers is /api/status's list.
export function chartSVG(backends, activity, failovers, nowMs) {
  const nowMin = Math.floor(nowMs / 60000);
  const startMin = nowMin - SLOTS * SLOT_MIN + 1;
  const rows = backends.map((b) => ({b, ok: new Array(SLOTS).fill(0), fo: new Array(SLOTS).fill(0), err: new Array(SLOTS).fill(0)}));
  const byId = new Map(rows.map((r) => [r.b.id, r]));
  const slotOf = (min) => Math.floor((min - startMin) / SLOT_MIN);
  for (const [m, per] of activity) {
    const i = slotOf(m);
    if (i < 0 || i >= SLOTS) continue;
    for (const [id, c] of per) {
      const r = byId.get(id);
      if (r) { r.ok[i] += c.ok; r.err[i] += c.err; }
    }
  }
  for (const f of failovers) {
    const i = slotOf(Math.floor(Date.parse(f.time) / 60000));
    const r = byId.get(f.from);
    if (r && i >= 0 && i < SLOTS) r.fo[i]++;
  }
  let max = 1; let total = 0; let totalFo = 0;
  for (const r of rows) {
    for (let i = 0; i < SLOTS; i++) {
      max = Math.max(max, r.ok[i] + r.fo[i] + r.err[i]);
      total += r.ok[i];
      totalFo += r.fo[i];
    }
  }

  const W = 328; const LABEL = 92; const ROW = 38; const BAR_H = 24; const TOP = 4;
  const plotW = W - LABEL; const slotW = plotW / SLOTS; const barW = Math.max(2, slotW - 2);
  const H = TOP + rows.length * ROW + 16;
  const g = [];
  rows.forEach((r, ri) => {
    const y0 = TOP + ri * ROW;
    const base = y0 + 6 + BAR_H;
    const sumOk = r.ok.reduce((a, b) => a + b, 0);
    const sumFo = r.fo.reduce((a, b) => a + b, 0);
    const sumErr = r.err.reduce((a, b) => a + b, 0);
    g.push(s('text', {class: 'row-label', x: 0, y: y0 + 17}, truncate(r.b.name || r.b.id, 13)));
    g.push(s('text', {class: 'row-sub', x: 0, y: y0 + 31},
      `${sumOk} ok${sumFo ? ` · ${sumFo} fo` : ''}${sumErr ? ` · ${sumErr} err` : ''}`));
    for (let i = 0; i < SLOTS; i++) {
      const x = LABEL + i * slotW + 1;
      const parts = [['b-ok', r.ok[i]], ['b-fo', r.fo[i]], ['b-err', r.err[i]]];
      const from = new Date((startMin + i * SLOT_MIN) * 60000);
      const tip = `${pad(from.getHours())}:${pad(from.getMinutes())} · ${r.b.name || r.b.id}: ${r.ok[i]} answered, ${r.fo[i]} failed over, ${r.err[i]} errors`;
      g.push(s('rect', {class: 'slot', x: x.toFixed(1), y: base - BAR_H, width: barW.toFixed(1), height: BAR_H, rx: 1.5},
        s('title', null, tip)));
      let y = base;
      for (const [cls, n] of parts) {
        if (!n) continue;
        const hgt = Math.max(2, (n / max) * BAR_H);
        y -= hgt;
        g.push(s('rect', {class: cls, x: x.toFixed(1), y: y.toFixed(1), width: barW.toFixed(1), height: hgt.toFixed(1), rx: 1.5},
          s('title', null, tip)));
      }
    }
  });
  const axisY = H - 3;
  g.push(s('text', {class: 'axis', x: LABEL, y: axisY}, '60 min ago'));
  g.push(s('text', {class: 'axis', x: LABEL + plotW / 2, y: axisY, 'text-anchor': 'middle'}, '30'));
  g.push(s('text', {class: 'axis', x: W, y: axisY, 'text-anchor': 'end'}, 'now'));
  const svg = s('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img',
    'aria-label': 'Answered requests, failovers and errors per backend over the last hour'}, g);
  return {svg, answered: total, failedOver: totalFo};
}


// stackedDaysSVG draws one stacked bar per day (the Usage tab's tokens
// chart). days is [{day: 'YYYY-MM-DD', parts: [{cls, n, label}]}], oldest
// first; every bar has the same parts in the same order, bottom up.
export function stackedDaysSVG(days, fmt) {
  const W = 720; const H = 180; const LEFT = 52; const RIGHT = 16; const BOTTOM = 18; const TOP = 6;
  const plotW = W - LEFT - RIGHT; const plotH = H - BOTTOM - TOP;
  let max = 0;
  for (const d of days) max = Math.max(max, d.parts.reduce((a, p) => a + p.n, 0));
  const top = niceCeil(max);
  const slotW = plotW / Math.max(1, days.length);
  const barW = Math.max(2, Math.min(28, slotW - 2));
  const g = [];
  for (const f of [0, 0.5, 1]) {
    const y = TOP + plotH - f * plotH;
    g.push(s('line', {class: 'grid', x1: LEFT, x2: W - RIGHT, y1: y.toFixed(1), y2: y.toFixed(1)}));
    g.push(s('text', {class: 'axis', x: LEFT - 6, y: (y + 3.5).toFixed(1), 'text-anchor': 'end'}, fmt(top * f)));
  }
  days.forEach((d, i) => {
    const x = LEFT + i * slotW + (slotW - barW) / 2;
    const total = d.parts.reduce((a, p) => a + p.n, 0);
    const tip = `${d.day}: ${fmt(total)} tokens` + d.parts.map((p) => ` · ${p.label} ${fmt(p.n)}`).join('');
    let y = TOP + plotH;
    g.push(s('rect', {class: 'slot', x: x.toFixed(1), y: TOP, width: barW.toFixed(1), height: plotH, rx: 1.5}, s('title', null, tip)));
    for (const p of d.parts) {
      if (!p.n || !top) continue;
      const hgt = Math.max(1.5, (p.n / top) * plotH);
      y -= hgt;
      g.push(s('rect', {class: p.cls, x: x.toFixed(1), y: y.toFixed(1), width: barW.toFixed(1), height: hgt.toFixed(1)}, s('title', null, tip)));
    }
  });
  const every = Math.ceil(days.length / 8);
  days.forEach((d, i) => {
    if ((days.length - 1 - i) % every) return;
    const x = LEFT + i * slotW + slotW / 2;
    g.push(s('text', {class: 'axis', x: x.toFixed(1), y: H - 4, 'text-anchor': 'middle'}, d.day.slice(5)));
  });
  return s('svg', {viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': 'Tokens per day, stacked by kind'}, g);
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten.
function niceCeil(n) {
  if (n <= 0) return 0;
  const p = Math.pow(10, Math.floor(Math.log10(n)));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

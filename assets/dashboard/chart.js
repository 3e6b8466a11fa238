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


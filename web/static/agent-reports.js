// Reports view of the agent console (#/reports; supervisors and admins) and the CSAT panel
// of the ticket page. Every report comes from GET /api/v1/reports/<name> in the shared shape
// (docs/reports.md) and is drawn by the small SVG code below (no chart library; the CSP
// allows no inline script). Each chart's data can be downloaded as CSV (?format=csv, the same
// columns and rows). Reports served by other modules (sla, complaints) appear when their
// server route exists; a 404 says "not available" and nothing is made up.

import * as api from './api.js';
import { h, parseHash, select, flashBox } from './ui.js';

export const REPORTS = [
  'volume-channel', 'volume-department', 'first-reply', 'resolution', 'backlog', 'csat',
  'deflection', 'sla', 'complaints', 'incidents',
];
const TITLES = { sla: 'SLA compliance', complaints: 'Complaint step timings', incidents: 'Contacts per incident' };
const COLORS = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#4b5563'];
const NS = 'http://www.w3.org/2000/svg';
const W = 640;
const H = 240;
const PAD = { l: 44, r: 16, t: 22, b: 30 };
const SVG_STYLE = 'display:block;width:100%;max-width:720px;height:auto';

export const canSeeReports = (u) => !!u && (u.role === 'supervisor' || u.role === 'admin');

function s(tag, attrs, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  return el;
}

/** A round upper bound for the y axis: 1, 2, 5 × 10^k at or above max. */
export function niceMax(max) {
  if (!(max > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function frame(r, ymax) {
  const g = s('g', { class: 'axes', 'font-size': 11, fill: '#4b5563' });
  const y0 = H - PAD.b;
  for (const f of [0, 0.5, 1]) {
    const y = y0 - f * (y0 - PAD.t);
    g.append(s('line', { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, stroke: '#e5e7eb' }),
      s('text', { x: PAD.l - 6, y: y + 4, 'text-anchor': 'end' }, String(Math.round(ymax * f * 100) / 100)));
  }
  g.append(s('text', { x: 4, y: 12, 'font-size': 11 }, r.unit));
  return g;
}

function lineChart(r) {
  const series = r.columns.slice(1);
  const rows = r.rows;
  const ymax = niceMax(Math.max(0, ...rows.flatMap((row) => row.slice(1).map(num).filter((v) => v !== null))));
  const y0 = H - PAD.b;
  const x = (i) => PAD.l + (rows.length <= 1 ? (W - PAD.l - PAD.r) / 2 : (i * (W - PAD.l - PAD.r)) / (rows.length - 1));
  const y = (v) => y0 - (v / ymax) * (y0 - PAD.t);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', class: 'report-chart', 'aria-label': r.title, 'data-chart': 'line', style: SVG_STYLE });
  svg.append(frame(r, ymax));
  const labels = s('g', { 'font-size': 11, fill: '#4b5563', 'text-anchor': 'middle' });
  const picks = new Set([0, Math.floor((rows.length - 1) / 2), rows.length - 1]);
  for (const i of picks) {
    const anchor = rows.length > 1 && i === 0 ? 'start' : rows.length > 1 && i === rows.length - 1 ? 'end' : 'middle';
    if (rows[i]) labels.append(s('text', { x: x(i), y: H - 10, 'text-anchor': anchor }, String(rows[i][0])));
  }
  svg.append(labels);
  series.forEach((name, k) => {
    const color = COLORS[k % COLORS.length];
    let d = '';
    let pen = false;
    const dots = s('g', { fill: color });
    rows.forEach((row, i) => {
      const v = num(row[k + 1]);
      if (v === null) { pen = false; return; }
      d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
      dots.append(s('circle', { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: rows.length > 60 ? 1.5 : 3 },
        s('title', null, `${row[0]} · ${name}: ${v}`)));
    });
    svg.append(s('path', { d: d || 'M0,0', fill: 'none', stroke: color, 'stroke-width': 2, class: 'series', 'data-series': name }), dots);
  });
  return svg;
}

function barChart(r) {
  const series = r.columns.slice(1);
  const rows = r.rows;
  const ymax = niceMax(Math.max(0, ...rows.flatMap((row) => row.slice(1).map(num).filter((v) => v !== null))));
  const y0 = H - PAD.b;
  const slot = (W - PAD.l - PAD.r) / Math.max(1, rows.length);
  const bw = Math.max(2, (slot * 0.7) / Math.max(1, series.length));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, width: '100%', role: 'img', class: 'report-chart', 'aria-label': r.title, 'data-chart': 'bar', style: SVG_STYLE });
  svg.append(frame(r, ymax));
  rows.forEach((row, i) => {
    const left = PAD.l + i * slot + slot * 0.15;
    series.forEach((name, k) => {
      const v = num(row[k + 1]) || 0;
      const hgt = (v / ymax) * (y0 - PAD.t);
      svg.append(s('rect', { x: (left + k * bw).toFixed(1), y: (y0 - hgt).toFixed(1), width: (bw - 1).toFixed(1), height: hgt.toFixed(1), fill: COLORS[k % COLORS.length], class: 'bar' },
        s('title', null, `${row[0]} · ${name}: ${v}`)));
    });
    svg.append(s('text', { x: (PAD.l + i * slot + slot / 2).toFixed(1), y: H - 10, 'text-anchor': 'middle', 'font-size': 11, fill: '#4b5563' }, String(row[0])));
  });
  return svg;
}

function dataTable(r) {
  return h('table', { class: 'table report-table' },
    h('thead', null, h('tr', null, r.columns.map((c) => h('th', { scope: 'col', text: String(c) })))),
    h('tbody', null, r.rows.map((row) => h('tr', null, row.map((v) => h('td', { text: v === null ? '—' : String(v) }))))));
}

function legend(r) {
  if (r.chart === 'table' || r.columns.length <= 2) return null;
  return h('ul', { class: 'report-legend', style: 'list-style:none;display:flex;flex-wrap:wrap;gap:4px 14px;padding:0;margin:6px 0 0' }, r.columns.slice(1).map((c, k) =>
    h('li', null, s('svg', { width: 12, height: 12, 'aria-hidden': 'true' }, s('rect', { width: 12, height: 12, fill: COLORS[k % COLORS.length] })), ' ' + c)));
}

function queryString(q, extra = {}) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...extra })) if (v) p.set(k, v);
  return p.toString();
}

async function reportCard(name, q) {
  const card = h('section', { class: 'card report-card', 'data-report': name });
  let r;
  try {
    r = await api.get(`/reports/${name}`, q);
  } catch (e) {
    card.append(h('h2', { class: 'h3', text: TITLES[name] || name }),
      h('p', { class: 'muted', 'data-testid': 'not-available', text: e.status === 404 ? 'Not available on this server.' : `Could not load: ${e.message}` }));
    return card;
  }
  const chart = r.chart === 'bar' ? barChart(r) : r.chart === 'line' ? lineChart(r) : dataTable(r);
  const csv = `/api/v1/reports/${name}?${queryString(q, { format: 'csv' })}`;
  card.append(...[
    h('div', { class: 'report-head', style: 'display:flex;justify-content:space-between;align-items:center;gap:8px' },
      h('h2', { class: 'h3', text: r.title }),
      h('a', { class: 'btn btn-ghost btn-sm', href: csv, download: `${name}.csv`, 'data-testid': 'csv', text: 'Download CSV' })),
    r.note ? h('p', { class: 'muted report-note', style: 'font-size:13px', text: r.note }) : null,
    chart, legend(r),
    r.chart === 'table' ? null : h('details', null, h('summary', { text: 'Data' }), dataTable(r)),
  ].filter(Boolean));
  return card;
}

export async function reportsView() {
  const q = {};
  const hq = parseHash().query;
  for (const k of ['from', 'to', 'department']) if (hq.get(k)) q[k] = hq.get(k);
  let depts = [];
  try { depts = (await api.departments()).departments || []; } catch { /* the filter is optional */ }
  const from = h('input', { type: 'date', name: 'from', value: q.from || '' });
  const to = h('input', { type: 'date', name: 'to', value: q.to || '' });
  const dept = select('department', [['', 'All departments'], ...depts.map((d) => [d.slug, d.name])], q.department || '');
  from.id = 'rep-from'; to.id = 'rep-to'; dept.id = 'rep-dept';
  dept.style.width = 'auto';
  const form = h('form', { class: 'report-filters', 'aria-label': 'Report period', style: 'display:flex;flex-wrap:wrap;align-items:center;gap:6px 8px;margin:0 0 16px' },
    h('label', { for: 'rep-from', text: 'From ' }), from, h('label', { for: 'rep-to', text: ' To ' }), to,
    h('label', { for: 'rep-dept', text: ' Department ' }), dept, ' ',
    h('button', { type: 'submit', class: 'btn btn-secondary btn-sm', text: 'Apply' }));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = '#/reports?' + queryString({ from: from.value, to: to.value, department: dept.value });
  });
  const cards = await Promise.all(REPORTS.map((n) => reportCard(n, q)));
  return h('section', { class: 'reports-page' },
    h('h1', { text: 'Reports' }),
    h('p', { class: 'muted', text: 'Daily figures (UTC days); the default period is the last 30 days. Each chart says how its times are measured.' }),
    form,
    h('div', { class: 'report-grid', style: 'display:grid;grid-template-columns:repeat(auto-fit,minmax(min(100%,520px),1fr));gap:16px;align-items:start' }, cards));
}

/** The customer's rating on the agent's ticket page. */
export function csatPanel(t) {
  const card = h('section', { class: 'card', 'data-testid': 'csat-panel' }, h('h2', { class: 'h3', text: 'Satisfaction' }));
  const body = h('p', { class: 'muted', text: 'Loading…' });
  card.append(body);
  api.get(`/tickets/${encodeURIComponent(t.reference)}/csat`).then((c) => {
    if (c.rating) {
      body.className = 'csat-rating';
      body.textContent = `${'★'.repeat(c.rating)}${'☆'.repeat(5 - c.rating)} ${c.rating}/5`;
      if (c.comment) card.append(h('blockquote', { class: 'csat-comment', text: c.comment }));
    } else {
      body.textContent = c.survey_sent_at ? 'Survey sent; no answer yet.' : c.eligible ? 'Not rated.' : 'Asked once the ticket is solved.';
    }
  }, (e) => { body.replaceWith(flashBox(e.message, 'error')); });
  return card;
}

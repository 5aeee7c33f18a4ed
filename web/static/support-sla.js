// Customer portal: "Expect our reply by …" on a ticket page, from GET /tickets/{ref}/sla,
// which tells a customer only that (no targets, breaches or escalations; see docs/sla.md).
// Nothing is shown when there is no running reply target (paused, answered, or overdue).

import * as api from './api.js';
import { h } from './ui.js';

const main = document.getElementById('main');

async function decorate(page) {
  page.dataset.sla = '1';
  const ref = (page.querySelector('.ticket-head .mono') || {}).textContent;
  const head = page.querySelector('.ticket-head');
  if (!ref || !head) return;
  let res;
  try { res = await api.get(`/tickets/${encodeURIComponent(ref)}/sla`); } catch { return; }
  if (!res || !res.expected_reply_by || !page.isConnected) return;
  const when = new Date(res.expected_reply_by);
  head.appendChild(h('p', { class: 'muted sla-expect', 'data-testid': 'expected-reply' },
    'Expect our reply by ', h('time', { datetime: res.expected_reply_by, text: when.toLocaleString() }), '.'));
}

if (main) {
  new MutationObserver(() => {
    for (const p of main.querySelectorAll('.ticket-page:not([data-sla])')) decorate(p);
  }).observe(main, { childList: true, subtree: true });
}

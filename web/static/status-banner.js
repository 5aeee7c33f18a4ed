// The incident banner for the portal's new-ticket form and the chat widget: what is going
// wrong right now ("BTC withdrawals are delayed; we are on it"), shown before the customer
// writes. Reads GET /api/v1/status/banner (public); text enters the page through textContent
// only. The /help pages render the same banner on the server (no JavaScript needed).

import { h } from './ui.js';

/**
 * Returns an element that fills itself with the live incidents (and stays empty and hidden
 * when all is well). surface ('portal' | 'chat') is sent so that views can be counted for the
 * incident report.
 */
export function statusBanner(surface) {
  const el = h('div', { class: 'status-banners', role: 'region', 'aria-label': 'Service status', hidden: true, 'data-testid': `status-banner-${surface}` });
  fetch(`/api/v1/status/banner?surface=${encodeURIComponent(surface)}`, { credentials: 'same-origin', cache: 'no-store', headers: { Accept: 'application/json' } })
    .then((res) => (res.ok ? res.json() : null))
    .then((data) => {
      const list = (data && data.incidents) || [];
      if (!list.length) return;
      el.replaceChildren(...list.map((inc) => h('div', {
        class: `status-banner${inc.kind === 'maintenance' ? ' status-banner-maintenance' : ''}`,
        dataset: { incident: String(inc.id) },
      }, h('strong', { text: inc.title }), ' ', h('span', { class: 'status-banner-text', text: inc.message }), ' ',
      h('a', { href: `/status#incident-${Number(inc.id)}`, target: '_blank', rel: 'noopener', text: 'Status page' }))));
      el.hidden = false;
    })
    .catch(() => { /* no banner is better than a broken form */ });
  return el;
}

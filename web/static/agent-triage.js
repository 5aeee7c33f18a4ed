// Agent console: the learned-triage panel of a ticket (docs/triage.md). Shows the
// department the classifier suggested with its probability (and whether it was applied
// automatically), an "Apply" button when the ticket is elsewhere, and the top-3 intents
// with their probabilities and the help-center article written for each.
import * as api from './api.js';
import { h } from './ui.js';

const pct = (p) => `${Math.round(p * 100)}%`;
const INTENT_LABEL = (s) => s.replace(/_/g, ' ');

/**
 * Returns the panel at once and fills it when the suggestion arrives. `t` is the ticket,
 * `deptName(slug)` names a department, `rerender()` reloads the ticket view after an apply.
 */
export function triagePanel(t, deptName, rerender) {
  const body = h('div', { class: 'triage-body' }, h('p', { class: 'muted', text: 'Loading…' }));
  const panel = h('section', { class: 'card triage-panel', 'data-testid': 'triage' },
    h('h2', { class: 'h3', text: 'Triage suggestion' }), body);
  api.get(`/tickets/${encodeURIComponent(t.reference)}/triage`).then(
    (s) => fill(body, t, s, deptName, rerender),
    (e) => {
      body.replaceChildren(h('p', { class: 'muted', text: e.status === 404 ? 'No suggestion: no model was trained when this ticket arrived.' : e.message }));
    });
  return panel;
}

function fill(body, t, s, deptName, rerender) {
  const parts = [];
  if (s.department) {
    const d = s.department;
    const line = h('p', { class: 'triage-dept' },
      h('strong', { text: deptName(d.slug) }), ' ',
      h('span', { class: 'triage-p', title: 'calibrated probability', text: pct(d.p) }));
    parts.push(line);
    if (s.auto_applied) {
      parts.push(h('p', { class: 'muted', text: `Applied automatically (at or above ${pct(s.threshold)}).` }));
    } else if (s.applied) {
      parts.push(h('p', { class: 'muted', text: 'Applied by an agent.' }));
    } else if (d.slug !== t.department && t.status !== 'closed') {
      const err = h('p', { class: 'form-error', role: 'alert', hidden: true });
      const btn = h('button', { type: 'button', class: 'btn btn-small', text: `Apply: move to ${deptName(d.slug)}` });
      btn.addEventListener('click', async () => {
        err.hidden = true;
        btn.disabled = true;
        try {
          await api.post(`/tickets/${encodeURIComponent(t.reference)}/triage/apply`);
          await rerender();
        } catch (e) {
          err.textContent = e.message;
          err.hidden = false;
          btn.disabled = false;
        }
      });
      parts.push(h('p', { class: 'muted', text: `Below the ${pct(s.threshold)} needed to move it automatically.` }), btn, err);
    } else {
      parts.push(h('p', { class: 'muted', text: 'Matches the current department.' }));
    }
  }
  if ((s.intents || []).length) {
    parts.push(h('h3', { class: 'h4', text: 'Likely intents' }));
    parts.push(h('ol', { class: 'triage-intents' }, s.intents.map((i) => h('li', null,
      h('span', { text: INTENT_LABEL(i.intent) }), ' ',
      h('span', { class: 'triage-p', text: pct(i.p) }),
      i.article ? h('div', null, h('a', { href: i.article.url, target: '_blank', rel: 'noopener', text: i.article.title })) : null))));
  }
  body.replaceChildren(...(parts.length ? parts : [h('p', { class: 'muted', text: 'No suggestion.' })]));
}

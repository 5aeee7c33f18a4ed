// The authentication badge row on an inbound email message (agents only): DKIM, SPF and
// DMARC verdicts as the server stored them (docs/mail.md). Text only, no innerHTML.

const GOOD = new Set(['pass']);
const BAD = new Set(['fail', 'softfail', 'permerror']);

function badge(label, result, detail) {
  const el = document.createElement('span');
  const state = GOOD.has(result) ? 'pass' : BAD.has(result) ? 'fail' : 'none';
  el.className = 'auth-badge auth-' + state;
  el.textContent = `${label} ${result}` + (detail ? ` (${detail})` : '');
  el.title = `${label}: ${result}${detail ? ' — ' + detail : ''}`;
  return el;
}

/** A row of DKIM / SPF / DMARC badges for m.mail_auth, or null when there is none. */
export function mailAuthRow(a) {
  if (!a || typeof a !== 'object') return null;
  const row = document.createElement('div');
  row.className = 'auth-row';
  row.setAttribute('aria-label', 'Email authentication');
  row.appendChild(badge('DKIM', a.dkim, a.dkim_domain));
  row.appendChild(badge('SPF', a.spf, a.spf_domain));
  row.appendChild(badge('DMARC', a.dmarc, a.dmarc_policy ? 'p=' + a.dmarc_policy : a.from_domain));
  if (a.dmarc === 'fail' || (a.dkim === 'fail' && a.spf === 'fail')) {
    const warn = document.createElement('span');
    warn.className = 'auth-warning';
    warn.textContent = 'Sender not verified — the From address may be forged.';
    row.appendChild(warn);
  }
  return row;
}

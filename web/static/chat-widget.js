// Frontdesk live-chat widget for customers: a floating "Chat with us" button on /support and the
// help center. docs/chat.md is the contract (REST + WebSocket). Server text enters the page only
// through textContent (the h() helper), never innerHTML.
//
// Flow: topic → availability → (online) first message [+ email/name for visitors] with help
// articles suggested while typing → POST /chat → WebSocket (hello with last_seq) → queue position
// → messages, typing, read receipts, attachments → end → rating + transcript.
// (offline) "Leave a message" → POST /chat/leave-message → ticket reference.
//
// Also exports ChatSocket (used by the agent console): one WebSocket that reconnects with
// exponential backoff and lets its owner re-subscribe from the last seq it has seen.

import * as api from './api.js';
import { h, mount, errorBox, snippetNodes, helpArticleHref, safeUrl, formatSize, checkFiles, ALLOWED_TYPES } from './ui.js';
import { expectationHint } from './csat.js';
import { statusBanner } from './status-banner.js';

const STORE_KEY = 'fd-chat';
const DEFLECT_MIN_WORDS = 3;
const DEFLECT_DEBOUNCE_MS = 450;
const TYPING_EVERY_MS = 2000;
const TYPING_SHOW_MS = 4000;

// --- shared helpers (also used by agent-chat.js) -------------------------------------------------

/** ms since epoch from an ISO string or a number (seconds or ms). */
export function toMs(t) {
  if (typeof t === 'number') return t < 1e12 ? t * 1000 : t;
  const n = Date.parse(t);
  return isNaN(n) ? Date.now() : n;
}

const clock = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
export function clockTime(t) { return clock.format(new Date(toMs(t))); }

/** "about 3 min", "less than a minute". */
export function waitText(s) {
  const n = Number(s);
  if (!(n > 0)) return 'any moment now';
  if (n < 60) return 'less than a minute';
  const m = Math.round(n / 60);
  if (m < 60) return `about ${m} min`;
  const hrs = Math.floor(m / 60);
  return `about ${hrs} h ${m % 60 ? (m % 60) + ' min' : ''}`.trim();
}

export function newClientId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
}

/** Link for a chat attachment (only our own attachment URLs), or null. */
export function attachmentLink(att, token) {
  if (!att || typeof att !== 'object') return null;
  const id = att.id ?? att.attachment_id;
  let href = safeUrl(att.url, id != null && /^[A-Za-z0-9_-]+$/.test(String(id)) ? `/api/v1/attachments/${encodeURIComponent(id)}` : null);
  if (!href) return null;
  if (token) href += `?token=${encodeURIComponent(token)}`;
  return h('a', { class: 'fdc-att', href, target: '_blank', rel: 'noopener', download: att.filename || true },
    h('span', { class: 'fdc-att-icon', 'aria-hidden': 'true', text: '📎' }),
    h('span', { class: 'fdc-att-name', text: att.filename || 'attachment' }),
    att.size ? h('span', { class: 'fdc-att-size', text: formatSize(att.size) }) : null);
}

export function wsUrl(query) {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
  const qs = query ? new URLSearchParams(query).toString() : '';
  return `${proto}//${location.host}/api/v1/chat/ws${qs ? '?' + qs : ''}`;
}

/**
 * One WebSocket with automatic reconnect (exponential backoff 1 s → 30 s, with jitter).
 * opts: {url: () => string, onOpen(sock), onEvent(obj), onStatus('connecting'|'open'|'closed')}.
 * send() returns false while the socket is not open (callers keep what they could not send and
 * re-send it from onOpen).
 */
export class ChatSocket {
  constructor(opts) {
    this.opts = opts;
    this.ws = null;
    this.attempt = 0;
    this.timer = null;
    this.stopped = false;
    this.lastClose = null;
    this.connect();
  }

  get open() { return !!this.ws && this.ws.readyState === WebSocket.OPEN; }

  connect() {
    clearTimeout(this.timer);
    this.timer = null;
    if (this.stopped) return;
    this.status('connecting');
    let ws;
    try {
      ws = new WebSocket(this.opts.url());
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.addEventListener('open', () => {
      if (this.ws !== ws) return;
      this.attempt = 0;
      this.status('open');
      try { this.opts.onOpen && this.opts.onOpen(this); } catch (e) { console.error(e); }
    });
    ws.addEventListener('message', (ev) => {
      if (this.ws !== ws || typeof ev.data !== 'string') return;
      let obj;
      try { obj = JSON.parse(ev.data); } catch { return; }
      if (obj && typeof obj === 'object') {
        try { this.opts.onEvent(obj); } catch (e) { console.error(e); }
      }
    });
    ws.addEventListener('close', (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.lastClose = ev.code;
      this.status('closed');
      this.scheduleReconnect();
    });
    ws.addEventListener('error', () => { /* a close event follows */ });
  }

  scheduleReconnect() {
    if (this.stopped || this.timer) return;
    const base = Math.min(30000, 1000 * 2 ** Math.min(this.attempt, 5));
    this.attempt++;
    const delay = Math.round(base * (0.75 + Math.random() * 0.5));
    this.timer = setTimeout(() => this.connect(), delay);
  }

  /** Reconnect now (e.g. the page came back online). */
  kick() {
    if (this.stopped || this.open) return;
    if (this.ws && this.ws.readyState === WebSocket.CONNECTING) return;
    this.attempt = 0;
    this.connect();
  }

  send(obj) {
    if (!this.open) return false;
    try { this.ws.send(JSON.stringify(obj)); return true; } catch { return false; }
  }

  status(s) { this.opts.onStatus && this.opts.onStatus(s); }

  close() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) { const ws = this.ws; this.ws = null; try { ws.close(1000); } catch { /* gone */ } }
  }
}

function icon(name) {
  // Small inline SVG icons (no external requests, no innerHTML).
  const NS = 'http://www.w3.org/2000/svg';
  const paths = {
    chat: 'M4 4h16a2 2 0 0 1 2 2v9a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z',
    close: 'M6 6l12 12M18 6L6 18',
    minus: 'M5 12h14',
    clip: 'M21 11.5l-8.5 8.5a5 5 0 0 1-7-7l9-9a3.5 3.5 0 0 1 5 5l-9 9a2 2 0 0 1-3-3l8-8',
    send: 'M3 11l18-8-8 18-2-8-8-2z',
  };
  const svg = document.createElementNS(NS, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('focusable', 'false');
  svg.setAttribute('class', 'fdc-svg');
  const p = document.createElementNS(NS, 'path');
  p.setAttribute('d', paths[name]);
  svg.appendChild(p);
  return svg;
}

// --- the widget --------------------------------------------------------------------------------------

function loadStored() {
  try { return JSON.parse(sessionStorage.getItem(STORE_KEY) || 'null'); } catch { return null; }
}
function saveStored(v) {
  try { if (v) sessionStorage.setItem(STORE_KEY, JSON.stringify(v)); else sessionStorage.removeItem(STORE_KEY); } catch { /* private mode */ }
}

class Widget {
  constructor() {
    this.user = undefined; // undefined = not checked yet, null = visitor
    this.departments = null;
    this.chat = null;      // {id, token, status, agent, department, position, estimate_s, ...}
    this.sock = null;
    this.seqs = new Set();
    this.lastSeq = 0;
    this.pending = new Map(); // client_id → {body, li, acked}
    this.otherRead = 0;
    this.myReadSent = 0;
    this.lastTypingSent = 0;
    this.typingTimer = null;
    this.unread = 0;
    this.build();
    const stored = loadStored();
    if (stored && stored.id) this.resume(stored);
  }

  // ---- chrome -----------------------------------------------------------------------------------

  build() {
    if (!document.querySelector('link[href="/static/chat.css"]')) {
      document.head.appendChild(h('link', { rel: 'stylesheet', href: '/static/chat.css' }));
    }
    this.badge = h('span', { class: 'fdc-badge', hidden: true, 'aria-hidden': 'true' });
    this.launcherText = h('span', { class: 'fdc-launcher-text', text: 'Chat with us' });
    this.launcher = h('button', {
      type: 'button', class: 'fdc-launcher', 'aria-expanded': 'false', 'aria-controls': 'fdc-panel',
      onclick: () => this.toggle(),
    }, icon('chat'), this.launcherText, this.badge);
    this.title = h('h2', { id: 'fdc-title', class: 'fdc-title', text: 'Chat with us' });
    this.sub = h('p', { class: 'fdc-sub', id: 'fdc-sub', text: 'We usually reply in a few minutes' });
    this.headActions = h('div', { class: 'fdc-head-actions' });
    this.body = h('div', { class: 'fdc-body' });
    this.panel = h('section', {
      id: 'fdc-panel', class: 'fdc-panel', role: 'dialog', 'aria-labelledby': 'fdc-title', 'aria-describedby': 'fdc-sub', hidden: true,
    },
    h('header', { class: 'fdc-head' },
      h('span', { class: 'fdc-head-mark', 'aria-hidden': 'true', text: 'FD' }),
      h('div', { class: 'fdc-head-text' }, this.title, this.sub),
      this.headActions,
      h('button', { type: 'button', class: 'fdc-icon-btn', 'aria-label': 'Minimize chat', title: 'Minimize', onclick: () => this.close() }, icon('minus'))),
    this.body);
    this.panel.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') { e.preventDefault(); this.close(); }
    });
    this.root = h('div', { class: 'fdc', 'data-testid': 'chat-widget' }, this.panel, this.launcher);
    document.body.appendChild(this.root);
    document.addEventListener('visibilitychange', () => this.maybeRead());
    window.addEventListener('online', () => this.sock && this.sock.kick());
  }

  get isOpen() { return !this.panel.hidden; }

  toggle() { if (this.isOpen) this.close(); else this.open(); }

  async open() {
    this.panel.hidden = false;
    this.root.classList.add('fdc-is-open');
    this.launcher.setAttribute('aria-expanded', 'true');
    this.setUnread(0);
    if (!this.chat && !this.view) await this.showStart();
    this.maybeRead();
    this.focusFirst();
    if (this.log) this.scrollLog();
  }

  close() {
    this.panel.hidden = true;
    this.root.classList.remove('fdc-is-open');
    this.launcher.setAttribute('aria-expanded', 'false');
    this.launcher.focus();
  }

  focusFirst() {
    if (!this.isOpen) return;
    const el = this.body.querySelector('[data-autofocus]') || this.body.querySelector('select, textarea, input:not([type=hidden]):not([type=file]), button');
    if (el) el.focus({ preventScroll: true });
  }

  setUnread(n) {
    this.unread = n;
    this.badge.textContent = String(n);
    this.badge.hidden = !n;
    this.launcher.setAttribute('aria-label', n ? `Chat with us, ${n} new message${n === 1 ? '' : 's'}` : this.launcherText.textContent);
  }

  setView(name, ...children) {
    this.view = name;
    this.panel.dataset.view = name;
    mount(this.body, ...children);
    this.headActions.replaceChildren();
  }

  // ---- start: topic, availability, first message --------------------------------------------------

  async whoami() {
    try {
      const res = await api.me();
      this.user = res && res.user ? res.user : null;
    } catch (e) {
      this.user = null;
      if (e.status !== 401) throw e;
    }
    return this.user;
  }

  async loadDepartments() {
    if (this.departments) return this.departments;
    try {
      const res = await api.departments();
      this.departments = (res.departments || []).map((d) => ({ slug: d.slug, name: d.name }));
    } catch {
      // Visitors may not be allowed to list departments: fall back to the standard set.
      this.departments = [
        { slug: 'account', name: 'Account & Security' },
        { slug: 'deposits', name: 'Deposits & Withdrawals' },
        { slug: 'trading', name: 'Trading' },
        { slug: 'technical', name: 'Technical' },
        { slug: 'kyc', name: 'KYC & Verification' },
      ];
    }
    return this.departments;
  }

  deptName(slug) {
    const d = (this.departments || []).find((x) => x.slug === slug);
    return d ? d.name : slug || '';
  }

  async showStart(preset = {}) {
    this.title.textContent = 'Chat with us';
    this.sub.textContent = 'We are here to help';
    this.setView('loading', h('p', { class: 'fdc-loading', role: 'status', text: 'Loading…' }));
    let depts;
    try {
      await this.whoami();
      depts = await this.loadDepartments();
    } catch (e) {
      this.setView('error', h('div', { class: 'fdc-pad' },
        h('p', { class: 'form-error', role: 'alert', text: e.message || 'Could not reach support.' }),
        h('button', { type: 'button', class: 'btn btn-secondary', onclick: () => this.showStart(preset), text: 'Try again' })));
      return;
    }
    const topic = h('select', { id: 'fdc-topic', name: 'department', 'data-autofocus': true },
      h('option', { value: '', text: 'Choose a topic…' }),
      depts.map((d) => h('option', { value: d.slug, selected: d.slug === preset.department, text: d.name })));
    const avail = h('div', { class: 'fdc-avail', role: 'status', 'aria-live': 'polite' });
    const formHost = h('div', { class: 'fdc-form-host' });
    const wrap = h('div', { class: 'fdc-pad fdc-start' },
      h('p', { class: 'fdc-intro', text: 'Our support team is here to help with your account, deposits, withdrawals and trading.' }),
      statusBanner('chat'),
      h('div', { class: 'field' }, h('label', { for: 'fdc-topic', text: 'Topic' }), topic),
      avail, expectationHint(topic, 'chat'), formHost,
      h('p', { class: 'fdc-safety' },
        h('strong', { text: 'Stay safe: ' }),
        'we will never ask for your password, 2FA codes, seed phrase or private keys.'));
    this.setView('start', wrap);

    let my = 0;
    const check = async () => {
      const slug = topic.value;
      const n = ++my;
      formHost.replaceChildren();
      avail.replaceChildren();
      avail.className = 'fdc-avail';
      if (!slug) return;
      avail.textContent = 'Checking availability…';
      let a;
      try {
        a = await api.get('/chat/availability', { department: slug });
      } catch (e) {
        if (n !== my) return;
        avail.className = 'fdc-avail is-error';
        avail.textContent = e.message;
        return;
      }
      if (n !== my) return;
      avail.replaceChildren();
      if (a.online) {
        avail.className = 'fdc-avail is-online';
        const q = Number(a.queue_length) || 0;
        avail.append(h('span', { class: 'fdc-dot', 'aria-hidden': 'true' }),
          h('span', { text: `Agents are online. ${q ? `${q} ${q === 1 ? 'person' : 'people'} waiting · ` : ''}Expected wait: ${waitText(a.estimate_s)}.` }));
        formHost.replaceChildren(this.firstMessageForm(slug, preset));
      } else {
        avail.className = 'fdc-avail is-offline';
        const why = a.reason === 'closed' ? 'Live chat for this topic is closed right now (outside opening hours).'
          : a.reason === 'full' ? 'All our agents are busy and the queue is full right now.'
          : 'No agents are online for this topic right now.';
        avail.append(h('span', { class: 'fdc-dot', 'aria-hidden': 'true' }), h('span', { text: `${why} Leave us a message and we will reply by email.` }));
        formHost.replaceChildren(this.leaveMessageForm(slug, preset));
      }
    };
    topic.addEventListener('change', () => { preset = { ...preset, department: topic.value }; check(); });
    if (topic.value) check();
  }

  identityFields(preset) {
    if (this.user) return { nodes: [], read: () => ({}) };
    const name = h('input', { type: 'text', id: 'fdc-name', name: 'name', autocomplete: 'name', value: preset.name || '' });
    const email = h('input', { type: 'email', id: 'fdc-email', name: 'email', autocomplete: 'email', required: true, value: preset.email || '' });
    return {
      nodes: [h('div', { class: 'fdc-row' },
        h('div', { class: 'field' }, h('label', { for: 'fdc-name' }, 'Name', h('span', { class: 'optional', text: ' (optional)' })), name),
        h('div', { class: 'field' }, h('label', { for: 'fdc-email', text: 'Email' }), email))],
      read: () => {
        const o = { email: email.value.trim() };
        if (name.value.trim()) o.name = name.value.trim();
        return o;
      },
    };
  }

  firstMessageForm(slug, preset) {
    const box = errorBox();
    const id = this.identityFields(preset);
    const msg = h('textarea', { id: 'fdc-first', name: 'message', rows: 3, required: true, maxlength: 4000, placeholder: 'Describe your question in a few words' });
    if (preset.message) msg.value = preset.message;
    const suggest = this.deflector(msg);
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: 'Start chat' });
    const form = h('form', { class: 'fdc-form', novalidate: true },
      id.nodes,
      h('div', { class: 'field' }, h('label', { for: 'fdc-first', text: 'How can we help?' }), msg),
      suggest.panel, box, submit,
      h('button', { type: 'button', class: 'fdc-linkbtn', onclick: () => this.showLeaveOnly(slug, { ...preset, message: msg.value }), text: 'Prefer email? Leave a message instead' }));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { department: slug, message: msg.value.trim(), ...id.read() };
      if (!body.message) { box.show('Please type your question first.'); msg.focus(); return; }
      if (!this.user && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email || '')) { box.show('Please enter your email address so we can reach you.'); form.querySelector('#fdc-email').focus(); return; }
      submit.disabled = true;
      submit.textContent = 'Starting…';
      box.clear();
      try {
        const res = await api.post('/chat', body);
        this.beginChat(res, body);
      } catch (err) {
        submit.disabled = false;
        submit.textContent = 'Start chat';
        if (err.code === 'unavailable' || err.status === 409) {
          this.showLeaveOnly(slug, { ...preset, ...body }, 'Sorry — the agents just went offline. Leave a message and we will reply by email.');
        } else box.show(err.message);
      }
    });
    return form;
  }

  /** Suggests help articles while the first message is typed (≥ 3 words, debounced). */
  deflector(input) {
    const list = h('ul', { class: 'fdc-suggest-list' });
    const panel = h('section', { class: 'fdc-suggest', hidden: true, 'aria-label': 'Suggested help articles', 'data-testid': 'chat-deflection' },
      h('p', { class: 'fdc-suggest-h', text: 'These articles may answer your question' }), list);
    let timer = null;
    let token = null;
    let seq = 0;
    let last = '';
    const opened = (slug) => {
      if (token) api.post(`/kb/deflect/${encodeURIComponent(token)}/opened`, { slug }).catch(() => {});
    };
    const ask = async (text) => {
      const my = ++seq;
      try {
        const body = { text, channel: 'chat' };
        if (token) body.token = token;
        const res = await api.post('/kb/deflect', body);
        if (my !== seq) return;
        if (res && res.token) token = res.token;
        const items = [];
        for (const a of (res && res.articles) || []) {
          const href = helpArticleHref(a.slug, a.url);
          if (!href) continue;
          items.push(h('li', null,
            h('a', { href, target: '_blank', rel: 'noopener', onclick: () => opened(a.slug), text: a.title || a.slug }),
            a.snippet ? h('span', { class: 'fdc-suggest-snippet' }, snippetNodes(a.snippet)) : null));
        }
        list.replaceChildren(...items.slice(0, 3));
        panel.hidden = !items.length;
      } catch { /* suggestions are optional */ }
    };
    input.addEventListener('input', () => {
      clearTimeout(timer);
      const text = input.value.trim().slice(0, 2000);
      if (text.split(/\s+/).filter(Boolean).length < DEFLECT_MIN_WORDS) { seq++; panel.hidden = true; last = ''; return; }
      if (text === last) return;
      timer = setTimeout(() => { last = text; ask(text); }, DEFLECT_DEBOUNCE_MS);
    });
    return { panel };
  }

  leaveMessageForm(slug, preset) {
    const box = errorBox();
    const id = this.identityFields(preset);
    const subject = h('input', { type: 'text', id: 'fdc-subject', name: 'subject', maxlength: 200, value: preset.subject || '' });
    const msg = h('textarea', { id: 'fdc-leave', name: 'message', rows: 4, required: true, maxlength: 4000 });
    if (preset.message) msg.value = preset.message;
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-block', text: 'Send message' });
    const form = h('form', { class: 'fdc-form', novalidate: true, 'aria-label': 'Leave a message' },
      h('h3', { class: 'fdc-h3', text: 'Leave a message' }),
      id.nodes,
      h('div', { class: 'field' }, h('label', { for: 'fdc-subject' }, 'Subject', h('span', { class: 'optional', text: ' (optional)' })), subject),
      h('div', { class: 'field' }, h('label', { for: 'fdc-leave', text: 'Your message' }), msg),
      box, submit);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const body = { department: slug, message: msg.value.trim(), ...id.read() };
      if (subject.value.trim()) body.subject = subject.value.trim();
      if (!body.message) { box.show('Please type your message.'); msg.focus(); return; }
      if (!this.user && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(body.email || '')) { box.show('Please enter your email address so we can reply.'); form.querySelector('#fdc-email').focus(); return; }
      submit.disabled = true;
      box.clear();
      try {
        const res = await api.post('/chat/leave-message', body);
        this.showLeft(res && res.ticket, body);
      } catch (err) {
        submit.disabled = false;
        box.show(err.message);
      }
    });
    return form;
  }

  showLeaveOnly(slug, preset, note) {
    this.title.textContent = 'Leave a message';
    this.sub.textContent = this.deptName(slug);
    this.setView('leave', h('div', { class: 'fdc-pad' },
      note ? h('p', { class: 'fdc-avail is-offline', role: 'status', text: note }) : null,
      this.leaveMessageForm(slug, preset),
      h('button', { type: 'button', class: 'fdc-linkbtn', onclick: () => this.showStart({ ...preset, department: slug }), text: '← Back' })));
    this.focusFirst();
  }

  showLeft(ticket, body) {
    const ref = ticket && (ticket.reference || ticket.ref) ? String(ticket.reference || ticket.ref) : '';
    this.title.textContent = 'Message sent';
    this.sub.textContent = 'We will reply by email';
    const refEl = /^FD-\d+$/.test(ref) && this.user
      ? h('a', { href: `/support#/tickets/${encodeURIComponent(ref)}`, class: 'fdc-ref', text: ref })
      : h('strong', { class: 'fdc-ref', text: ref || '—' });
    this.setView('left', h('div', { class: 'fdc-pad fdc-done', role: 'status', 'data-testid': 'chat-left-message' },
      h('div', { class: 'fdc-done-mark', 'aria-hidden': 'true', text: '✓' }),
      h('h3', { class: 'fdc-h3', text: 'Thanks — we have your message' }),
      h('p', null, 'Your ticket reference is ', refEl, '.'),
      h('p', { class: 'muted', text: this.user ? 'You will find our reply in My tickets and in your email.' : `We will reply to ${body.email}.` }),
      h('button', { type: 'button', class: 'btn btn-secondary', 'data-autofocus': true, onclick: () => this.close(), text: 'Close' })));
    this.focusFirst();
  }

  // ---- the conversation --------------------------------------------------------------------------

  visitorToken() { return this.user ? null : (this.chat && this.chat.token) || null; }
  tokenQuery() { const t = this.chat && this.chat.token; return !this.user && t ? `?token=${encodeURIComponent(t)}` : ''; }
  chatPath(suffix = '') { return `/chat/${encodeURIComponent(this.chat.id)}${suffix}`; }

  beginChat(res, body) {
    const c = (res && res.chat) || {};
    this.chat = { ...c, token: res.token || null, department: c.department || body.department, first: body.message };
    this.resetConversation();
    saveStored({ id: this.chat.id, token: this.chat.token, visitor: !this.user });
    this.showChat();
    this.updateQueue(c.position, c.estimate_s);
    this.connect();
    // The first message is stored with the chat: it arrives with the hello (seq ≥ 1).
  }

  resetConversation() {
    this.seqs = new Set();
    this.lastSeq = 0;
    this.pending = new Map();
    this.otherRead = 0;
    this.myReadSent = 0;
  }

  async resume(stored) {
    this.chat = { id: stored.id, token: stored.token || null };
    try {
      if (stored.visitor === false || !stored.token) await this.whoami(); else { this.user = null; await this.whoami().catch(() => null); }
      await this.loadDepartments();
      const res = await api.get(this.chatPath(), this.user ? undefined : { token: stored.token });
      this.chat = { ...res.chat, token: stored.token || null };
      this.resetConversation();
      this.showChat();
      for (const m of res.messages || []) this.addMessage(m, true);
      if (this.chat.status === 'queued') this.updateQueue(this.chat.position, this.chat.estimate_s);
      if (this.chat.status === 'ended' || this.chat.status === 'converted') {
        this.showEnded({ reason: this.chat.status === 'converted' ? 'converted' : null, ticket: this.chat.ticket });
      } else {
        this.connect();
        this.launcherText.textContent = 'Chat in progress';
      }
    } catch {
      saveStored(null);
      this.chat = null;
    }
  }

  showChat() {
    this.title.textContent = this.deptName(this.chat.department) || 'Live chat';
    this.sub.textContent = 'Connecting…';
    this.banner = h('div', { class: 'fdc-banner', role: 'status', 'aria-live': 'polite', 'data-testid': 'chat-status' });
    this.log = h('ol', { class: 'fdc-log', role: 'log', 'aria-label': 'Conversation', 'aria-live': 'polite', tabindex: '0' });
    this.typingEl = h('p', { class: 'fdc-typing', 'aria-live': 'polite', hidden: true });
    this.connEl = h('p', { class: 'fdc-conn', role: 'status', hidden: true });
    this.composer = this.buildComposer();
    this.footer = h('div', { class: 'fdc-footer' }, this.composer);
    this.setView('chat', h('div', { class: 'fdc-chat' }, this.banner, this.log, this.typingEl, this.connEl, this.footer));
    this.renderHeadActions();
    this.log.addEventListener('scroll', () => this.maybeRead());
  }

  renderHeadActions() {
    this.headActions.replaceChildren();
    if (!this.chat || this.chat.status === 'ended' || this.chat.status === 'converted') return;
    this.headActions.append(h('button', { type: 'button', class: 'fdc-end-btn', onclick: () => this.confirmEnd(), text: 'End chat' }));
  }

  buildComposer() {
    const box = errorBox();
    const input = h('textarea', {
      id: 'fdc-input', class: 'fdc-input', rows: 1, maxlength: 4000, 'aria-label': 'Type your message', placeholder: 'Type your message…', 'data-autofocus': true,
    });
    const file = h('input', { type: 'file', id: 'fdc-file', class: 'visually-hidden', accept: ALLOWED_TYPES.join(','), tabindex: '-1' });
    const attach = h('button', { type: 'button', class: 'fdc-icon-btn fdc-attach', 'aria-label': 'Attach a screenshot', title: 'Attach a screenshot', onclick: () => file.click() }, icon('clip'));
    const send = h('button', { type: 'submit', class: 'fdc-send', 'aria-label': 'Send' }, icon('send'));
    const form = h('form', { class: 'fdc-composer' }, box, h('div', { class: 'fdc-composer-row' }, attach, file, input, send));
    const grow = () => { input.style.height = 'auto'; input.style.height = Math.min(input.scrollHeight, 120) + 'px'; };
    input.addEventListener('input', () => { grow(); this.sendTyping(); });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); form.requestSubmit(); }
    });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      box.clear();
      this.sendMessage(text);
      input.value = '';
      grow();
      input.focus();
    });
    file.addEventListener('change', async () => {
      const f = file.files[0];
      file.value = '';
      if (!f) return;
      const err = checkFiles([f]);
      if (err) { box.show(err); return; }
      attach.disabled = true;
      box.clear();
      const note = h('li', { class: 'fdc-msg fdc-mine fdc-uploading' }, h('div', { class: 'fdc-bubble', text: `Uploading ${f.name}…` }));
      this.log.appendChild(note);
      this.scrollLog();
      try {
        const res = await api.request('POST', this.chatPath('/attachments'), f, {
          contentType: f.type || 'application/octet-stream',
          query: { filename: f.name || 'screenshot.png', token: this.visitorToken() },
        });
        note.remove();
        if (res && res.seq && !this.seqs.has(res.seq)) {
          // Shown when the message arrives; keep the seq in mind if it is already past.
          this.expectedAttachment = { seq: res.seq, attachment: res.attachment };
        }
      } catch (e2) {
        note.remove();
        box.show(e2.message);
      } finally {
        attach.disabled = false;
      }
    });
    this.input = input;
    return form;
  }

  connect() {
    if (this.sock) this.sock.close();
    const visitor = !this.user && this.chat.token;
    this.sock = new ChatSocket({
      url: () => wsUrl(visitor ? { chat: this.chat.id, token: this.chat.token } : null),
      onOpen: (s) => {
        s.send({ type: 'hello', chat: this.chat.id, last_seq: this.lastSeq });
        // Re-send what was not acknowledged, with the same client_id (stored once by the server).
        for (const [cid, p] of this.pending) if (!p.acked) s.send({ type: 'message', chat: this.chat.id, body: p.body, client_id: cid });
        this.myReadSent = 0;
        this.maybeRead();
        // What happened while no socket was open (an assignment made while the chat was
        // being started, an end) is not replayed by hello: read the chat's state once.
        this.poll();
      },
      onEvent: (ev) => this.onEvent(ev),
      onStatus: (st) => this.connStatus(st),
    });
  }

  // While the WebSocket is down, the conversation keeps going over REST: GET /chat/{id} every
  // few seconds (messages de-duplicated by seq) and POST /chat/{id}/messages with the client_id.
  startPolling() {
    if (this.pollTimer || !this.chat) return;
    this.pollTimer = setInterval(() => this.poll(), 3000);
    this.poll();
  }

  stopPolling() {
    clearInterval(this.pollTimer);
    this.pollTimer = null;
  }

  async poll() {
    if (!this.chat || this.polling || this.endedShown) { if (this.endedShown) this.stopPolling(); return; }
    this.polling = true;
    try {
      const res = await api.get(this.chatPath(), this.user ? undefined : { token: this.chat.token });
      if (!this.chat || !res) return;
      for (const m of res.messages || []) this.addMessage(m);
      this.applyChatState(res.chat || {});
      for (const cid of this.pending.keys()) this.postPending(cid);
    } catch { /* try again on the next tick */ } finally {
      this.polling = false;
    }
  }

  postPending(cid) {
    const p = this.pending.get(cid);
    if (!p || p.acked || p.posting || !this.chat) return;
    p.posting = true;
    api.post(this.chatPath('/messages') + this.tokenQuery(), { body: p.body, client_id: cid })
      .then((r) => { if (r && r.seq != null) this.onAck({ client_id: cid, seq: r.seq }); })
      .catch(() => { /* re-sent on the next poll or when the socket is back */ })
      .finally(() => { p.posting = false; });
  }

  /** Applies a chat object from REST (polling) the way the WebSocket events would. */
  applyChatState(c) {
    if (!c.status) return;
    if (c.status === 'queued') {
      this.chat.status = 'queued';
      this.chat.agent = null;
      this.updateQueue(c.position, c.estimate_s);
    } else if (c.status === 'active' && c.agent) {
      const before = this.chat.agent;
      if (!before || before.id !== c.agent.id || this.chat.status !== 'active') {
        this.chat.status = 'active';
        this.chat.agent = c.agent;
        this.showAgent(!!before && before.id !== c.agent.id);
      }
    } else if (c.status === 'ended' || c.status === 'converted') {
      this.showEnded({ reason: c.status === 'converted' ? 'converted' : null, ticket: c.ticket });
    }
  }

  connStatus(st) {
    if (st === 'open') this.stopPolling();
    else if (st === 'closed') this.startPolling();
    if (!this.connEl) return;
    if (st === 'open') { this.connEl.hidden = true; this.refreshSub(); return; }
    if (st === 'closed' && this.chat && this.chat.status !== 'ended' && this.chat.status !== 'converted') {
      this.connEl.hidden = false;
      this.connEl.textContent = 'Live connection lost — reconnecting…';
      this.refreshSub();
    }
  }

  refreshSub() {
    const c = this.chat;
    if (!c) return;
    if (c.status === 'active' && c.agent) this.sub.textContent = `Chatting with ${c.agent.name}`;
    else if (c.status === 'queued') this.sub.textContent = 'Waiting for an agent';
    else if (c.status === 'ended' || c.status === 'converted') this.sub.textContent = 'Chat ended';
    else this.sub.textContent = 'Connected';
  }

  onEvent(ev) {
    if (!this.chat) return;
    if (ev.chat != null && String(ev.chat) !== String(this.chat.id)) return;
    switch (ev.type) {
      case 'message': this.addMessage(ev); break;
      case 'ack': this.onAck(ev); break;
      case 'queue':
        this.chat.status = 'queued';
        this.updateQueue(ev.position, ev.estimate_s);
        break;
      case 'assigned':
      case 'transferred':
        this.chat.status = 'active';
        if (ev.agent) this.chat.agent = ev.agent;
        this.showAgent(ev.type === 'transferred');
        break;
      case 'escalated':
        this.chat.status = 'queued';
        this.chat.agent = null;
        this.banner.className = 'fdc-banner is-queued';
        this.banner.replaceChildren(h('span', { class: 'fdc-pulse', 'aria-hidden': 'true' }),
          h('span', { text: 'We are passing your chat to a specialist. Please stay here…' }));
        this.refreshSub();
        break;
      case 'typing': if (!this.isMe(ev.who)) this.showTyping(ev.who); break;
      case 'read':
        if (!this.isMe(ev.who)) { this.otherRead = Math.max(this.otherRead, Number(ev.seq) || 0); this.renderReceipt(); }
        break;
      case 'ended': this.showEnded(ev); break;
      case 'error': if (this.connEl) { this.connEl.hidden = false; this.connEl.textContent = ev.message || 'Something went wrong.'; } break;
      default: break;
    }
  }

  /** Is the `who` of a typing/read relay the customer (us)? Accepts a role string, an id or a user object. */
  isMe(who) {
    if (who == null) return false;
    if (typeof who === 'string') return who === 'customer' || (this.user && who === String(this.user.id));
    if (typeof who === 'number') return this.user ? who === this.user.id : (this.chat.customer ? who === this.chat.customer.id : false);
    if (typeof who === 'object') {
      if (who.role) return who.role === 'customer';
      if (who.id != null && this.chat.customer) return who.id === this.chat.customer.id;
    }
    return false;
  }

  updateQueue(position, estimate) {
    if (!this.banner || this.chat.status !== 'queued') return;
    const pos = Number(position);
    this.banner.className = 'fdc-banner is-queued';
    const line = Number.isFinite(pos)
      ? (pos <= 0 ? 'You are next in line.' : `You are number ${pos + 1} in line.`)
      : 'You are in the queue.';
    this.banner.replaceChildren(h('span', { class: 'fdc-pulse', 'aria-hidden': 'true' }),
      h('span', null, h('strong', { text: line }), ' ', h('span', { text: `Estimated wait: ${waitText(estimate)}.` })));
    this.banner.dataset.position = Number.isFinite(pos) ? String(pos) : '';
    this.refreshSub();
  }

  showAgent(transferred) {
    const a = this.chat.agent || {};
    this.banner.className = 'fdc-banner is-active';
    this.banner.replaceChildren(
      h('span', { class: 'fdc-avatar', 'aria-hidden': 'true', text: initials(a.name) }),
      h('span', { text: transferred ? `You are now chatting with ${a.name || 'another agent'}.` : `${a.name || 'An agent'} has joined the chat.` }));
    this.refreshSub();
    if (!this.isOpen) this.setUnread(this.unread + 1);
  }

  showTyping(who) {
    const name = (who && typeof who === 'object' && who.name) || (this.chat.agent && this.chat.agent.name) || 'The agent';
    this.typingEl.textContent = `${name} is typing…`;
    this.typingEl.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(() => { this.typingEl.hidden = true; }, TYPING_SHOW_MS);
  }

  sendTyping() {
    const now = Date.now();
    if (!this.sock || now - this.lastTypingSent < TYPING_EVERY_MS) return;
    if (this.sock.send({ type: 'typing', chat: this.chat.id })) this.lastTypingSent = now;
  }

  sendMessage(text) {
    const cid = newClientId();
    const li = this.renderBubble({ mine: true, body: text, created_at: Date.now(), pending: true });
    li.dataset.clientId = cid;
    this.log.appendChild(li);
    this.pending.set(cid, { body: text, li, acked: false });
    this.renderReceipt();
    this.scrollLog();
    if (!(this.sock && this.sock.send({ type: 'message', chat: this.chat.id, body: text, client_id: cid }))) this.postPending(cid);
  }

  onAck(ev) {
    const p = this.pending.get(ev.client_id);
    if (!p) return;
    p.acked = true;
    const seq = Number(ev.seq);
    if (this.seqs.has(seq)) {
      // The broadcast came first and was matched to another bubble: drop this one.
      if (p.li.dataset.seq !== String(seq)) p.li.remove();
    } else {
      this.seqs.add(seq);
      this.lastSeq = Math.max(this.lastSeq, seq);
      p.li.dataset.seq = String(seq);
    }
    p.li.classList.remove('is-pending');
    this.pending.delete(ev.client_id);
    this.renderReceipt();
  }

  addMessage(m, quiet = false) {
    const seq = Number(m.seq);
    if (Number.isFinite(seq) && this.seqs.has(seq)) return;
    const role = m.author && m.author.role;
    const mine = role === 'customer' && m.kind !== 'system';
    if (mine && !m.attachment) {
      // Our own message echoed before its ack: match it with the oldest pending bubble of that text.
      for (const [cid, p] of this.pending) {
        if (p.body === m.body) {
          p.acked = true;
          p.li.dataset.seq = String(seq);
          p.li.classList.remove('is-pending');
          this.pending.delete(cid);
          this.seqs.add(seq);
          this.lastSeq = Math.max(this.lastSeq, seq);
          this.renderReceipt();
          return;
        }
      }
    }
    if (Number.isFinite(seq)) {
      this.seqs.add(seq);
      this.lastSeq = Math.max(this.lastSeq, seq);
    }
    const li = this.renderBubble({
      mine, body: m.body, created_at: m.created_at, system: m.kind === 'system', author: m.author, attachment: m.attachment,
    });
    if (Number.isFinite(seq)) li.dataset.seq = String(seq);
    // Keep seq order (a resumed history may interleave with pending bubbles).
    const after = [...this.log.children].find((x) => x.dataset.seq && Number(x.dataset.seq) > seq);
    this.log.insertBefore(li, after || null);
    if (!mine) this.typingEl.hidden = true;
    if (!mine && !quiet && !this.isOpen && m.kind !== 'system') this.setUnread(this.unread + 1);
    this.renderReceipt();
    this.scrollLog();
    this.maybeRead();
  }

  renderBubble({ mine, body, created_at, system, author, attachment, pending }) {
    if (system) {
      return h('li', { class: 'fdc-msg fdc-system' }, h('span', { text: body || '' }));
    }
    const att = attachment ? attachmentLink(attachment, this.visitorToken()) : null;
    return h('li', { class: `fdc-msg ${mine ? 'fdc-mine' : 'fdc-theirs'}${pending ? ' is-pending' : ''}` },
      !mine ? h('span', { class: 'fdc-author', text: (author && author.name) || 'Support' }) : h('span', { class: 'visually-hidden', text: 'You:' }),
      h('div', { class: 'fdc-bubble' },
        body && !(att && body === (attachment.filename || '')) ? h('span', { class: 'fdc-text', text: body }) : null,
        att),
      h('span', { class: 'fdc-meta' }, h('time', { text: clockTime(created_at) }), h('span', { class: 'fdc-receipt' })));
  }

  renderReceipt() {
    if (!this.log) return;
    const mine = [...this.log.querySelectorAll('.fdc-mine')];
    for (const li of mine) {
      const r = li.querySelector('.fdc-receipt');
      if (r) r.textContent = '';
      li.classList.remove('is-last-mine');
    }
    const last = mine[mine.length - 1];
    if (!last) return;
    last.classList.add('is-last-mine');
    const r = last.querySelector('.fdc-receipt');
    if (!r) return;
    const seq = Number(last.dataset.seq);
    if (last.classList.contains('is-pending')) r.textContent = ' · Sending…';
    else if (seq && this.otherRead >= seq) r.textContent = ' · Read';
    else r.textContent = ' · Sent';
  }

  /** Tells the other side what we have seen, when the panel is open and the page visible. */
  maybeRead() {
    if (!this.chat || !this.sock || !this.isOpen || document.visibilityState !== 'visible') return;
    if (this.lastSeq > this.myReadSent && this.sock.send({ type: 'read', chat: this.chat.id, seq: this.lastSeq })) {
      this.myReadSent = this.lastSeq;
    }
  }

  scrollLog() {
    if (this.log) this.log.scrollTop = this.log.scrollHeight;
  }

  confirmEnd() {
    const bar = h('div', { class: 'fdc-confirm', role: 'alertdialog', 'aria-label': 'End this chat?' },
      h('span', { text: 'End this chat?' }),
      h('button', {
        type: 'button', class: 'btn btn-primary btn-sm', onclick: async (e) => {
          e.target.disabled = true;
          try {
            await api.post(this.chatPath('/end') + this.tokenQuery());
            this.showEnded({ reason: 'customer' });
          } catch (err) {
            bar.replaceChildren(h('span', { class: 'fdc-err', text: err.message }));
            setTimeout(() => bar.remove(), 4000);
          }
        }, text: 'End chat',
      }),
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: () => { bar.remove(); this.input && this.input.focus(); }, text: 'Keep chatting' }));
    this.footer.querySelector('.fdc-confirm')?.remove();
    this.footer.prepend(bar);
    bar.querySelector('button').focus();
  }

  showEnded(ev) {
    if (!this.chat) return;
    if (this.endedShown) return;
    this.endedShown = true;
    this.chat.status = ev.reason === 'converted' ? 'converted' : 'ended';
    if (this.sock) { this.sock.close(); this.sock = null; }
    this.stopPolling();
    this.typingEl && (this.typingEl.hidden = true);
    this.connEl && (this.connEl.hidden = true);
    this.launcherText.textContent = 'Chat with us';
    this.renderHeadActions();
    this.refreshSub();
    const ticket = ev.ticket ? String(ev.ticket.reference || ev.ticket) : '';
    this.banner.className = 'fdc-banner is-ended';
    this.banner.replaceChildren(h('span', {
      text: ev.reason === 'converted' ? 'Your chat was turned into a support ticket.'
        : ev.reason === 'agent' ? 'The agent has ended the chat.' : 'This chat has ended.',
    }));
    const parts = [];
    if (ticket && /^FD-\d+$/.test(ticket)) {
      parts.push(h('p', { class: 'fdc-ticket' }, 'Ticket ',
        this.user ? h('a', { href: `/support#/tickets/${encodeURIComponent(ticket)}`, text: ticket }) : h('strong', { text: ticket }),
        ' — we will follow up by email.'));
    }
    parts.push(this.ratingForm());
    parts.push(this.transcriptButton());
    parts.push(h('button', { type: 'button', class: 'fdc-linkbtn', onclick: () => this.newChat(), text: 'Start a new chat' }));
    this.footer.replaceChildren(h('div', { class: 'fdc-end' }, parts));
    if (!this.isOpen) this.setUnread(this.unread + 1);
  }

  ratingForm() {
    const box = errorBox();
    const name = 'fdc-rating';
    const labels = ['Very poor', 'Poor', 'OK', 'Good', 'Excellent'];
    const stars = h('div', { class: 'fdc-stars' }, [1, 2, 3, 4, 5].map((n) => {
      const id = `fdc-star-${n}`;
      return h('span', { class: 'fdc-star-wrap' },
        h('input', { type: 'radio', id, name, value: String(n), class: 'fdc-star-input' }),
        h('label', { for: id, class: 'fdc-star', title: labels[n - 1] },
          h('span', { 'aria-hidden': 'true', text: '★' }), h('span', { class: 'visually-hidden', text: `${n} star${n > 1 ? 's' : ''} — ${labels[n - 1]}` })));
    }));
    const paint = (upto) => stars.querySelectorAll('.fdc-star').forEach((l, i) => l.classList.toggle('is-on', i < upto));
    const checked = () => Number((stars.querySelector('input:checked') || {}).value || 0);
    stars.addEventListener('change', () => paint(checked()));
    stars.querySelectorAll('.fdc-star-wrap').forEach((l, i) => l.addEventListener('mouseenter', () => paint(i + 1)));
    stars.addEventListener('mouseleave', () => paint(checked()));
    const comment = h('textarea', { id: 'fdc-comment', rows: 2, maxlength: 2000, placeholder: 'Anything we could do better? (optional)' });
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', text: 'Send rating' });
    const form = h('form', { class: 'fdc-rate', 'aria-label': 'Rate this chat' },
      h('fieldset', { class: 'fdc-fieldset' }, h('legend', { text: 'How did we do?' }), stars),
      h('label', { for: 'fdc-comment', class: 'visually-hidden', text: 'Comment' }), comment, box, submit);
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const v = form.querySelector(`input[name=${name}]:checked`);
      if (!v) { box.show('Please choose 1 to 5 stars.'); return; }
      submit.disabled = true;
      box.clear();
      try {
        const body = { rating: Number(v.value) };
        if (comment.value.trim()) body.comment = comment.value.trim();
        await api.post(this.chatPath('/rating') + this.tokenQuery(), body);
        form.replaceWith(h('p', { class: 'fdc-thanks', role: 'status', text: 'Thanks for your feedback!' }));
      } catch (err) {
        submit.disabled = false;
        box.show(err.message);
      }
    });
    return form;
  }

  transcriptButton() {
    const status = h('p', { class: 'fdc-transcript-status', role: 'status' });
    const btn = h('button', {
      type: 'button', class: 'btn btn-secondary btn-sm', text: 'Email me the transcript', onclick: async () => {
        btn.disabled = true;
        status.textContent = 'Sending…';
        try {
          await api.post(this.chatPath('/transcript') + this.tokenQuery());
          status.textContent = 'The transcript is on its way to your inbox.';
          btn.textContent = 'Transcript sent';
        } catch (err) {
          btn.disabled = false;
          status.textContent = err.message;
        }
      },
    });
    return h('div', { class: 'fdc-transcript' }, btn, status);
  }

  newChat() {
    const dept = this.chat && this.chat.department;
    if (this.sock) this.sock.close();
    this.sock = null;
    this.stopPolling();
    this.chat = null;
    this.endedShown = false;
    this.log = null;
    saveStored(null);
    this.showStart({ department: dept }).then(() => this.focusFirst());
  }
}

function initials(name) {
  return String(name || '?').split(/\s+/).filter(Boolean).slice(0, 2).map((s) => s[0].toUpperCase()).join('') || '?';
}

// Mount on customer pages (not inside the agent console, which imports ChatSocket only).
if (typeof document !== 'undefined' && !document.body.classList.contains('app-agent') && !window.__fdChatWidget) {
  window.__fdChatWidget = new Widget();
}

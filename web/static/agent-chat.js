// Agent console — Chats tab (#/chats): presence (online/away/offline + capacity), a WebSocket
// ({"type":"hello","agent":true}) for new chats, queue updates and assignments, the list of my
// active chats with unread badges, several chats open side by side or as tabs (transcript,
// composer, canned responses, the customer's past tickets) and the actions transfer, escalate,
// convert to ticket and end. docs/chat.md is the contract. Server text only via textContent.

import * as api from './api.js';
import { h, mount, errorBox, statusBadge, timeEl } from './ui.js';
import { ChatSocket, wsUrl, newClientId, clockTime, attachmentLink, waitText } from './chat-widget.js';

const TYPING_EVERY_MS = 2000;
const TYPING_SHOW_MS = 4000;
const POLL_MS = 10000;
const FAST_POLL_MS = 3000;
const PREF_KEY = 'fd-agent-chat';

const S = {
  user: null,
  deptName: (s) => s,
  sock: null,
  conn: 'closed',
  status: null,       // online | away | offline (null = unknown)
  capacity: 3,
  activeCount: 0,
  chats: new Map(),   // id → entry
  queue: [],
  open: [],           // ids open in the workspace
  current: null,      // selected tab (tabs mode)
  mode: 'tabs',       // tabs | side
  canned: null,
  agents: null,
  root: null,
  pollTimer: null,
  flashTimer: null,
  baseTitle: null,
};

function prefs() {
  try { return JSON.parse(sessionStorage.getItem(PREF_KEY) || '{}'); } catch { return {}; }
}
function savePrefs() {
  try { sessionStorage.setItem(PREF_KEY, JSON.stringify({ mode: S.mode, status: S.status, capacity: S.capacity })); } catch { /* ignore */ }
}

const onChatsRoute = () => /^#\/chats/.test(location.hash);
const key = (id) => String(id);

// --- lifecycle ---------------------------------------------------------------------------------

/** Starts the chat machinery for a signed-in staff member (idempotent). */
export function initAgentChat({ user, deptName }) {
  if (S.user && user && S.user.id === user.id) return;
  stopAgentChat();
  S.user = user;
  if (deptName) S.deptName = deptName;
  const p = prefs();
  if (p.mode === 'side' || p.mode === 'tabs') S.mode = p.mode;
  if (p.capacity) S.capacity = p.capacity;
  if (p.status) S.status = p.status;
  S.baseTitle = document.title;
  document.addEventListener('visibilitychange', onVisible);
  window.addEventListener('focus', onVisible);
  window.addEventListener('hashchange', onVisible);
  refresh().catch(() => null);
  connect();
}

export function stopAgentChat() {
  if (S.sock) S.sock.close();
  clearInterval(S.pollTimer);
  stopTitleFlash();
  Object.assign(S, {
    user: null, sock: null, conn: 'closed', status: null, chats: new Map(), queue: [], open: [], current: null,
    canned: null, agents: null, root: null, pollTimer: null, activeCount: 0,
  });
  document.removeEventListener('visibilitychange', onVisible);
  window.removeEventListener('focus', onVisible);
  window.removeEventListener('hashchange', onVisible);
}

function connect() {
  S.sock = new ChatSocket({
    url: () => wsUrl(null),
    onOpen: (s) => {
      s.send({ type: 'hello', agent: true });
      for (const e of S.chats.values()) {
        if (!e.ended) s.send({ type: 'hello', chat: e.chat.id, last_seq: e.lastSeq });
        for (const [cid, p] of e.pending) if (!p.acked) s.send({ type: 'message', chat: e.chat.id, body: p.body, client_id: cid });
        e.readSent = 0;
      }
      markVisibleRead();
      // Catch up with anything assigned while we were away.
      refresh().catch(() => null);
    },
    onEvent,
    onStatus: (st) => { S.conn = st; updatePresence(); for (const e of S.chats.values()) renderReceipt(e); },
  });
  clearInterval(S.pollTimer);
  S.pollTimer = setInterval(tick, FAST_POLL_MS);
}

// A safety net: the list is re-read every POLL_MS while online; while the WebSocket is down the
// open chats are read over REST every FAST_POLL_MS (messages de-duplicated by seq) and
// replies are posted over REST with their client_id.
let lastSlow = 0;
async function tick() {
  if (!S.user) return;
  const down = !(S.sock && S.sock.open);
  const now = Date.now();
  if (down || (S.status === 'online' && now - lastSlow >= POLL_MS)) {
    lastSlow = now;
    await refresh().catch(() => null);
  }
  if (!down) return;
  for (const e of [...S.chats.values()]) {
    if (e.ended || e.gone || e.polling) continue;
    e.polling = true;
    try {
      const res = await api.get(`/chat/${encodeURIComponent(e.chat.id)}`);
      for (const m of res.messages || []) addMessage(e, m);
      const c = res.chat || {};
      if (c.status === 'ended' || c.status === 'converted') {
        e.ended = true;
        if (c.ticket) e.ticket = String(c.ticket);
        if (!e.endNote) e.endNote = c.status === 'converted' ? 'Converted to a ticket.' : 'The chat has ended.';
        renderPane(e);
        renderSide();
      } else if (c.agent && c.agent.id !== S.user.id) {
        removeChat(key(e.chat.id), `Transferred to ${c.agent.name || 'another agent'}.`);
      } else if (c.status === 'queued') {
        removeChat(key(e.chat.id), 'Back in the queue.');
      }
      for (const cid of e.pending.keys()) postPending(e, cid);
    } catch (err) {
      if (err.status === 404 || err.status === 403) removeChat(key(e.chat.id), 'This chat is no longer assigned to you.');
    } finally {
      e.polling = false;
    }
  }
}

function postPending(e, cid) {
  const p = e.pending.get(cid);
  if (!p || p.posting) return;
  p.posting = true;
  api.post(`/chat/${encodeURIComponent(e.chat.id)}/messages`, { body: p.body, client_id: cid })
    .then((r) => { if (r && r.seq != null) onAck(e, { client_id: cid, seq: r.seq }); })
    .catch(() => { /* retried on the next tick */ })
    .finally(() => { p.posting = false; });
}

/** GET /agent/chats: my active chats and my queue. New chats are added (and announced). */
async function refresh() {
  const res = await api.get('/agent/chats');
  if (!S.user) return;
  const pres = (res && res.presence) || res || {};
  if (typeof pres.status === 'string') S.status = pres.status;
  if (pres.capacity) S.capacity = pres.capacity;
  if (Array.isArray(res && res.queue)) S.queue = res.queue;
  const ids = new Set();
  for (const c of (res && res.chats) || []) {
    ids.add(key(c.id));
    const had = S.chats.get(key(c.id));
    if (had && had.gone) S.chats.delete(key(c.id));
    if (!had || had.gone) await addChat(c.id, { announce: S.initialised, chat: c });
  }
  S.initialised = true;
  S.activeCount = ids.size;
  renderSide();
  renderStatusBar();
}

// --- presence ----------------------------------------------------------------------------------

async function setStatus(status, capacity, box) {
  const res = await api.request('PUT', '/agent/status', { status, capacity });
  S.status = (res && res.status) || status;
  S.capacity = (res && res.capacity) || capacity;
  if (res && typeof res.active_chats === 'number') S.activeCount = res.active_chats;
  savePrefs();
  if (box) box.clear();
  renderStatusBar();
  renderSide();
  renderWork();
  refresh().catch(() => null);
}

// --- chats -------------------------------------------------------------------------------------

function newEntry(chat) {
  return {
    chat, messages: [], seqs: new Set(), lastSeq: 0, pending: new Map(), otherRead: 0, readSent: 0, unread: 0,
    ended: false, endNote: null, tickets: undefined, lastTyping: 0, typingTimer: null, els: null, draft: '',
  };
}

async function addChat(id, { announce = true, chat = null } = {}) {
  const k = key(id);
  if (S.chats.has(k)) return S.chats.get(k);
  const e = newEntry(chat || { id });
  S.chats.set(k, e);
  try {
    const res = await api.get(`/chat/${encodeURIComponent(id)}`);
    e.chat = res.chat || e.chat;
    for (const m of res.messages || []) addMessage(e, m, true);
  } catch (err) {
    e.loadError = err.message;
  }
  if (!S.open.includes(k)) S.open.push(k);
  if (!S.current || !S.open.includes(S.current)) S.current = k;
  if (S.sock) S.sock.send({ type: 'hello', chat: e.chat.id, last_seq: e.lastSeq });
  loadTickets(e);
  if (announce) {
    e.unread = Math.max(e.unread, 1);
    notify(`New chat from ${customerName(e)}`, k);
  }
  renderAll();
  markVisibleRead();
  return e;
}

function removeChat(k, note) {
  const e = S.chats.get(k);
  if (!e) return;
  e.ended = true;
  e.endNote = note;
  e.gone = true;
  renderPane(e);
  renderSide();
}

function customerName(e) {
  const c = e.chat.customer || {};
  return c.name || c.email || `Chat #${e.chat.id}`;
}

async function loadTickets(e) {
  const cid = e.chat.customer && e.chat.customer.id;
  if (!cid) { e.tickets = []; return; }
  try {
    const res = await api.listTickets({ requester: cid, limit: 8, status: 'new,open,pending,on_hold,solved,closed' });
    e.tickets = res.tickets || [];
  } catch (err) {
    e.tickets = { error: err.message };
  }
  renderInfo(e);
}

function onEvent(ev) {
  const me = S.user && S.user.id;
  const k = ev.chat != null ? key(typeof ev.chat === 'object' ? ev.chat.id : ev.chat) : null;
  const e = k ? S.chats.get(k) : null;
  switch (ev.type) {
    case 'message': if (e) addMessage(e, ev); break;
    case 'ack': if (e) onAck(e, ev); break;
    case 'typing': if (e && !isMe(ev.who)) showTyping(e); break;
    case 'read':
      if (e && !isMe(ev.who)) { e.otherRead = Math.max(e.otherRead, Number(ev.seq) || 0); renderReceipt(e); }
      break;
    case 'assigned':
    case 'transferred': {
      const agentId = ev.agent && ev.agent.id;
      if (agentId === me) {
        if (!e) addChat(k, { announce: true });
        else if (e.gone) { S.chats.delete(k); addChat(k, { announce: true }); }
      } else if (e && agentId != null) {
        removeChat(k, `Transferred to ${ev.agent.name || 'another agent'}.`);
      }
      break;
    }
    case 'escalated':
      if (e) removeChat(k, `Escalated to tier ${ev.tier || '?'}; it is back in the queue.`);
      break;
    case 'ended':
      if (e) {
        e.ended = true;
        e.endReason = ev.reason;
        if (ev.ticket) e.ticket = String(ev.ticket.reference || ev.ticket);
        // Our own End/Convert already wrote the note (the event may come after the answer).
        if (!e.endNote) {
          e.endNote = ev.reason === 'customer' ? 'The customer ended the chat.'
            : ev.reason === 'converted' ? 'Converted to a ticket.' : 'The chat has ended.';
        }
        renderPane(e);
        renderSide();
      }
      break;
    case 'new_chat': {
      // Sent to an agent's socket when a chat is assigned to them (and for new queued chats).
      const c = ev.chat || {};
      if (c.agent && c.agent.id === me) {
        const had = S.chats.get(key(c.id));
        if (had && had.gone) S.chats.delete(key(c.id));
        if (!had || had.gone) addChat(c.id, { announce: true, chat: c });
      } else if (c.status === 'queued' && c.id != null) {
        if (!S.queue.some((q) => key(q.id) === key(c.id))) S.queue.push(c);
        renderSide();
      }
      refresh().catch(() => null);
      break;
    }
    case 'queue_update':
      if (Array.isArray(ev.waiting)) { S.queue = ev.waiting; renderSide(); }
      break;
    case 'error':
      toast(ev.message || 'Chat error');
      break;
    default: break;
  }
}

function isMe(who) {
  const me = S.user && S.user.id;
  if (who == null) return false;
  if (typeof who === 'number') return who === me;
  if (typeof who === 'string') return who === 'agent' || who === String(me);
  if (typeof who === 'object') return who.id != null ? who.id === me : who.role && who.role !== 'customer';
  return false;
}

function addMessage(e, m, quiet = false) {
  const seq = Number(m.seq);
  if (Number.isFinite(seq) && e.seqs.has(seq)) return;
  const mine = m.author && m.author.id === S.user.id && m.kind !== 'system';
  if (mine && !m.attachment) {
    for (const [cid, p] of e.pending) {
      if (p.body === m.body) {
        e.pending.delete(cid);
        p.li.dataset.seq = String(seq);
        p.li.classList.remove('is-pending');
        e.seqs.add(seq);
        e.lastSeq = Math.max(e.lastSeq, seq);
        renderReceipt(e);
        return;
      }
    }
  }
  if (Number.isFinite(seq)) { e.seqs.add(seq); e.lastSeq = Math.max(e.lastSeq, seq); }
  e.messages.push(m);
  if (e.els) {
    const li = bubble(m, mine);
    const after = [...e.els.log.children].find((x) => x.dataset.seq && Number(x.dataset.seq) > seq);
    e.els.log.insertBefore(li, after || null);
    e.els.log.scrollTop = e.els.log.scrollHeight;
    if (!mine) e.els.typing.textContent = '';
    renderReceipt(e);
  }
  if (!mine && !quiet && m.kind !== 'system') {
    if (!paneVisible(e)) {
      e.unread++;
      flashTitle(`${customerName(e)}: new message`);
      renderSide();
    }
    markVisibleRead();
  }
}

function bubble(m, mine) {
  if (m.kind === 'system') return h('li', { class: 'fdc-msg fdc-system', dataset: { seq: String(m.seq) } }, h('span', { text: m.body || '' }));
  const att = m.attachment ? attachmentLink(m.attachment) : null;
  return h('li', { class: `fdc-msg ${mine ? 'fdc-mine' : 'fdc-theirs'}${m.pending ? ' is-pending' : ''}`, dataset: m.seq != null ? { seq: String(m.seq) } : null },
    h('span', { class: 'fdc-author', text: mine ? 'You' : `${(m.author && m.author.name) || 'Customer'}${m.author && m.author.role && m.author.role !== 'customer' ? ' (agent)' : ''}` }),
    h('div', { class: 'fdc-bubble' },
      m.body && !(att && m.body === m.attachment.filename) ? h('span', { class: 'fdc-text', text: m.body }) : null, att),
    h('span', { class: 'fdc-meta' }, h('time', { text: clockTime(m.created_at || Date.now()) }), h('span', { class: 'fdc-receipt' })));
}

function onAck(e, ev) {
  const p = e.pending.get(ev.client_id);
  if (!p) return;
  const seq = Number(ev.seq);
  e.pending.delete(ev.client_id);
  if (e.seqs.has(seq)) { if (p.li.dataset.seq !== String(seq)) p.li.remove(); } else {
    e.seqs.add(seq);
    e.lastSeq = Math.max(e.lastSeq, seq);
    p.li.dataset.seq = String(seq);
  }
  p.li.classList.remove('is-pending');
  renderReceipt(e);
}

function renderReceipt(e) {
  if (!e.els) return;
  const mine = [...e.els.log.querySelectorAll('.fdc-mine')];
  mine.forEach((li) => { li.classList.remove('is-last-mine'); const r = li.querySelector('.fdc-receipt'); if (r) r.textContent = ''; });
  const last = mine[mine.length - 1];
  if (!last) return;
  last.classList.add('is-last-mine');
  const r = last.querySelector('.fdc-receipt');
  const seq = Number(last.dataset.seq);
  if (last.classList.contains('is-pending')) r.textContent = ' · Sending…';
  else if (seq && e.otherRead >= seq) r.textContent = ' · Read';
  else r.textContent = ' · Sent';
}

function send(e, text) {
  const cid = newClientId();
  const li = bubble({ body: text, created_at: Date.now(), pending: true, author: { id: S.user.id } }, true);
  e.els.log.appendChild(li);
  e.els.log.scrollTop = e.els.log.scrollHeight;
  e.pending.set(cid, { body: text, li, acked: false });
  renderReceipt(e);
  if (!(S.sock && S.sock.send({ type: 'message', chat: e.chat.id, body: text, client_id: cid }))) postPending(e, cid);
}

function sendTyping(e) {
  const now = Date.now();
  if (!S.sock || now - e.lastTyping < TYPING_EVERY_MS) return;
  if (S.sock.send({ type: 'typing', chat: e.chat.id })) e.lastTyping = now;
}

function showTyping(e) {
  if (!e.els) return;
  e.els.typing.textContent = `${customerName(e)} is typing…`;
  clearTimeout(e.typingTimer);
  e.typingTimer = setTimeout(() => { if (e.els) e.els.typing.textContent = ''; }, TYPING_SHOW_MS);
}

function paneVisible(e) {
  if (!onChatsRoute() || document.visibilityState !== 'visible' || !e.els || !e.els.pane.isConnected) return false;
  if (!S.open.includes(key(e.chat.id))) return false;
  return S.mode === 'side' || S.current === key(e.chat.id);
}

function markVisibleRead() {
  let changed = false;
  for (const e of S.chats.values()) {
    if (!paneVisible(e)) continue;
    if (e.unread) { e.unread = 0; changed = true; }
    if (e.lastSeq > e.readSent && !e.ended && S.sock && S.sock.send({ type: 'read', chat: e.chat.id, seq: e.lastSeq })) e.readSent = e.lastSeq;
  }
  if (changed) renderSide();
  if (totalUnread() === 0) stopTitleFlash();
}

function onVisible() {
  markVisibleRead();
  updateNavCount();
}

// --- notifications -----------------------------------------------------------------------------

function totalUnread() {
  let n = 0;
  for (const e of S.chats.values()) n += e.unread;
  return n;
}

function flashTitle(text) {
  if (document.visibilityState === 'visible' && onChatsRoute() && document.hasFocus()) return;
  stopTitleFlash();
  S.baseTitle = S.baseTitle || document.title;
  let on = false;
  S.flashTimer = setInterval(() => {
    on = !on;
    document.title = on ? `● ${text}` : S.baseTitle;
  }, 1000);
  document.title = `● ${text}`;
}

function stopTitleFlash() {
  if (S.flashTimer) { clearInterval(S.flashTimer); S.flashTimer = null; }
  if (S.baseTitle) document.title = S.baseTitle;
}

let toastTimer = null;
function toast(text, k) {
  document.querySelector('.ac-toast')?.remove();
  const t = h('div', { class: 'ac-toast', role: 'status', 'aria-live': 'polite', 'data-testid': 'chat-toast' },
    h('span', { text }),
    k && !onChatsRoute() ? h('a', { href: '#/chats', text: 'Open' }) : null);
  document.body.appendChild(t);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.remove(), 6000);
}

function notify(text, k) {
  toast(text, k);
  flashTitle(text);
  const e = S.chats.get(k);
  if (e && e.els) {
    e.els.pane.classList.remove('is-flash');
    void e.els.pane.offsetWidth; // restart the animation
    e.els.pane.classList.add('is-flash');
  }
}

/** Updates the unread count on the "Chats" link of the top bar (agent.js adds the link). */
export function updateNavCount() {
  const a = document.querySelector('.topnav a[href="#/chats"]');
  if (!a) return;
  let c = a.querySelector('.count');
  const n = totalUnread();
  if (!c) { c = h('span', { class: 'count' }); a.appendChild(c); }
  c.textContent = String(n);
  c.hidden = !n;
  c.classList.toggle('ac-unread', n > 0);
  a.setAttribute('aria-label', n ? `Chats, ${n} unread` : 'Chats');
}

// --- view --------------------------------------------------------------------------------------

/** The Chats view (one persistent element, so drafts and scroll positions survive navigation). */
export function chatsView() {
  if (!S.root) buildRoot();
  renderAll();
  setTimeout(markVisibleRead, 0);
  loadDirectory();
  return S.root;
}

async function loadDirectory() {
  if (!S.canned) {
    try { S.canned = (await api.get('/chat/canned')).canned || []; } catch { S.canned = []; }
    for (const e of S.chats.values()) renderCanned(e);
  }
  if (!S.agents) {
    try { S.agents = (await api.agents()).agents || []; } catch { S.agents = []; }
  }
}

function buildRoot() {
  S.statusBar = h('div', { class: 'ac-status' });
  S.side = h('aside', { class: 'ac-side' });
  S.work = h('section', { class: 'ac-work', 'aria-label': 'Open chats' });
  S.search = buildSearch();
  S.root = h('div', { class: 'ac-root' },
    h('div', { class: 'ac-top' }, h('h1', { text: 'Live chats' }), S.statusBar),
    h('div', { class: 'ac-layout' }, S.side, S.work));
}

function renderAll() {
  renderStatusBar();
  renderSide();
  renderWork();
  updateNavCount();
}

function renderStatusBar() {
  if (!S.statusBar) return;
  if (S.statusBar.contains(document.activeElement) && S.statusBar.dataset.built) {
    // Do not rebuild under the user's cursor; update the indicators only.
    updatePresence();
    return;
  }
  const box = errorBox();
  const sel = h('select', { id: 'ac-status-sel', name: 'status' },
    [['online', 'Online'], ['away', 'Away'], ['offline', 'Offline']].map(([v, l]) => h('option', { value: v, selected: v === (S.status || 'offline'), text: l })));
  const cap = h('input', { type: 'number', id: 'ac-capacity', name: 'capacity', min: 1, max: 20, value: String(S.capacity || 3) });
  const btn = h('button', { type: 'submit', class: 'btn btn-primary', text: 'Set status' });
  const form = h('form', { class: 'ac-status-form', 'aria-label': 'My chat status' });
  S.presenceEl = h('span', { class: 'ac-presence' });
  S.connEl = h('span', { class: 'ac-conn' });
  form.append(
    S.presenceEl,
    h('div', { class: 'field' }, h('label', { for: 'ac-status-sel', text: 'My status' }), sel),
    h('div', { class: 'field' }, h('label', { for: 'ac-capacity', text: 'Max chats' }), cap),
    btn, S.connEl);
  form.classList.add('ac-status');
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const n = Math.max(1, Math.min(20, Number(cap.value) || 3));
    btn.disabled = true;
    try { await setStatus(sel.value, n, box); } catch (err) { box.show(err.message); } finally { btn.disabled = false; }
  });
  S.statusBar.replaceWith(form);
  S.statusBar = form;
  S.statusBar.dataset.built = '1';
  form.appendChild(box);
  updatePresence();
}

function updatePresence() {
  if (!S.presenceEl) return;
  const st = S.status || 'offline';
  S.presenceEl.className = `ac-presence is-${st}`;
  S.presenceEl.textContent = `${st === 'online' ? 'Online' : st === 'away' ? 'Away' : 'Offline'} · ${S.activeCount}/${S.capacity} chats`;
  S.presenceEl.dataset.status = st;
  S.connEl.textContent = S.conn === 'open' ? 'Live' : S.conn === 'connecting' ? 'Connecting…' : 'Reconnecting…';
  S.connEl.className = `ac-conn${S.conn === 'open' ? '' : ' is-down'}`;
}

function renderSide() {
  updateNavCount();
  if (!S.side) return;
  const active = [...S.chats.values()].filter((e) => !e.gone);
  const list = h('ul', { class: 'ac-list', 'aria-label': 'My chats' }, active.map((e) => {
    const k = key(e.chat.id);
    const last = e.messages[e.messages.length - 1];
    return h('li', null, h('button', {
      type: 'button', class: `ac-item${S.open.includes(k) && (S.mode === 'side' || S.current === k) ? ' is-open' : ''}`,
      dataset: { chatId: k }, onclick: () => openChat(k),
    },
    h('span', { class: 'ac-item-name', text: customerName(e) }),
    e.unread ? h('span', { class: 'count ac-unread', 'aria-label': `${e.unread} unread`, text: String(e.unread) }) : (e.ended ? h('span', { class: 'badge status-closed', text: 'Ended' }) : h('span')),
    h('span', { class: 'ac-item-sub', text: last ? last.body || '' : S.deptName(e.chat.department) })));
  }));
  const queue = h('ul', { class: 'ac-list ac-queue', 'aria-label': 'Waiting chats' }, S.queue.map((q) => h('li', null,
    h('span', { text: (q.customer && (q.customer.name || q.customer.email)) || `Chat #${q.id}` }),
    h('span', { class: 'muted', text: q.estimate_s != null ? waitText(q.estimate_s) : (q.position != null ? `#${Number(q.position) + 1}` : '') }))));
  mount(S.side,
    h('section', { class: 'card' },
      h('h2', { class: 'h3' }, 'My chats', h('span', { class: 'count', text: String(active.filter((e) => !e.ended).length) })),
      active.length ? list : h('p', { class: 'ac-empty', text: S.status === 'online' ? 'Waiting for customers…' : 'Go online to receive chats.' })),
    h('section', { class: 'card' },
      h('h2', { class: 'h3' }, 'Waiting in queue', h('span', { class: 'count', text: String(S.queue.length) })),
      S.queue.length ? queue : h('p', { class: 'ac-empty', text: 'Nobody is waiting.' })),
    S.search);
  updatePresence();
}

/** Search past and current chats (GET /api/v1/chat?q=): a word of a message, a name or email. */
function buildSearch() {
  const input = h('input', { type: 'search', name: 'q', maxlength: '200', 'aria-label': 'Search chats', placeholder: 'Words, name or email' });
  const results = h('ul', { class: 'ac-list ac-search-results', 'aria-label': 'Chat search results' });
  const box = errorBox();
  let next = null, q = '';
  const item = (c) => {
    const who = (c.customer && (c.customer.name || c.customer.email)) || `Chat #${c.id}`;
    const mine = c.status === 'active' && c.agent && S.user && c.agent.id === S.user.id;
    const link = c.ticket
      ? h('a', { href: `#/tickets/${encodeURIComponent(c.ticket)}`, text: `${who} → ${c.ticket}` })
      : mine ? h('a', { href: '#/chats', text: who, onclick: (ev) => { ev.preventDefault(); addChat(c.id, { announce: false, chat: c }).then(() => openChat(key(c.id))); } })
        : h('a', { href: `/api/v1/chat/${encodeURIComponent(c.id)}`, target: '_blank', rel: 'noopener', text: who });
    return h('li', { dataset: { chatId: String(c.id) } }, link,
      h('span', { class: 'muted', text: ` ${S.deptName(c.department)} · ${c.status} · ` }), timeEl(c.created_at));
  };
  const more = h('button', { type: 'button', class: 'btn-link', text: 'More results', hidden: true });
  const run = async (append) => {
    box.clear();
    try {
      const qs = new URLSearchParams({ q, limit: '20' });
      if (append && next) qs.set('cursor', next);
      const res = await api.get(`/chat?${qs}`);
      if (!append) results.replaceChildren();
      for (const c of res.chats || []) results.appendChild(item(c));
      if (!results.children.length) results.appendChild(h('li', { class: 'ac-empty', text: 'No chats found.' }));
      next = res.next_cursor;
      more.hidden = !next;
    } catch (e) { box.show(e.message); }
  };
  more.addEventListener('click', () => run(true));
  const form = h('form', { class: 'ac-search', role: 'search', onsubmit: (ev) => { ev.preventDefault(); q = input.value.trim(); next = null; run(false); } },
    input, h('button', { type: 'submit', class: 'btn', text: 'Search' }));
  return h('section', { class: 'card' }, h('h2', { class: 'h3', text: 'Search chats' }), form, box, results, more);
}

function openChat(k) {
  if (!S.open.includes(k)) S.open.push(k);
  S.current = k;
  renderWork();
  renderSide();
  const e = S.chats.get(k);
  if (e && e.els) e.els.input.focus();
  markVisibleRead();
}

function closeChat(k) {
  S.open = S.open.filter((x) => x !== k);
  const e = S.chats.get(k);
  if (e && (e.ended || e.gone)) { S.chats.delete(k); if (e.els) e.els.pane.remove(); }
  if (S.current === k) S.current = S.open[S.open.length - 1] || null;
  renderWork();
  renderSide();
}

function renderWork() {
  if (!S.work) return;
  const modeBtn = (m, label) => h('button', {
    type: 'button', 'aria-pressed': String(S.mode === m), onclick: () => { S.mode = m; savePrefs(); renderWork(); renderSide(); markVisibleRead(); }, text: label,
  });
  const head = h('div', { class: 'ac-work-head' },
    h('h2', { class: 'visually-hidden', text: 'Open chats' }),
    S.mode === 'tabs' && S.open.length ? h('div', { class: 'ac-tabs', role: 'tablist', 'aria-label': 'Open chats' }, S.open.map((k) => {
      const e = S.chats.get(k);
      if (!e) return null;
      return h('button', {
        type: 'button', role: 'tab', class: 'ac-tab', 'aria-selected': String(S.current === k), id: `ac-tab-${k}`,
        'aria-controls': `ac-pane-${k}`, onclick: () => openChat(k),
      }, h('span', { text: customerName(e) }), e.unread ? h('span', { class: 'count ac-unread', text: String(e.unread) }) : null);
    })) : h('span'),
    h('div', { class: 'ac-mode', role: 'group', 'aria-label': 'Layout' }, modeBtn('tabs', 'Tabs'), modeBtn('side', 'Side by side')));
  const panes = h('div', { class: `ac-panes ${S.mode === 'side' ? 'is-side' : 'is-tabs'}` });
  const shown = S.mode === 'side' ? S.open : (S.current ? [S.current] : []);
  for (const k of shown) {
    const e = S.chats.get(k);
    if (!e) continue;
    if (!e.els) renderPane(e);
    panes.appendChild(e.els.pane);
  }
  // Keep the DOM of the current panes (drafts, scroll); only reparent them.
  S.work.replaceChildren(head, shown.length ? panes : h('div', { class: 'ac-empty-work' },
    h('p', { text: S.chats.size ? 'Select a chat on the left.' : 'No open chats.' }),
    h('p', { class: 'muted', text: S.status === 'online' ? 'New chats open here automatically.' : 'Set your status to Online to start receiving chats.' })));
  for (const k of shown) {
    const e = S.chats.get(k);
    if (e && e.els) e.els.log.scrollTop = e.els.log.scrollHeight;
  }
}

function renderPane(e) {
  const k = key(e.chat.id);
  const c = e.chat;
  const cust = c.customer || {};
  if (!e.els) {
    const log = h('ol', { class: 'ac-log', role: 'log', 'aria-label': `Conversation with ${customerName(e)}`, 'aria-live': 'polite', tabindex: '0' });
    const typing = h('p', { class: 'ac-typing', 'aria-live': 'polite' });
    const input = h('textarea', { id: `ac-input-${k}`, rows: 2, maxlength: 4000, placeholder: 'Type a reply… (Enter to send, Shift+Enter for a new line)' });
    const canned = h('select', { 'aria-label': 'Canned response', class: 'ac-canned' });
    const composerBox = errorBox();
    const composer = h('form', { class: 'ac-composer' },
      h('label', { for: input.id, class: 'visually-hidden', text: `Message to ${customerName(e)}` }), input, composerBox,
      h('div', { class: 'ac-composer-row' }, canned, h('button', { type: 'submit', class: 'btn btn-primary btn-sm', text: 'Send' })));
    input.addEventListener('input', () => { e.draft = input.value; sendTyping(e); });
    input.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) { ev.preventDefault(); composer.requestSubmit(); }
    });
    input.addEventListener('focus', markVisibleRead);
    composer.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text || e.ended) return;
      send(e, text);
      input.value = '';
      e.draft = '';
    });
    canned.addEventListener('change', () => {
      const item = (S.canned || []).find((x) => String(x.id) === canned.value);
      if (item) {
        input.value = input.value ? `${input.value.replace(/\s+$/, '')} ${item.body}` : item.body;
        input.focus();
        sendTyping(e);
      }
      canned.value = '';
    });
    const head = h('header', { class: 'ac-pane-head' });
    const slot = h('div', { class: 'ac-slot' });
    const info = h('aside', { class: 'ac-info', 'aria-label': 'Customer details' });
    const endBox = h('div', { class: 'ac-ended', hidden: true });
    const pane = h('article', { class: 'ac-pane', id: `ac-pane-${k}`, dataset: { chatId: k }, 'aria-label': `Chat with ${customerName(e)}` },
      head, slot,
      h('div', { class: 'ac-pane-body' }, h('div', { class: 'ac-convo' }, log, typing, composer, endBox), info));
    pane.addEventListener('click', markVisibleRead);
    e.els = { pane, head, slot, log, typing, input, canned, composer, info, endBox };
    for (const m of e.messages) log.appendChild(bubble(m, m.author && m.author.id === S.user.id && m.kind !== 'system'));
    renderCanned(e);
  }
  const els = e.els;
  els.pane.setAttribute('aria-label', `Chat with ${customerName(e)}`);
  const action = (label, fn, cls = 'btn-secondary') => h('button', { type: 'button', class: `btn ${cls} btn-sm`, onclick: fn, text: label });
  mount(els.head,
    h('div', { class: 'ac-pane-title' },
      h('h2', { text: customerName(e) }),
      h('div', { class: 'ac-pane-meta', text: [cust.email, S.deptName(c.department), c.tier ? `Tier ${c.tier}` : null, c.created_at ? `started ${clockTime(c.created_at)}` : null].filter(Boolean).join(' · ') })),
    h('div', { class: 'ac-actions' },
      e.ended ? null : [
        action('Transfer', () => transferForm(e)),
        action('Escalate', () => escalateForm(e)),
        action('Convert to ticket', () => convert(e)),
        action('End chat', () => endChat(e), 'btn-ghost')],
      e.ended ? action('Close', () => closeChat(k), 'btn-ghost') : null));
  els.composer.hidden = !!e.ended;
  els.endBox.hidden = !e.ended;
  if (e.ended) {
    mount(els.endBox,
      h('p', { role: 'status', text: e.endNote || 'The chat has ended.' }),
      e.ticket && /^FD-\d+$/.test(e.ticket) ? h('p', null, 'Ticket ', h('a', { href: `#/tickets/${encodeURIComponent(e.ticket)}`, class: 'mono', text: e.ticket })) : null,
      action('Close', () => closeChat(k)));
    els.slot.replaceChildren();
  }
  if (e.loadError) els.slot.replaceChildren(h('p', { class: 'form-error', role: 'alert', text: e.loadError }));
  renderInfo(e);
  renderReceipt(e);
}

function renderCanned(e) {
  if (!e.els) return;
  const opts = [h('option', { value: '', text: S.canned && S.canned.length ? 'Canned response…' : 'No canned responses' })];
  for (const c of S.canned || []) opts.push(h('option', { value: String(c.id), text: c.title }));
  e.els.canned.replaceChildren(...opts);
}

function renderInfo(e) {
  if (!e.els) return;
  const c = e.chat.customer || {};
  let tickets;
  if (e.tickets === undefined) tickets = h('p', { class: 'ac-empty', text: 'Loading…' });
  else if (e.tickets && e.tickets.error) tickets = h('p', { class: 'form-error', text: e.tickets.error });
  else if (!e.tickets.length) tickets = h('p', { class: 'ac-empty', text: 'No earlier tickets.' });
  else {
    tickets = h('ul', { class: 'ac-tickets' }, e.tickets.map((t) => h('li', null,
      h('a', { href: `#/tickets/${encodeURIComponent(t.reference)}` }, h('span', { class: 'mono', text: t.reference }), ' ', h('span', { text: t.subject || '(no subject)' })),
      h('div', { class: 'related-meta' }, statusBadge(t.status), timeEl(t.updated_at || t.created_at, true)))));
  }
  mount(e.els.info,
    h('h3', { text: 'Customer' }),
    h('p', null, h('strong', { text: c.name || '—' }), h('br'), h('span', { class: 'muted break', text: c.email || '' })),
    h('h3', { text: 'Past tickets' }), tickets);
}

// --- actions -----------------------------------------------------------------------------------

function slotForm(e, title, controls, submitLabel, run) {
  const box = errorBox();
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-sm', text: submitLabel });
  const form = h('form', { class: 'ac-action-form', 'aria-label': title },
    h('strong', { text: title }), controls, box,
    h('div', { class: 'form-actions' },
      h('button', { type: 'button', class: 'btn btn-ghost btn-sm', onclick: () => form.remove(), text: 'Cancel' }), submit));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    submit.disabled = true;
    box.clear();
    try { await run(); form.remove(); } catch (err) { box.show(err.message); submit.disabled = false; }
  });
  form.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') { form.remove(); e.els.input.focus(); } });
  e.els.slot.replaceChildren(form);
  const first = form.querySelector('select, textarea, input');
  if (first) first.focus();
  return form;
}

async function transferForm(e) {
  await loadDirectory();
  const others = (S.agents || []).filter((a) => a.id !== S.user.id && a.role !== 'customer');
  const sel = h('select', { id: `ac-transfer-${e.chat.id}` },
    h('option', { value: '', text: 'Choose an agent…' }),
    others.map((a) => h('option', { value: String(a.id), text: `${a.name}${a.department ? ' · ' + S.deptName(a.department) : ''}${a.tier ? ' · T' + a.tier : ''}` })));
  slotForm(e, 'Transfer this chat', h('div', { class: 'field' },
    h('label', { for: sel.id, text: 'Transfer to' }), sel,
    h('span', { class: 'hint', text: 'The agent must be online with a free slot.' })), 'Transfer', async () => {
    if (!sel.value) throw new Error('Choose an agent.');
    const target = others.find((a) => String(a.id) === sel.value);
    await api.post(`/chat/${encodeURIComponent(e.chat.id)}/transfer`, { agent_id: Number(sel.value) });
    removeChat(key(e.chat.id), `Transferred to ${target ? target.name : 'another agent'}.`);
  });
}

function escalateForm(e) {
  const note = h('textarea', { id: `ac-escalate-${e.chat.id}`, rows: 2, maxlength: 2000, required: true });
  slotForm(e, 'Escalate to the next tier', h('div', { class: 'field' },
    h('label', { for: note.id, text: 'Note for the next tier (internal)' }), note), 'Escalate', async () => {
    if (!note.value.trim()) throw new Error('Add a note for the next tier.');
    const res = await api.post(`/chat/${encodeURIComponent(e.chat.id)}/escalate`, { note: note.value.trim() });
    const tier = res && res.chat && res.chat.tier;
    removeChat(key(e.chat.id), `Escalated${tier ? ` to tier ${tier}` : ''}; it is back in the queue.`);
  });
}

function convert(e) {
  slotForm(e, 'Convert this chat to a ticket?', h('p', { class: 'hint', text: 'The transcript becomes the ticket thread and the chat ends.' }), 'Convert to ticket', async () => {
    const res = await api.post(`/chat/${encodeURIComponent(e.chat.id)}/convert`);
    const t = res && res.ticket;
    e.ticket = t ? String(t.reference || t) : null;
    e.ended = true;
    e.endNote = e.ticket ? `Converted to ticket ${e.ticket}.` : 'Converted to a ticket.';
    renderPane(e);
    renderSide();
  });
}

function endChat(e) {
  slotForm(e, 'End this chat?', h('p', { class: 'hint', text: 'The customer will be asked to rate the conversation.' }), 'End chat', async () => {
    await api.post(`/chat/${encodeURIComponent(e.chat.id)}/end`);
    e.ended = true;
    e.endNote = 'You ended the chat.';
    renderPane(e);
    renderSide();
  });
}

// Frontdesk API client: JSON in/out, same-origin cookie session, CSRF token on unsafe methods,
// and {"error":{code,message}} turned into a thrown ApiError whose message is shown to the user.

const BASE = '/api/v1';
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS']);

let csrfToken = null;
let unauthorizedHandler = null;

/** Error thrown for any non-2xx answer; `message` is the server's human-readable text. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || `Request failed (HTTP ${status})`);
    this.name = 'ApiError';
    this.status = status;
    this.code = code || 'http_' + status;
  }
}

export function setCsrfToken(token) { csrfToken = token || null; }
export function getCsrfToken() { return csrfToken; }

/** Called (once per failing request) when the server answers 401 to a non-auth request. */
export function onUnauthorized(fn) { unauthorizedHandler = fn; }

function remember(json) {
  if (json && typeof json === 'object' && 'csrf_token' in json) setCsrfToken(json.csrf_token);
  return json;
}

async function parseError(res) {
  let code = null;
  let message = null;
  try {
    const json = await res.json();
    if (json && json.error) {
      code = json.error.code || null;
      message = json.error.message || null;
    }
  } catch { /* not JSON */ }
  if (!message) {
    message = res.status === 413 ? 'The file is too large.'
      : res.status === 429 ? 'Too many attempts. Please wait a few minutes and try again.'
      : res.status >= 500 ? 'The server had a problem. Please try again.'
      : `Request failed (HTTP ${res.status}).`;
  }
  return new ApiError(res.status, code, message);
}

/**
 * Low-level request. `body` is JSON-encoded unless it is a Blob/File/ArrayBuffer, which is sent
 * raw with `contentType`. Returns the parsed JSON (or null for 204 / empty bodies).
 */
export async function request(method, path, body, { contentType, query } = {}) {
  method = method.toUpperCase();
  let url = path.startsWith('/') && !path.startsWith(BASE) ? BASE + path : path;
  if (query) {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
    }
    const s = qs.toString();
    if (s) url += (url.includes('?') ? '&' : '?') + s;
  }
  const headers = { Accept: 'application/json' };
  let payload;
  if (body instanceof Blob || body instanceof ArrayBuffer || ArrayBuffer.isView(body)) {
    payload = body;
    headers['Content-Type'] = contentType || (body instanceof Blob && body.type) || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  if (!SAFE.has(method) && csrfToken) headers['X-CSRF-Token'] = csrfToken;

  let res;
  try {
    res = await fetch(url, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network', 'Could not reach the server. Check your connection and try again.');
  }
  if (!res.ok) {
    const err = await parseError(res);
    if (res.status === 401 && unauthorizedHandler && !url.startsWith(BASE + '/auth/')) {
      setCsrfToken(null);
      unauthorizedHandler(err);
    }
    throw err;
  }
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(res.status, 'bad_response', 'The server sent an unreadable answer.');
  }
}

export const get = (path, query) => request('GET', path, undefined, { query });
export const post = (path, body) => request('POST', path, body === undefined ? {} : body);
export const patch = (path, body) => request('PATCH', path, body);

// --- auth ----------------------------------------------------------------------------------

export async function me() { return remember(await get('/me')); }
export async function login(email, password) {
  return remember(await request('POST', '/auth/login', { email, password }));
}
export async function signup(email, name, password) {
  return remember(await request('POST', '/auth/signup', { email, name, password }));
}
export async function logout() {
  try { await request('POST', '/auth/logout'); } finally { setCsrfToken(null); }
}

// --- tickets -------------------------------------------------------------------------------

const ref = (r) => encodeURIComponent(r);

export const departments = () => get('/departments');
export const agents = () => get('/agents');
export const listTickets = (query) => get('/tickets', query);
export const ticketCounts = (query) => get('/tickets/counts', query);
export const getTicket = (r) => get(`/tickets/${ref(r)}`);
export const createTicket = (body) => post('/tickets', body);
export const updateTicket = (r, body) => patch(`/tickets/${ref(r)}`, body);
export const assignTicket = (r, assigneeId) => post(`/tickets/${ref(r)}/assign`, { assignee_id: assigneeId });
export const postMessage = (r, body) => post(`/tickets/${ref(r)}/messages`, body);
export const ticketEvents = (r) => get(`/tickets/${ref(r)}/events`);
export const relatedTickets = (r) => get(`/tickets/${ref(r)}/related`);

/** Uploads one File as the raw request body; resolves to the attachment object. */
export async function uploadAttachment(r, file) {
  const res = await request('POST', `/tickets/${ref(r)}/attachments`, file, {
    contentType: file.type || 'application/octet-stream',
    query: { filename: file.name || 'file' },
  });
  return res.attachment;
}

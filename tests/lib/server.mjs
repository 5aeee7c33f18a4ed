// Test harness: starts the real frontdesk binary on an ephemeral loopback port with a
// fresh data dir, and gives a small HTTP client that keeps a cookie session + CSRF token.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BIN = process.env.FRONTDESK_BIN || join(root, 'build', 'frontdesk');

/** Runs a frontdesk CLI command synchronously; returns stdout. Throws on non-zero exit. */
export function cli(args, { input, env } = {}) {
  return execFileSync(BIN, args, {
    input, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Like cli() but never throws: returns {status, stdout, stderr}. */
export function cliResult(args, { input, env } = {}) {
  try {
    const stdout = cli(args, { input, env });
    return { status: 0, stdout, stderr: '' };
  } catch (e) {
    return { status: e.status, stdout: String(e.stdout || ''), stderr: String(e.stderr || '') };
  }
}

/**
 * Starts `frontdesk serve` on 127.0.0.1:0 with a temp data dir. Resolves to
 * {url, dataDir, proc, stop(), addUser(opts)}. Set opts.demo to load demo data first.
 */
export async function startServer(opts = {}) {
  const dataDir = opts.dataDir || mkdtempSync(join(tmpdir(), 'fd-test-'));
  if (opts.demo) cli(['demo', '--data-dir', dataDir]);
  const env = { ...process.env, ...(opts.env || {}) };
  const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', dataDir, ...(opts.args || [])];
  const proc = spawn(BIN, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; if (process.env.FD_TEST_VERBOSE) process.stderr.write(d); });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start in 15s:\n' + stderr)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    });
    proc.on('exit', (code) => { clearTimeout(timer); reject(new Error(`server exited ${code}:\n${stderr}`)); });
  });
  proc.removeAllListeners('exit');
  const exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
  return {
    url, dataDir, proc, exited,
    stderr: () => stderr,
    /** Adds a user through the CLI (works while the server runs). Returns {email, password}. */
    addUser({ email, name = email.split('@')[0], role = 'customer', department, tier, password = 'correct-horse-battery' }) {
      const a = ['user', 'add', '--data-dir', dataDir, '--email', email, '--name', name, '--role', role, '--password-stdin'];
      if (department) a.push('--department', department);
      if (tier) a.push('--tier', String(tier));
      cli(a, { input: password + '\n' });
      return { email, password };
    },
    async stop({ keep = false } = {}) {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        await exited;
      }
      if (!keep && !opts.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A client with its own cookie jar and CSRF token. */
export class Client {
  constructor(base) { this.base = base; this.cookie = null; this.csrf = null; this.bearer = null; }

  async req(method, path, body, headers = {}) {
    const h = { ...headers };
    if (this.cookie) h.cookie = this.cookie;
    if (this.bearer) h.authorization = 'Bearer ' + this.bearer;
    if (this.csrf && method !== 'GET' && method !== 'HEAD') h['x-csrf-token'] = this.csrf;
    let payload = body;
    if (body !== undefined && typeof body !== 'string' && !(body instanceof Uint8Array)) {
      payload = JSON.stringify(body);
      h['content-type'] = h['content-type'] || 'application/json';
    }
    const res = await fetch(this.base + path, { method, headers: h, body: payload, redirect: 'manual' });
    const set = res.headers.get('set-cookie');
    if (set) {
      const m = set.match(/fd_session=([^;]*)/);
      if (m) this.cookie = m[1] ? `fd_session=${m[1]}` : null;
    }
    const text = await res.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch { json = null; }
    return { status: res.status, headers: res.headers, json, text };
  }
  get(p, h) { return this.req('GET', p, undefined, h); }
  post(p, b, h) { return this.req('POST', p, b, h); }
  patch(p, b, h) { return this.req('PATCH', p, b, h); }
  del(p, h) { return this.req('DELETE', p, undefined, h); }

  async login(email, password) {
    const r = await this.post('/api/v1/auth/login', { email, password });
    if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${r.text}`);
    this.csrf = r.json.csrf_token;
    this.user = r.json.user;
    return r;
  }
  async signup(email, password = 'correct-horse-battery', name = 'Test Customer') {
    const r = await this.post('/api/v1/auth/signup', { email, name, password });
    if (r.status !== 201) throw new Error(`signup ${email}: ${r.status} ${r.text}`);
    this.csrf = r.json.csrf_token;
    this.user = r.json.user;
    return r;
  }
}

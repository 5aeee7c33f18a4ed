// Mail servers for the email tests, all on 127.0.0.1 and all throwaway:
//   startSmtpSink()  tests/tools/smtp_sink.py (Debian's python3-aiosmtpd) — what Frontdesk sends
//   startDovecot()   a private Dovecot 2.3 instance with one IMAP user — what Frontdesk polls
//   imapConnect()    a tiny IMAP client (node:net) to look at the mailbox from the outside
// plus parseMail() for the raw messages they hold. Every start has a stop(); callers stop in
// after()/finally so no server outlives its test file.
import { spawn, execFileSync } from 'node:child_process';
import {
  mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, renameSync, rmSync, chmodSync,
  chownSync, existsSync, unlinkSync,
} from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo, hostname } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SINK = join(root, 'tests', 'tools', 'smtp_sink.py');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Spawns cmd under a small sh guard that stops it (SIGTERM, then waits) as soon as the
 * guard's stdin closes: when stop() closes it, and also when this process dies in any way
 * (a runner's SIGKILL included), so no sink or Dovecot outlives its test file.
 */
function spawnGuarded(cmd, args) {
  const script = '"$@" </dev/null & c=$!; while read -r _; do :; done; kill $c 2>/dev/null; wait $c';
  const proc = spawn('/bin/sh', ['-c', script, 'sh', cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
  proc.stdin.on('error', () => {});
  return proc;
}

async function stopGuarded(proc, exited) {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  proc.stdin.end();
  const t = setTimeout(() => proc.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(t);
}

/** Polls fn() until it returns a truthy value; throws with `what` after timeoutMs. */
export async function waitFor(fn, { timeout = 10000, interval = 50, what = 'condition' } = {}) {
  const end = Date.now() + timeout;
  let last;
  for (;;) {
    try { last = await fn(); } catch (e) { last = undefined; if (Date.now() > end) throw e; }
    if (last) return last;
    if (Date.now() > end) throw new Error(`timed out after ${timeout} ms waiting for ${what}`);
    await sleep(interval);
  }
}

/** A loopback port nothing listens on (right now). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** Resolves once something accepts connections on 127.0.0.1:port. */
export async function waitForPort(port, timeout = 10000) {
  await waitFor(() => new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  }), { timeout, what: `port ${port}` });
}

// ---- parsing what the servers hold ---------------------------------------------------

function decodeWords(s) {
  // RFC 2047 encoded words; whitespace between two adjacent words is dropped.
  return s.replace(/(=\?[^?]+\?[bBqQ]\?[^?]*\?=)\s+(?==\?)/g, '$1').replace(
    /=\?([^?*]+)(?:\*[^?]*)?\?([bBqQ])\?([^?]*)\?=/g, (all, cs, enc, text) => {
      let bytes;
      if (enc.toUpperCase() === 'B') bytes = Buffer.from(text, 'base64');
      else bytes = Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g,
        (m, h) => String.fromCharCode(parseInt(h, 16))), 'latin1');
      try { return new TextDecoder(cs.toLowerCase()).decode(bytes); } catch { return all; }
    });
}

/**
 * Splits a raw message (Buffer or string) into headers and body. Returns
 * {raw, headers: [[name, value]], header(name) → first decoded value or undefined,
 * all(name) → every value, body: string}. Folded lines are unfolded.
 */
export function parseMail(raw) {
  const buf = Buffer.isBuffer(raw) ? raw : Buffer.from(raw);
  const text = buf.toString('latin1');
  const m = text.match(/\r?\n\r?\n/);
  const head = m ? text.slice(0, m.index) : text;
  const body = m ? buf.subarray(Buffer.byteLength(text.slice(0, m.index + m[0].length), 'latin1')) : Buffer.alloc(0);
  const headers = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length) headers[headers.length - 1][1] += ' ' + line.trim();
    else {
      const i = line.indexOf(':');
      if (i > 0) headers.push([line.slice(0, i).trim(), line.slice(i + 1).trim()]);
    }
  }
  const utf8 = (v) => Buffer.from(v, 'latin1').toString('utf8');
  const all = (name) => headers.filter(([k]) => k.toLowerCase() === name.toLowerCase())
    .map(([, v]) => decodeWords(utf8(v)));
  return { raw: buf, headers, all, header: (name) => all(name)[0], body: body.toString('utf8') };
}

/** "<a@b>" → "a@b"; all ids of a References/In-Reply-To value. */
export function msgIds(v) { return (String(v || '').match(/<[^<>]+>/g) || []).map((s) => s.slice(1, -1)); }
/** The addr-spec of a From/To value ("Name <a@b>" or "a@b"), lower-cased. */
export function addrOf(v) {
  const m = String(v || '').match(/<([^<>]+)>/);
  return (m ? m[1] : String(v || '').trim()).toLowerCase();
}

// ---- SMTP sink ---------------------------------------------------------------------

/**
 * Starts the SMTP sink. opts.port pins the port (e.g. to bring a "down" server back).
 * Returns {port, dir, messages() → [{file, envelope, ...parseMail}], waitForMessages(n|pred),
 * fail(reply) to answer every RCPT with e.g. "550 5.1.1 No such user" (null: accept again),
 * stop()}.
 */
export async function startSmtpSink(opts = {}) {
  const base = mkdtempSync(join(tmpdir(), 'fd-sink-'));
  const dir = join(base, 'mail');
  mkdirSync(dir);
  const failFile = join(base, 'fail');
  const args = [SINK, dir, '--port', String(opts.port || 0), '--fail-file', failFile];
  const proc = spawnGuarded('/usr/bin/python3', args);
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
  let port;
  try {
    port = await new Promise((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error('smtp sink did not start in 10s:\n' + stderr)), 10000);
      proc.stdout.on('data', (d) => {
        out += d;
        const m = out.match(/^(\d+)\n/);
        if (m) { clearTimeout(timer); resolve(Number(m[1])); }
      });
      exited.then(({ code }) => { clearTimeout(timer); reject(new Error(`smtp sink exited ${code}:\n${stderr}`)); });
    });
  } catch (e) {
    await stopGuarded(proc, exited);
    rmSync(base, { recursive: true, force: true });
    throw e;
  }
  const sink = {
    port, dir,
    url: `smtp://127.0.0.1:${port}`,
    stderr: () => stderr,
    messages() {
      if (!existsSync(dir)) return [];
      return readdirSync(dir).filter((f) => f.endsWith('.json')).sort().map((f) => {
        const stem = f.slice(0, -5);
        const envelope = JSON.parse(readFileSync(join(dir, f), 'utf8'));
        return { file: stem + '.eml', envelope, ...parseMail(readFileSync(join(dir, stem + '.eml'))) };
      });
    },
    /** Waits until pred(messages) is truthy (a number n means "at least n messages"). */
    async waitForMessages(pred, timeout = 10000) {
      const f = typeof pred === 'number' ? (ms) => ms.length >= pred : pred;
      return waitFor(() => { const ms = sink.messages(); return f(ms) ? ms : null; },
        { timeout, what: 'mail at the SMTP sink' });
    },
    fail(reply) {
      if (reply) writeFileSync(failFile, reply + '\n');
      else if (existsSync(failFile)) unlinkSync(failFile);
    },
    async stop() {
      await stopGuarded(proc, exited);
      rmSync(base, { recursive: true, force: true });
    },
  };
  return sink;
}

// ---- Dovecot ----------------------------------------------------------------------

function userIds(name) {
  try {
    const line = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
    const f = line.split(':');
    return { uid: Number(f[2]), gid: Number(f[3]) };
  } catch { return null; }
}

/**
 * Starts a private Dovecot (IMAP only, no TLS, plain-text LOGIN allowed) on a free loopback
 * port with one user whose INBOX is a Maildir under a temp dir. As root the mail is owned by
 * the system user "mail" (Dovecot refuses uid 0 for mail and for its login processes); as
 * another user everything runs as that user ("rootless" set-up).
 * Returns {port, user, password, url, dir, deliver(raw, {seen}) → file name, log(), stop()}.
 */
export async function startDovecot({ user = 'fd-imap', password = 'imap-pass-1234' } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'fd-dovecot-'));
  const asRoot = process.getuid() === 0;
  let mailIds = { uid: process.getuid(), gid: process.getgid() };
  if (asRoot) mailIds = userIds('mail') || userIds('nobody') || { uid: 65534, gid: 65534 };
  // Dovecot's own processes (auth, imap-login) read the config and passwd file as their users.
  chmodSync(dir, 0o755);
  const maildir = join(dir, 'mail', user);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(maildir, sub), { recursive: true });
  mkdirSync(join(dir, 'home', user), { recursive: true });
  if (asRoot) {
    for (const p of [join(dir, 'mail'), maildir, ...['cur', 'new', 'tmp'].map((s) => join(maildir, s)), join(dir, 'home'), join(dir, 'home', user)]) {
      chownSync(p, mailIds.uid, mailIds.gid);
    }
  }
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`, { mode: 0o644 });
  const port = await freePort();
  const me = userInfo().username;
  const conf = [
    'protocols = imap',
    'listen = 127.0.0.1',
    `base_dir = ${dir}/run`,
    `state_dir = ${dir}/state`,
    `log_path = ${dir}/dovecot.log`,
    `info_log_path = ${dir}/dovecot.log`,
    'ssl = no',
    'disable_plaintext_auth = no',
    'auth_mechanisms = plain login',
    `mail_location = maildir:${dir}/mail/%u`,
    `first_valid_uid = ${Math.max(1, Math.min(mailIds.uid, 500))}`,
    // Rootless: Dovecot's internal and login processes run as the invoking user.
    ...(asRoot ? [] : [`default_internal_user = ${me}`, `default_login_user = ${me}`]),
    'passdb {',
    '  driver = passwd-file',
    `  args = scheme=PLAIN username_format=%u ${dir}/passwd`,
    '}',
    'userdb {',
    '  driver = static',
    `  args = uid=${mailIds.uid} gid=${mailIds.gid} home=${dir}/home/%u`,
    '}',
    'service imap-login {',
    '  inet_listener imap {',
    '    address = 127.0.0.1',
    `    port = ${port}`,
    '  }',
    '  inet_listener imaps {',
    '    port = 0',
    '  }',
    '  chroot =',
    '}',
    '',
  ].join('\n');
  const confPath = join(dir, 'dovecot.conf');
  writeFileSync(confPath, conf, { mode: 0o644 });
  const proc = spawnGuarded('/usr/sbin/dovecot', ['-F', '-c', confPath]);
  let output = '';
  proc.stdout.on('data', (d) => { output += d; });
  proc.stderr.on('data', (d) => { output += d; });
  const exited = new Promise((r) => proc.on('exit', (code, sig) => r({ code, sig })));
  const log = () => output + (existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8') : '');
  let seq = 0;
  const dv = {
    port, user, password, dir, maildir,
    url: `imap://127.0.0.1:${port}/INBOX`,
    log,
    /** Puts a message into the INBOX the way an MDA does (Maildir tmp/ → new/). */
    deliver(raw, { seen = false } = {}) {
      seq += 1;
      const name = `${Math.floor(Date.now() / 1000)}.M${seq}P${process.pid}.${hostname().replace(/[/:]/g, '_')}`;
      const tmp = join(maildir, 'tmp', name);
      writeFileSync(tmp, raw);
      if (asRoot) chownSync(tmp, mailIds.uid, mailIds.gid);
      const dest = seen ? join(maildir, 'cur', name + ':2,S') : join(maildir, 'new', name);
      renameSync(tmp, dest);
      return name;
    },
    async stop() {
      await stopGuarded(proc, exited);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.race([
      (async () => {
        // Ready when the greeting says so (the auth process may still be starting before).
        await waitFor(async () => {
          try { const c = await imapConnect(port); c.close(); return true; } catch { return false; }
        }, { timeout: 15000, what: 'dovecot greeting' });
      })(),
      exited.then(({ code }) => { throw new Error(`dovecot exited ${code}:\n${log()}`); }),
    ]);
  } catch (e) {
    await dv.stop();
    throw e;
  }
  return dv;
}

/**
 * A minimal IMAP client for assertions: await c.cmd('SELECT INBOX') → {ok, lines, text};
 * c.login(user, pass); c.close(). Literals are kept inline in `text`.
 */
export function imapConnect(port, { timeout = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let buf = '';
    let waiter = null;
    let tag = 0;
    let greeted = false;
    const timer = setTimeout(() => { sock.destroy(); reject(new Error('imap: no greeting')); }, timeout);
    const client = {
      cmd(command) {
        const t = `t${++tag}`;
        return new Promise((res, rej) => {
          const to = setTimeout(() => rej(new Error(`imap: no answer to ${command}`)), timeout);
          waiter = () => {
            const re = new RegExp(`(^|\\r\\n)${t} (OK|NO|BAD)[^\\r\\n]*\\r\\n`);
            const m = buf.match(re);
            if (!m) return;
            const end = m.index + m[0].length;
            const text = buf.slice(0, end);
            buf = buf.slice(end);
            waiter = null;
            clearTimeout(to);
            res({ ok: m[2] === 'OK', text, lines: text.split('\r\n').filter(Boolean) });
          };
          sock.write(`${t} ${command}\r\n`);
          waiter();
        });
      },
      async login(user, pass) {
        const r = await client.cmd(`LOGIN "${user}" "${pass}"`);
        if (!r.ok) throw new Error('imap login failed: ' + r.text);
        return r;
      },
      /** UIDs matching an IMAP search in the INBOX (e.g. 'UNSEEN'). */
      async search(criteria) {
        const r = await client.cmd(`UID SEARCH ${criteria}`);
        if (!r.ok) throw new Error('imap search failed: ' + r.text);
        const line = r.lines.find((l) => l.startsWith('* SEARCH')) || '* SEARCH';
        return line.slice(8).trim().split(/\s+/).filter(Boolean).map(Number);
      },
      close() { try { sock.end('t0 LOGOUT\r\n'); } catch { /* gone */ } sock.destroy(); },
    };
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      if (!greeted && /^\* OK[^\r\n]*ready[^\r\n]*\r\n/m.test(buf)) {
        greeted = true;
        clearTimeout(timer);
        buf = buf.replace(/^[\s\S]*?\* OK[^\r\n]*ready[^\r\n]*\r\n/, '');
        resolve(client);
        return;
      }
      if (waiter) waiter();
    });
    sock.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
}

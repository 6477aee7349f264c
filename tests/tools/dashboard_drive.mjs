// dashboard_drive.mjs - drives the dashboard in a running headless Chromium
// through the DevTools protocol, for the interactive part of
// tests/integration/dashboard.sh: the token form, evaluate, pause and
// resume, a refused token, focus kept across refreshes, keyboard
// navigation, the namespace filter, and the "unreachable" banner once the
// service is stopped.
//
//   node dashboard_drive.mjs DEBUG_PORT URL TOKEN SERVICE_PID
//
// Node >= 18, no package: it speaks the small part of WebSocket (RFC 6455)
// that the DevTools protocol needs itself. Exits 0 when every check passed,
// 1 naming the first that failed. Bounded: every wait polls with a
// deadline and the whole run stops after 90 s.
import crypto from 'node:crypto';
import net from 'node:net';

const [, , dbgPort, url, token, servicePid] = process.argv;
if (!dbgPort || !url || !token || !servicePid) {
  console.error('usage: dashboard_drive.mjs DEBUG_PORT URL TOKEN SERVICE_PID');
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
setTimeout(() => { console.error('drive: FAIL: overall time limit (90 s)'); process.exit(1); }, 90000).unref();

function fail(msg) {
  console.error('drive: FAIL: ' + msg);
  process.exit(1);
}

async function connect() {
  for (let i = 0; i < 50; i++) {
    try {
      const list = await (await fetch(`http://127.0.0.1:${dbgPort}/json`)).json();
      const page = list.find((t) => t.type === 'page');
      if (page) return page.webSocketDebuggerUrl;
    } catch (e) { /* not up yet */ }
    await sleep(200);
  }
  return fail('no DevTools page target within 10 s');
}

/* A minimal WebSocket client: handshake, masked text frames out, text
 * frames (possibly fragmented) in; onText gets each whole message. */
function wsConnect(wsUrl, onText) {
  const u = new URL(wsUrl);
  return new Promise((resolve, reject) => {
    const sock = net.connect(Number(u.port), u.hostname);
    const key = crypto.randomBytes(16).toString('base64');
    let buf = Buffer.alloc(0);
    let open = false;
    let parts = [];
    sock.on('error', reject);
    sock.on('connect', () => {
      sock.write(`GET ${u.pathname} HTTP/1.1\r\nHost: ${u.host}\r\nUpgrade: websocket\r\n` +
        `Connection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    });
    sock.on('data', (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!open) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.subarray(0, end).toString();
        if (!/^HTTP\/1\.1 101/.test(head)) return reject(new Error('handshake: ' + head.split('\r\n')[0]));
        buf = buf.subarray(end + 4);
        open = true;
        resolve({
          send(text) {
            const data = Buffer.from(text);
            const mask = crypto.randomBytes(4);
            const n = data.length;
            const head2 = n < 126 ? Buffer.from([0x81, 0x80 | n])
              : n < 65536 ? Buffer.from([0x81, 0x80 | 126, n >> 8, n & 255])
                : Buffer.concat([Buffer.from([0x81, 0x80 | 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; })()]);
            for (let i = 0; i < n; i++) data[i] ^= mask[i & 3];
            sock.write(Buffer.concat([head2, mask, data]));
          },
          close() { sock.destroy(); },
        });
      }
      for (;;) {
        if (buf.length < 2) return;
        const fin = (buf[0] & 0x80) !== 0;
        const op = buf[0] & 0x0f;
        let len = buf[1] & 0x7f;
        let off = 2;
        if (len === 126) { if (buf.length < 4) return; len = buf.readUInt16BE(2); off = 4; }
        else if (len === 127) { if (buf.length < 10) return; len = Number(buf.readBigUInt64BE(2)); off = 10; }
        if (buf[1] & 0x80) off += 4; /* servers do not mask; skip a key if one came */
        if (buf.length < off + len) return;
        const payload = buf.subarray(off, off + len);
        buf = buf.subarray(off + len);
        if (op === 0x8) { sock.destroy(); return; }
        if (op === 0x1 || op === 0x0) {
          parts.push(payload);
          if (fin) { const msg = Buffer.concat(parts).toString(); parts = []; onText(msg); }
        }
      }
    });
  });
}

const listeners = [];
const ws = await wsConnect(await connect(), (t) => { for (const f of listeners) f({data: t}); });
ws.addEventListener = (kind, f) => { if (kind === 'message') listeners.push(f); };
let nextId = 0;
const pending = new Map();
const problems = [];
ws.addEventListener('message', (ev) => {
  const m = JSON.parse(ev.data);
  if (m.id && pending.has(m.id)) {
    pending.get(m.id)(m);
    pending.delete(m.id);
  }
  if (m.method === 'Runtime.exceptionThrown') problems.push('exception: ' + JSON.stringify(m.params.exceptionDetails).slice(0, 300));
  if (m.method === 'Log.entryAdded' && /Content Security Policy|Refused/.test(m.params.entry.text)) problems.push('CSP: ' + m.params.entry.text);
});
const send = (method, params = {}) => new Promise((resolve) => {
  const id = ++nextId;
  pending.set(id, resolve);
  ws.send(JSON.stringify({id, method, params}));
});
async function js(expr) {
  const r = await send('Runtime.evaluate', {expression: expr, awaitPromise: true, returnByValue: true});
  if (r.result.exceptionDetails) fail('evaluating ' + expr + ': ' + JSON.stringify(r.result.exceptionDetails).slice(0, 200));
  return r.result.result.value;
}
/* Poll expr until it is truthy (bounded); return its value. */
async function until(expr, what, ms = 10000) {
  const end = Date.now() + ms;
  for (;;) {
    const v = await js(expr);
    if (v) return v;
    if (Date.now() > end) return fail(what + ' (waited ' + ms / 1000 + ' s; ' + expr + ')');
    await sleep(200);
  }
}
const text = (id) => `((document.getElementById(${JSON.stringify(id)}) || {}).textContent || '')`;
const msgIs = (re) => `/${re}/.test(${text('message')})`;

await send('Runtime.enable');
await send('Log.enable');
await send('Page.enable');
await send('Page.navigate', {url});
await until(`document.querySelectorAll('#overview-body .dep-name').length > 0`, 'overview never filled');
await until(`!!document.getElementById('card-rule')`, 'deployment cards never shown');

// The pace the decision is held to, under Validation.
await until(`/^Pace \\(.+\\): scale-up .+; scale-down .+\\.$/.test(${text('pace')})`,
  'no pace under Validation: ' + (await js(text('pace'))));

// Read-only without a token; the form stores it for the session.
if (await js(`document.getElementById('readonly').hidden`)) fail('read-only notice hidden without a token');
if (!(await js(`document.getElementById('evaluate-btn').disabled`))) fail('evaluate enabled without a token');
await js(`document.getElementById('token-input').value = ${JSON.stringify(token)};
  document.getElementById('token-form').requestSubmit(); true`);
await until(`!document.getElementById('actions').hidden && sessionStorage.getItem('scaleadvisor.token') !== null`,
  'token not taken');
if (await js(`document.getElementById('token-input').value !== ''`)) fail('token left in the input field');

// Evaluate now, pause, resume.
await js(`document.getElementById('evaluate-btn').click(); true`);
await until(msgIs('^Evaluated '), 'evaluate gave no success message: ' + (await js(text('message'))), 20000);
await js(`document.getElementById('pause-btn').click(); true`);
await until(msgIs('^Actuation paused') + ` && ${text('paused')} === 'paused'`, 'pause not shown');
await js(`document.getElementById('resume-btn').click(); true`);
await until(msgIs('^Actuation resumed') + ` && ${text('paused')} !== 'paused'`, 'resume not shown');

// Refreshes keep focus and reuse nodes.
await js(`window.__a = document.querySelectorAll('#overview-body a')[1]; window.__a.focus();
  window.__card = document.getElementById('card-rule'); window.__upd = ${text('updated')}; true`);
await until(`${text('updated')} !== window.__upd`, 'page did not refresh within 15 s', 15000);
if (!(await js(`document.activeElement === window.__a`))) fail('a refresh lost the keyboard focus');
if (!(await js(`document.getElementById('card-rule') === window.__card`))) fail('a refresh rebuilt the cards');

// Keyboard: Enter on the focused row link selects that deployment.
const want = await js(`window.__a.getAttribute('href')`);
for (const type of ['keyDown', 'keyUp']) {
  await send('Input.dispatchKeyEvent', {type, key: 'Enter', code: 'Enter', windowsVirtualKeyCode: 13});
}
await until(`location.hash === ${JSON.stringify(want)}`, 'Enter on a row link did not select it');
await until(`${text('detail-h')}.indexOf(window.__a.querySelector('.dep-name').textContent) === 0`,
  'detail did not follow the selection');

// Namespace filter.
const ns = await js(`window.__a.querySelector('.dep-ns').textContent`);
await js(`const s = document.getElementById('ns-filter'); s.value = ${JSON.stringify(ns)};
  s.dispatchEvent(new Event('change')); true`);
await until(`Array.from(document.querySelectorAll('#overview-body .dep-ns')).every((e) => e.textContent === ${JSON.stringify(ns)})`,
  'namespace filter did not filter');

// A refused token is dropped and the page goes back to read-only.
await js(`sessionStorage.setItem('scaleadvisor.token', 'wrong-token'); document.getElementById('pause-btn').click(); true`);
await until(msgIs('refused the token') + ` && !document.getElementById('readonly').hidden`, 'refused token not handled');

// The service goes away: the banner says so, the last data stays.
process.kill(Number(servicePid), 'SIGTERM');
await until(`!document.getElementById('banner').hidden && /unreachable/.test(${text('banner')})`,
  'no "unreachable" banner within 20 s of stopping the service', 20000);
if (!(await js(`!!document.getElementById('card-rule')`))) fail('the last data vanished when the service stopped');

if (problems.length) fail(problems.join('; '));
console.log('drive: ok');
ws.close();
process.exit(0);

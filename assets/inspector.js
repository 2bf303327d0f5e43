// The live frame inspector: the real WebSocket frames between this browser
// and the server, decoded field by field. The server's protocol observer
// sees every frame of a "specimen" socket and sends teaching records (see
// demo/record.go) over a second socket, the feed, whose own frames are never
// inspected.
//
//   const unmount = mount(element)   // unmount() closes both sockets
//
// Wire data is only ever inserted with textContent (Element.append of
// strings), never as HTML.

const MAX_ITEMS = 300;
const OPS = { 0: 'continuation', 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };
const OP_WHY = {
  0: 'continuation: more of a fragmented message',
  1: 'text: the message is UTF-8',
  2: 'binary: the message is bytes',
  8: 'close: start or answer the closing handshake',
  9: 'ping: the peer must answer with a pong',
  10: 'pong: the answer to a ping',
};
const SIZES = [[5, '5 B'], [126, '126 B'], [70 * 1024, '70 KiB']];

const hex2 = (n) => n.toString(16).padStart(2, '0');
const bits8 = (n) => n.toString(2).padStart(8, '0');
const spaced = (hex) => hex.replace(/(..)(?=.)/g, '$1 ');
const size = (n) => (n % 1048576 ? `${Math.round(n / 1024)} KiB` : `${n / 1048576} MiB`);
const plural = (n, w) => `${n.toLocaleString('en')} ${w}${n === 1 ? '' : 's'}`;

// h builds an element. Strings among kids become text nodes.
function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat(3)) if (k != null && k !== false) e.append(k);
  return e;
}

// filler returns n bytes of ASCII text; 5 bytes is RFC 6455's "Hello".
function filler(n) {
  if (n === 5) return 'Hello';
  const s = 'frame by frame, bit by bit. ';
  return s.repeat(Math.ceil(n / s.length)).slice(0, n);
}

function ensureCSS() {
  if (document.querySelector('link[href*="inspector.css"]')) return;
  const url = new URL('inspector.css' + new URL(import.meta.url).search, import.meta.url);
  document.head.append(h('link', { rel: 'stylesheet', href: url.href }));
}

export function mount(root) {
  ensureCSS();
  const ac = new AbortController();
  const on = (t, ev, fn) => t.addEventListener(ev, fn, { signal: ac.signal });
  let feed = null, spec = null, id = '', limits = null, dead = false;
  let records = [], selected = null, pinned = false, fragments = false, pings = 0;
  let step = -1, steps = [];

  // --- layout ---
  const status = h('p', { class: 'wti-status', 'aria-live': 'polite' }, 'Connecting…');
  const echo = h('p', { class: 'wti-echo' });
  const msg = h('input', { class: 'wti-msg', value: 'Hello', 'aria-label': 'Message', maxlength: 100000 });
  const btn = (label, act, attrs) => h('button', { type: 'button', 'data-act': act, ...attrs }, label);
  const fragBtn = btn('Server replies in fragments', 'frag', { 'aria-pressed': 'false' });
  const code = h('input', { type: 'number', value: 1000, min: 1000, max: 4999, 'aria-label': 'Close code', class: 'wti-code' });
  const reason = h('input', { value: 'bye', maxlength: 123, 'aria-label': 'Close reason', class: 'wti-reason' });
  const reconnect = btn('Reconnect', 'reconnect', { hidden: true });
  const list = h('ol', { class: 'wti-list', 'aria-label': 'Frames, newest first' });
  const detail = h('section', { class: 'wti-detail', 'aria-label': 'Selected frame' });
  const controls = h('div', { class: 'wti-controls' },
    h('div', { class: 'wti-row' }, msg, btn('Send text', 'text'), btn('Send binary', 'binary')),
    h('div', { class: 'wti-row' }, h('span', { class: 'wti-lbl' }, 'Send text of'),
      SIZES.map(([n, l]) => btn(l, 'size', { 'data-size': n }))),
    h('div', { class: 'wti-row' }, btn('Server pings', 'ping'), fragBtn),
    h('div', { class: 'wti-row' }, h('span', { class: 'wti-lbl' }, 'Close'), code, reason,
      btn('from browser', 'close-browser'), btn('from server', 'close-server'), reconnect));
  root.classList.add('wti');
  root.replaceChildren(h('div', { class: 'wti-wrap' }, h('div', { class: 'wti-side' }, status, controls, echo), detail, list));
  renderDetail();

  // --- sockets ---
  function wsURL(path) {
    const u = new URL(path, location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    return u.href;
  }
  function say(text, warn) {
    status.textContent = text;
    status.classList.toggle('wti-warn', !!warn);
  }
  function connect() {
    reconnect.hidden = true;
    say('Connecting…');
    // A new feed numbers its records from 1 again: start afresh.
    records = [];
    selected = null;
    list.replaceChildren();
    renderDetail();
    feed = new WebSocket(wsURL('/demo/feed'));
    feed.onmessage = (e) => {
      const m = JSON.parse(e.data);
      if (m.type === 'feed') {
        id = m.id;
        limits = m;
        openSpecimen();
      } else add(m);
    };
    feed.onclose = (e) => {
      if (dead) return;
      say(`The inspector feed closed (${e.code}). Reconnect to go on.`, true);
      if (spec) {
        spec.onclose = null;
        spec.close();
      }
      reconnect.hidden = false;
    };
    if (fragments) feed.onopen = () => command({ type: 'fragments', on: true });
  }
  function openSpecimen() {
    reconnect.hidden = true;
    spec = new WebSocket(wsURL('/demo/specimen?feed=' + encodeURIComponent(id)));
    spec.binaryType = 'arraybuffer';
    const s = spec;
    s.onopen = () => say(`Connected. Limits: ${size(limits.maxMessage)} a message, ${limits.rate} messages a second.`);
    s.onmessage = (e) => {
      const n = typeof e.data === 'string' ? new TextEncoder().encode(e.data).length : e.data.byteLength;
      echo.textContent = `Your page's onmessage fired once: a ${typeof e.data === 'string' ? 'text' : 'binary'} message of ${plural(n, 'byte')}, however many frames carried it.`;
    };
    s.onclose = (e) => {
      if (dead || s !== spec) return;
      say(`The specimen socket closed: ${e.code}${e.reason ? ` "${e.reason}"` : ''}${e.wasClean ? '' : ' (not clean)'}.`, e.code !== 1000);
      reconnect.hidden = false;
    };
  }
  function command(c) {
    if (feed && feed.readyState === 1) feed.send(JSON.stringify(c));
  }
  function send(data) {
    if (!spec || spec.readyState !== 1) return say('The specimen socket is not open: reconnect first.', true);
    pinned = false;
    spec.send(data);
  }

  // --- controls ---
  on(controls, 'click', (e) => {
    const b = e.target.closest('button');
    if (!b) return;
    const act = b.dataset.act;
    if (act === 'text') send(msg.value);
    else if (act === 'binary') send(new TextEncoder().encode(msg.value));
    else if (act === 'size') send(filler(+b.dataset.size));
    else if (act === 'ping') {
      pinned = false;
      command({ type: 'ping', payload: `ping ${++pings}` });
    } else if (act === 'frag') {
      fragments = !fragments;
      fragBtn.setAttribute('aria-pressed', fragments);
      command({ type: 'fragments', on: fragments });
    } else if (act === 'close-browser') {
      if (!spec || spec.readyState !== 1) return say('The specimen socket is not open.', true);
      pinned = false;
      try {
        spec.close(+code.value, reason.value);
      } catch (err) {
        say(`The browser refused: ${err.message} (a page may only send 1000 or 3000-4999).`, true);
      }
    } else if (act === 'close-server') {
      pinned = false;
      command({ type: 'close', code: +code.value, reason: reason.value });
    } else if (act === 'reconnect') {
      if (feed && feed.readyState === 1) openSpecimen();
      else connect();
    }
  });
  on(msg, 'keydown', (e) => {
    if (e.key === 'Enter') send(msg.value);
  });
  on(list, 'click', (e) => {
    const b = e.target.closest('button[data-seq]');
    if (!b) return;
    select(records.find((r) => r.seq === +b.dataset.seq), true);
  });
  on(root, 'keydown', (e) => {
    if (e.target.closest('input, textarea, select')) return e.stopPropagation(); // typing never moves slides
    if (step < 0) return;
    const d = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
    if (d) go(step + d);
    else if (e.key === 'Escape') stepMode(false);
    else return;
    e.preventDefault();
    e.stopPropagation();
  });
  on(detail, 'click', (e) => {
    const act = e.target.closest('button')?.dataset.act;
    if (act === 'step') stepMode(step < 0);
    else if (act === 'prev') go(step - 1);
    else if (act === 'next') go(step + 1);
  });

  // --- records ---
  function add(r) {
    if (r.type === 'notice') {
      prepend(h('li', { class: `wti-notice wti-${r.notice.level}` }, r.notice.text));
      if (r.notice.level === 'warn') say(r.notice.text, true);
      return;
    }
    records.push(r);
    if (records.length > MAX_ITEMS) records.shift();
    prepend(h('li', {}, item(r)));
    const f = r.frame;
    if (!selected || (!pinned && step < 0 && (!f || f.dir === 'in'))) select(r, false);
  }
  function prepend(li) {
    list.prepend(li);
    while (list.children.length > MAX_ITEMS) list.lastChild.remove();
  }
  function item(r) {
    const f = r.frame;
    if (!f) {
      return h('button', { type: 'button', 'data-seq': r.seq, class: 'wti-item wti-hs' },
        h('span', { class: 'wti-arrow' }, '⇄'), h('b', {}, `#${r.seq} handshake`),
        h('time', { datetime: r.time }, `+${(r.ms / 1000).toFixed(3)} s`),
        h('span', {}, `connection ${r.conn}: HTTP upgrade, 101`));
    }
    return h('button', { type: 'button', 'data-seq': r.seq, class: `wti-item wti-${f.dir}` },
      h('span', { class: 'wti-arrow' }, f.dir === 'in' ? '↑' : '↓'),
      h('b', {}, `#${r.seq} ${f.opName} · ${plural(f.length, 'byte')}`),
      h('time', { datetime: r.time }, `+${(r.ms / 1000).toFixed(3)} s`),
      h('span', {}, f.label, h('span', { class: 'wti-flags' }, `FIN=${+f.fin} MASK=${+f.mask}`)));
  }
  function select(r, byUser) {
    if (!r) return;
    if (byUser) pinned = true;
    selected = r;
    step = -1;
    for (const b of list.querySelectorAll('[aria-current]')) b.removeAttribute('aria-current');
    list.querySelector(`[data-seq="${r.seq}"]`)?.setAttribute('aria-current', 'true');
    renderDetail();
    // On a phone the detail is above the list: bring it into view.
    if (byUser && detail.getBoundingClientRect().top < 0) detail.scrollIntoView();
  }

  // --- detail ---
  function renderDetail() {
    const r = selected;
    if (!r) return detail.replaceChildren(h('p', { class: 'wti-empty' }, 'Frames appear here as they cross the wire. Send a message.'));
    if (r.handshake) return detail.replaceChildren(...handshake(r));
    const f = r.frame, b0 = parseInt(f.header.slice(0, 2), 16), b1 = parseInt(f.header.slice(2, 4), 16);
    steps = explain(f, b0, b1);
    const cell = (v, k, byte) => h('span', { class: `wti-bit ${k}`, 'data-f': byte }, String(v));
    const grid = h('div', { class: 'wti-bits', role: 'img', 'aria-label': `byte 0 ${bits8(b0)}, byte 1 ${bits8(b1)}` },
      h('span', { class: 'wti-byte', 'data-f': 'b0' }, `byte 0 = ${hex2(b0)}`),
      h('span', { class: 'wti-byte', 'data-f': 'b1' }, `byte 1 = ${hex2(b1)}`),
      [...bits8(b0)].map((v, i) => cell(v, ['k-fin', 'k-rsv', 'k-rsv', 'k-rsv', 'k-op', 'k-op', 'k-op', 'k-op'][i], 'b0')),
      [...bits8(b1)].map((v, i) => cell(v, i ? 'k-len' : 'k-mask', 'b1')),
      ['FIN', 'R1', 'R2', 'R3'].map((l) => h('span', { class: 'wti-lab' }, l)),
      h('span', { class: 'wti-lab wti-span4' }, `opcode ${f.opcode}`),
      h('span', { class: 'wti-lab wti-b1' }, 'MASK'),
      h('span', { class: 'wti-lab wti-span7' }, `length ${f.len7}`));
    const row = (k, v, f2) => h('tr', { 'data-f': f2 }, h('th', {}, k), h('td', {}, v));
    const fields = h('table', { class: 'wti-fields' },
      row('FIN', `${+f.fin}: ${f.fin ? 'the last frame of its message' : 'more frames of this message follow'}`, 'b0'),
      row('RSV1-3', `${+f.rsv1}${+f.rsv2}${+f.rsv3}: ${f.rsv1 || f.rsv2 || f.rsv3 ? 'set: only an extension may' : 'no extension'}`, 'b0'),
      row('opcode', `0x${f.opcode.toString(16)}: ${OP_WHY[f.opcode] || f.opName}${f.opcode === 0 && f.message ? ` (${f.message})` : ''}`, 'b0'),
      row('MASK', `${+f.mask}: ${f.mask ? 'masked, as every browser frame must be' : 'not masked: servers never mask'}`, 'b1'),
      row('length', f.lengthBits === 7 ? `${f.len7} (7-bit)` : `${f.len7} → ${f.lengthBits}-bit length follows`, 'b1'),
      f.extLen && row(`${f.lengthBits}-bit length`, `${spaced(f.extLen)} = ${f.length.toLocaleString('en')}`, 'ext'),
      f.mask && row('masking key', spaced(f.key), 'key'),
      row('header', spaced(f.header)),
      f.close && row('close', `${f.close.code} ${f.close.name}${f.close.reason ? `, reason "${f.close.reason}"` : ''}`));
    const key = f.mask ? spaced(f.key).split(' ') : [];
    const xor = h('table', { class: 'wti-xor' },
      h('tr', {}, h('th', {}, 'i'), f.mask && [h('th', {}, 'masked'), h('th', {}, 'key[i%4]')], h('th', {}, f.mask ? 'XOR' : 'byte'), h('th', {}, 'char')),
      f.rows.map((x) => h('tr', { 'data-f': `r${x.i}` }, h('td', {}, String(x.i)),
        f.mask && [h('td', { class: 'wti-m' }, hex2(x.masked)), h('td', { class: `wti-k wti-k${x.i % 4}` }, key[x.i % 4])],
        h('td', {}, hex2(x.unmasked)), h('td', { class: 'wti-ch' }, x.char || '·'))));
    const more = f.partial
      ? h('p', { class: 'wti-more wti-warn' }, `Only ${plural(f.received || 0, 'byte')} of ${plural(f.length, 'byte')} crossed the wire: the connection was failed first.`)
      : f.more > 0 ? h('p', { class: 'wti-more' }, `… ${plural(f.more, 'more byte')} (${plural(f.length, 'byte')} in all)`) : null;
    detail.replaceChildren(...[
      h('h3', { class: `wti-h wti-${f.dir}` }, `#${r.seq} ${f.opName} · ${f.label}`),
      h('p', { class: `wti-maskline wti-${f.dir}` }, f.mask ? `MASK=1 · key ${spaced(f.key)}` : 'MASK=0 · not masked', h('time', { datetime: r.time }, ` · ${r.time.slice(11, 23)}`)),
      h('div', { class: 'wti-scroll' }, grid),
      fields,
      f.violations && h('ul', { class: 'wti-viol' }, f.violations.map((v) => h('li', {}, `Breaks RFC 6455 §${v.rule}: ${v.reason} (close ${v.code})`))),
      stepBar(),
      f.rows.length ? h('div', { class: 'wti-scroll' }, xor) : null,
      f.rows.length < f.length ? h('p', { class: 'wti-more' }, `The table shows the first ${f.rows.length} bytes.`) : null,
      h('h4', {}, `Payload, ${f.payloadAs === 'text' ? 'as text' : 'in hex'}${f.utf8Valid === false ? ' (not valid UTF-8 on its own)' : ''}`),
      h('pre', { class: 'wti-payload' }, f.payload || '(empty)'), more].filter(Boolean));
    highlight();
  }
  function stepBar() {
    const on = step >= 0;
    return h('div', { class: 'wti-step' },
      h('button', { type: 'button', 'data-act': 'step', 'aria-pressed': String(on) }, on ? 'Stop stepping' : 'Step through'),
      on && [h('button', { type: 'button', 'data-act': 'prev', 'aria-label': 'Previous step', disabled: step === 0 }, '◀'),
        h('button', { type: 'button', 'data-act': 'next', 'aria-label': 'Next step', disabled: step === steps.length - 1 }, '▶'),
        h('span', { class: 'wti-count' }, `${step + 1}/${steps.length}`)],
      h('p', { class: 'wti-explain', 'aria-live': 'polite' }, on ? steps[step].text : 'Walk through this frame field by field (← → keys).'));
  }
  function stepMode(onOff) {
    step = onOff ? 0 : -1;
    redrawSteps('step');
  }
  function go(i) {
    if (step < 0) return;
    step = Math.max(0, Math.min(steps.length - 1, i));
    redrawSteps(document.activeElement?.dataset.act);
  }
  // redrawSteps redraws the step bar, keeping the focus on the button
  // that had it (or the step button, if that one is now disabled).
  function redrawSteps(act) {
    detail.querySelector('.wti-step').replaceWith(stepBar());
    const b = detail.querySelector(`.wti-step [data-act="${act}"]`);
    (b && !b.disabled ? b : detail.querySelector('.wti-step [data-act=step]')).focus();
    highlight();
  }
  function highlight() {
    for (const e of detail.querySelectorAll('.wti-hl')) e.classList.remove('wti-hl');
    detail.classList.toggle('wti-stepping', step >= 0);
    if (step < 0) return;
    const hl = detail.querySelectorAll(`[data-f="${steps[step].f}"]`);
    for (const e of hl) e.classList.add('wti-hl');
    hl[hl.length - 1]?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }
  function explain(f, b0, b1) {
    const s = [
      { f: 'b0', text: `Byte 0 is ${bits8(b0)}: FIN=${+f.fin} (${f.fin ? 'last frame' : 'more to come'}), RSV1-3=${+f.rsv1}${+f.rsv2}${+f.rsv3}, opcode ${f.opcode} = ${OPS[f.opcode] || 'reserved'}.` },
      { f: 'b1', text: `Byte 1 is ${bits8(b1)}: MASK=${+f.mask}, then 7 bits of length = ${f.len7}${f.lengthBits === 7 ? ': the whole length.' : `: "the length is in the next ${f.lengthBits / 8} bytes".`}` },
    ];
    if (f.extLen) s.push({ f: 'ext', text: `The next ${f.lengthBits / 8} bytes, ${spaced(f.extLen)}, are the length as a ${f.lengthBits}-bit big-endian number: ${f.length.toLocaleString('en')}.` });
    if (f.mask) s.push({ f: 'key', text: `Then the 4-byte masking key ${spaced(f.key)}, freshly random for every frame the browser sends.` });
    for (const x of f.rows) {
      const c = x.char ? ` = "${x.char}"` : '';
      s.push({ f: `r${x.i}`, text: f.mask ? `Payload byte ${x.i}: ${hex2(x.masked)} XOR key byte ${x.i % 4} (${hex2(x.key)}) = ${hex2(x.unmasked)}${c}.` : `Payload byte ${x.i}: ${hex2(x.unmasked)}${c}, sent as is.` });
    }
    s.push({ f: 'none', text: `That's the frame: ${f.header.length / 2} header bytes and ${plural(f.length, 'payload byte')}.` });
    return s;
  }
  function handshake(r) {
    const x = r.handshake;
    const hs = (t) => h('pre', { class: 'wti-http' }, t.join('\n'));
    return [h('h3', { class: 'wti-h' }, `#${r.seq} opening handshake · connection ${r.conn}`),
      h('h4', {}, 'Request, browser → server'), hs(x.request),
      h('h4', {}, 'Response, server → browser'), hs(x.response),
      h('h4', {}, 'Sec-WebSocket-Accept, step by step'),
      h('ol', { class: 'wti-accept' },
        h('li', {}, 'Take the key: ', h('code', {}, x.key)),
        h('li', {}, 'Append the GUID: ', h('code', {}, x.concat)),
        h('li', {}, 'SHA-1 of that, in hex: ', h('code', {}, x.sha1)),
        h('li', {}, 'The same 20 bytes in base64: ', h('code', {}, x.accept),
          h('span', { class: x.match ? 'wti-ok' : 'wti-bad' }, x.match ? ' ✓ the server sent exactly this' : ` ✗ the server sent ${x.sent}`)))];
  }

  connect();
  return function unmount() {
    dead = true;
    ac.abort();
    for (const s of [spec, feed]) {
      if (!s) continue;
      s.onmessage = s.onclose = s.onopen = null;
      s.close(1000, 'inspector closed');
    }
    root.replaceChildren();
    root.classList.remove('wti');
  };
}

// On the stand-alone page (templates/demo.html), mount at once.
const auto = document.querySelector('.wt-inspector[data-autostart]');
if (auto && !auto.classList.contains('wti')) mount(auto);

// inspector-view.js: the frame inspector's view. Pure functions from the
// teaching records the server sends (demo/record.go, docs/messages.md) to
// DOM: they decode nothing, the records carry every field already, and
// they keep no state. inspector.js is the controller.
//
// Wire data is only ever inserted as text (Element.append of strings),
// never as HTML.

export const SIZES = [[5, '5 B'], [126, '126 B'], [70 * 1024, '70 KiB']];

export const hex2 = (n) => n.toString(16).padStart(2, '0');
export const spaced = (hex) => hex.replace(/(..)(?=.)/g, '$1 ');
export const plural = (n, w) => `${n.toLocaleString('en')} ${w}${n === 1 ? '' : 's'}`;

// h builds an element. Strings among kids become text nodes.
export function h(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v;
    else if (v !== false && v != null) e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat(3)) if (k != null && k !== false) e.append(k);
  return e;
}

// closeSockets closes a controller's sockets for good (inspector.js,
// lab.js): their handlers go first, so that nothing answers the close.
export function closeSockets(sockets, reason) {
  for (const s of sockets) {
    if (!s) continue;
    s.onmessage = s.onclose = s.onopen = null;
    s.close(1000, reason);
  }
}

const btn = (label, act, attrs) => h('button', { type: 'button', 'data-act': act, ...attrs }, label);

// layout returns the inspector's elements, not yet in the page.
export function layout() {
  const v = {
    status: h('p', { class: 'wti-status', 'aria-live': 'polite' }, 'Connecting…'),
    echo: h('p', { class: 'wti-echo' }),
    msg: h('input', { class: 'wti-msg', value: 'Hello', 'aria-label': 'Message', maxlength: 100000 }),
    fragBtn: btn('Server replies in fragments', 'frag', { 'aria-pressed': 'false' }),
    deflateBtn: btn('Compression (permessage-deflate)', 'deflate', { 'aria-pressed': 'false' }),
    code: h('input', { type: 'number', value: 1000, min: 1000, max: 4999, 'aria-label': 'Close code', class: 'wti-code' }),
    reason: h('input', { value: 'bye', maxlength: 123, 'aria-label': 'Close reason', class: 'wti-reason' }),
    reconnect: btn('Reconnect', 'reconnect', { hidden: true }),
    list: h('ol', { class: 'wti-list', 'aria-label': 'Frames, newest first' }),
    detail: h('section', { class: 'wti-detail', 'aria-label': 'Selected frame' }),
  };
  v.controls = h('div', { class: 'wti-controls' },
    h('div', { class: 'wti-row' }, v.msg, btn('Send text', 'text'), btn('Send binary', 'binary')),
    h('div', { class: 'wti-row' }, h('span', { class: 'wti-lbl' }, 'Send text of'),
      SIZES.map(([n, l]) => btn(l, 'size', { 'data-size': n }))),
    h('div', { class: 'wti-row' }, btn('Server pings', 'ping'), v.fragBtn, v.deflateBtn),
    h('div', { class: 'wti-row' }, h('span', { class: 'wti-lbl' }, 'Close'), v.code, v.reason,
      btn('from browser', 'close-browser'), btn('from server', 'close-server'), v.reconnect));
  v.wrap = h('div', { class: 'wti-wrap' }, h('div', { class: 'wti-side' }, v.status, v.controls, v.echo), v.detail, v.list);
  return v;
}

// item is a record's entry in the list of frames: a button whose
// data-seq selects it. A frame's entry ends with the start of its payload.
export function item(r) {
  const f = r.frame;
  const time = h('time', { datetime: r.time }, `+${(r.ms / 1000).toFixed(3)} s`);
  if (!f) {
    return h('button', { type: 'button', 'data-seq': r.seq, class: 'wti-item wti-hs' },
      h('span', { class: 'wti-arrow' }, '⇄'), h('b', {}, `#${r.seq} handshake`), time,
      h('span', { class: 'wti-sub' }, `connection ${r.conn}: HTTP upgrade, 101`));
  }
  return h('button', { type: 'button', 'data-seq': r.seq, class: `wti-item wti-${f.dir}` },
    h('span', { class: 'wti-arrow' }, f.dir === 'in' ? '↑' : '↓'),
    h('b', {}, `#${r.seq} ${f.opName} · ${plural(f.length, 'byte')}`), time,
    h('span', { class: 'wti-sub' }, f.label, h('span', { class: 'wti-flags' }, `FIN=${+f.fin}${f.rsv1 ? ' RSV1=1' : ''} MASK=${+f.mask}`)),
    f.deflate?.final && !f.deflate.error
      ? h('span', { class: `wti-preview wti-as-${f.deflate.inflatedAs}` }, `⇣ ${clip(f.deflate.inflated)}`)
      : f.preview && h('span', { class: `wti-preview wti-as-${f.payloadAs}` }, f.preview));
}

export const notice = (r) => h('li', { class: `wti-notice wti-${r.notice.level}` }, r.notice.text);

export const empty = () => [h('p', { class: 'wti-empty' }, 'Frames appear here as they cross the wire. Send a message.')];

// detail shows record r, a frame or a handshake, in full. step is the
// step of the walk-through shown (-1: none), of the steps(r.frame).
// The payload comes first, so what was sent is read at a glance; then
// the header bit by bit, its fields, and the XOR table.
export function detail(r, step) {
  if (r.handshake) return handshake(r);
  const f = r.frame;
  const cell = (v, k, byte) => h('span', { class: `wti-bit ${k}`, 'data-f': byte }, v);
  const grid = h('div', { class: 'wti-bits', role: 'img', 'aria-label': `byte 0 ${f.bits[0]}, byte 1 ${f.bits[1]}` },
    h('span', { class: 'wti-byte', 'data-f': 'b0' }, `byte 0 = ${f.header.slice(0, 2)}`),
    h('span', { class: 'wti-byte', 'data-f': 'b1' }, `byte 1 = ${f.header.slice(2, 4)}`),
    [...f.bits[0]].map((v, i) => cell(v, ['k-fin', 'k-rsv', 'k-rsv', 'k-rsv', 'k-op', 'k-op', 'k-op', 'k-op'][i], 'b0')),
    [...f.bits[1]].map((v, i) => cell(v, i ? 'k-len' : 'k-mask', 'b1')),
    ['FIN', 'R1', 'R2', 'R3'].map((l) => h('span', { class: 'wti-lab' }, l)),
    h('span', { class: 'wti-lab wti-span4' }, `opcode ${f.opcode}`),
    h('span', { class: 'wti-lab wti-b1' }, 'MASK'),
    h('span', { class: 'wti-lab wti-span7' }, `length ${f.len7}`));
  const row = (k, v, f2) => h('tr', { 'data-f': f2 }, h('th', {}, k), h('td', {}, v));
  const fields = h('table', { class: 'wti-fields' },
    row('FIN', `${+f.fin}: ${f.fin ? 'the last frame of its message' : 'more frames of this message follow'}`, 'b0'),
    row('RSV1-3', `${+f.rsv1}${+f.rsv2}${+f.rsv3}: ${f.deflate?.first ? 'RSV1 set: the message is compressed (permessage-deflate)' : f.rsv1 || f.rsv2 || f.rsv3 ? 'set: only an extension may' : 'no extension'}`, 'b0'),
    row('opcode', `0x${f.opcode.toString(16)}: ${f.opName}: ${f.opMeaning}${f.opcode === 0 && f.message ? ` (${f.message})` : ''}`, 'b0'),
    row('MASK', `${+f.mask}: ${f.mask ? 'masked, as every browser frame must be' : 'not masked: servers never mask'}`, 'b1'),
    row('length', f.lengthBits === 7 ? `${f.len7} (7-bit)` : `${f.len7} → ${f.lengthBits}-bit length follows`, 'b1'),
    f.extLen && row(`${f.lengthBits}-bit length`, `${spaced(f.extLen)} = ${f.lengthUnknown ? '? (most significant bit set)' : f.length.toLocaleString('en')}`, 'ext'),
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
  const text = f.payloadAs === 'text';
  return [
    h('h3', { class: `wti-h wti-${f.dir}` }, `#${r.seq} ${f.opName} · ${f.label}`),
    h('p', { class: `wti-maskline wti-${f.dir}` }, f.mask ? `MASK=1 · key ${spaced(f.key)}` : 'MASK=0 · not masked', h('time', { datetime: r.time }, ` · ${r.time.slice(11, 23)}`)),
    h('h4', {}, `Payload, ${text ? 'as text' : 'in hex'}${text && f.utf8Valid === false ? ' (not valid UTF-8 on its own)' : ''}${f.deflate ? ': compressed bytes' + (f.mask ? ', unmasked' : '') : ''}`),
    h('pre', { class: `wti-payload wti-as-${f.payloadAs}` }, f.payload || '(empty)'), more,
    f.deflate?.masked && [h('h4', {}, 'The same compressed bytes as they crossed the wire, masked'),
      h('pre', { class: 'wti-payload wti-as-hex' }, f.deflate.masked)],
    f.deflate && deflated(f),
    f.violations && h('ul', { class: 'wti-viol' }, f.violations.map((v) => h('li', {}, `Breaks RFC 6455 §${v.rule}: ${v.reason} (close ${v.code})`))),
    h('h4', {}, 'Header, bit by bit'),
    h('div', { class: 'wti-scroll', tabindex: 0 }, grid), // focusable: it may scroll
    fields,
    stepBar(f, step),
    f.rows.length ? h('div', { class: 'wti-scroll', tabindex: 0 }, xor) : null,
    f.rows.length < f.length ? h('p', { class: 'wti-more' }, `The table shows the first ${f.rows.length} bytes.`) : null,
  ].flat(2).filter(Boolean);
}

// stepBar is the walk-through's buttons and the text of step.
export function stepBar(f, step) {
  const on = step >= 0, s = on && steps(f);
  return h('div', { class: 'wti-step' },
    h('button', { type: 'button', 'data-act': 'step', 'aria-pressed': String(on) }, on ? 'Stop stepping' : 'Step through'),
    on && [h('button', { type: 'button', 'data-act': 'prev', 'aria-label': 'Previous step', disabled: step === 0 }, '◀'),
      h('button', { type: 'button', 'data-act': 'next', 'aria-label': 'Next step', disabled: step === s.length - 1 }, '▶'),
      h('span', { class: 'wti-count' }, `${step + 1}/${s.length}`)],
    h('p', { class: 'wti-explain', 'aria-live': 'polite' }, on ? s[step].text : 'Walk through this frame field by field (← → keys).'));
}

// steps walks through frame f field by field: each step names the
// data-f of what it highlights.
export function steps(f) {
  const s = [
    { f: 'b0', text: `Byte 0 is ${f.bits[0]}: FIN=${+f.fin} (${f.fin ? 'last frame' : 'more to come'}), RSV1-3=${+f.rsv1}${+f.rsv2}${+f.rsv3}, opcode ${f.opcode} = ${f.opName}.` },
    { f: 'b1', text: `Byte 1 is ${f.bits[1]}: MASK=${+f.mask}, then 7 bits of length = ${f.len7}${f.lengthBits === 7 ? ': the whole length.' : `: "the length is in the next ${f.lengthBits / 8} bytes".`}` },
  ];
  if (f.deflate?.first) s.push({ f: 'b0', text: 'RSV1=1: permessage-deflate, agreed in the handshake, says this message is compressed. Only its first frame carries the bit; control frames never do.' });
  if (f.extLen) s.push({ f: 'ext', text: `The next ${f.lengthBits / 8} bytes, ${spaced(f.extLen)}, are the length as a ${f.lengthBits}-bit big-endian number: ${f.length.toLocaleString('en')}.` });
  if (f.mask) s.push({ f: 'key', text: `Then the 4-byte masking key ${spaced(f.key)}, freshly random for every frame the browser sends.` });
  for (const x of f.rows) {
    const c = x.char ? ` = "${x.char}"` : '';
    s.push({ f: `r${x.i}`, text: f.mask ? `Payload byte ${x.i}: ${hex2(x.masked)} XOR key byte ${x.i % 4} (${hex2(x.key)}) = ${hex2(x.unmasked)}${c}.` : `Payload byte ${x.i}: ${hex2(x.unmasked)}${c}, sent as is.` });
  }
  s.push({ f: 'none', text: `That's the frame: ${f.headerSize} header bytes and ${plural(f.length, 'payload byte')}.` });
  const d = f.deflate;
  if (d?.final) {
    s.push({ f: 'tail', text: `To read the message, the receiver joins the compressed payloads of its frames (${plural(d.compressed, 'byte')}) and appends 00 00 ff ff, the 4 bytes the sender stripped: the length and its complement of the empty stored block that ends every DEFLATE flush. Every message would end with them, so they are never sent.` });
    s.push({ f: 'inflated', text: d.error ? `Then it inflates them: ${d.error}.` : `Then it inflates them${d.takeover ? ', with the last 32 KiB of earlier messages as the window' : ''}: ${plural(d.inflatedLen, 'byte')}, ${d.ratio.toFixed(2)} times the ${plural(d.compressed, 'byte')} that crossed.` });
  }
  return s;
}

function handshake(r) {
  const x = r.handshake;
  const hs = (t) => h('pre', { class: 'wti-http' }, t.join('\n'));
  return [h('h3', { class: 'wti-h' }, `#${r.seq} opening handshake · connection ${r.conn}`),
    h('h4', {}, 'Request, browser → server'), hs(x.request),
    h('h4', {}, 'Response, server → browser'), hs(x.response),
    x.extensions && extensions(x.extensions),
    h('h4', {}, 'Sec-WebSocket-Accept, step by step'),
    h('ol', { class: 'wti-accept' },
      h('li', {}, 'Take the key: ', h('code', {}, x.key)),
      h('li', {}, 'Append the GUID: ', h('code', {}, x.concat)),
      h('li', {}, 'SHA-1 of that, in hex: ', h('code', {}, x.sha1)),
      h('li', {}, 'The same 20 bytes in base64: ', h('code', {}, x.accept),
        h('span', { class: x.match ? 'wti-ok' : 'wti-bad' }, x.match ? ' ✓ the server sent exactly this' : ` ✗ the server sent ${x.sent}`)))].flat(2).filter(Boolean);
}

// received describes what the page's onmessage got: the start of a text
// message, quoted, or the size of a binary one (its bytes are in the
// list, in hex).
export function received(data) {
  if (typeof data !== 'string') {
    return `Your page's onmessage fired once: a binary message of ${plural(data.byteLength, 'byte')}, however many frames carried it.`;
  }
  const n = new TextEncoder().encode(data).length, cs = [...data];
  const start = cs.length > 40 ? cs.slice(0, 40).join('') + '…' : data;
  return `Your page's onmessage fired once with “${start.replace(/\s/g, ' ')}”: a text message of ${plural(n, 'byte')}, however many frames carried it.`;
}

// clip is the start of s on one line, for the list.
const clip = (s) => {
  const cs = [...(s || '').replace(/\s/g, ' ')];
  return cs.length > 40 ? cs.slice(0, 40).join('') + '…' : cs.join('');
};

// deflated is what permessage-deflate did to frame f's message: RSV1's
// meaning and, at the message's last frame, the message inflated.
function deflated(f) {
  const d = f.deflate;
  return h('div', { class: 'wti-deflate' },
    h('h4', {}, 'Compressed (permessage-deflate, RFC 7692)'),
    h('p', {}, d.meaning),
    d.final
      ? [h('p', { class: 'wti-ratio' }, d.error ? `${plural(d.compressed, 'compressed byte')}: ${d.error}.`
          : `${plural(d.compressed, 'compressed byte')} on the wire → ${plural(d.inflatedLen, 'byte')} inflated: ${d.ratio.toFixed(2)}×${d.takeover ? ', using the window of earlier messages (context takeover)' : ', on its own (no context takeover)'}.`),
        h('p', { class: 'wti-tail', 'data-f': 'tail' }, `Tail: ${d.tail}.`),
        !d.error && [h('h4', { 'data-f': 'inflated' }, `The message, inflated${d.inflatedAs === 'hex' ? ', in hex' : ''}`),
          h('pre', { class: `wti-payload wti-as-${d.inflatedAs}`, 'data-f': 'inflated' }, d.inflated || '(empty)')]]
      : h('p', {}, `${plural(d.compressed, 'compressed byte')} of the message so far; it is inflated once its last frame has arrived.`));
}

// extensions shows the Sec-WebSocket-Extensions offer and answer,
// parameter by parameter.
function extensions(x) {
  const table = (title, exts) => [h('h4', {}, title),
    exts.length ? h('table', { class: 'wti-fields wti-ext' }, exts.map((e) => [
      h('tr', {}, h('th', { colspan: 2 }, e.name)),
      e.params.map((p) => h('tr', {}, h('th', {}, p.value ? `${p.name}=${p.value}` : p.name), h('td', {}, p.meaning))),
    ])) : h('p', {}, '(none)')];
  return [table('Extensions offered, browser → server', x.offer), table('Extensions accepted, server → browser', x.answer),
    h('p', { class: 'wti-ext-sum' }, x.summary)];
}

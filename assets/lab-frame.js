// How the inspector lab (lab.js) draws one frame from its records: byte 0
// and byte 1 bit by bit, the rest in hex, the field that breaks a rule
// marked, and the rules broken in words. Wire data goes in as text (h
// appends strings), never as HTML.

const v = new URL(import.meta.url).search; // our ?v=, as lab.js imports us
const { h, hex2, spaced } = await import(`./inspector-view.js${v}`);

export { hex2 };

// frameHex is a frame's bytes in hex, as they crossed the wire.
export const frameHex = (f) => f.header + f.rows.map((x) => hex2(x.masked)).join('');

// bits draws one frame the server sent: byte 0 and byte 1 bit by bit (as
// the record gives them: the header is decoded once, in Go), then the rest
// in hex, with the field that breaks the rule marked (or, with mark
// 'wtl-mark', a field worth seeing in a valid frame).
export function bits(f, bad, mark = 'wtl-bad') {
  const badBit = {
    fin: (i, b) => b === 0 && i === 0,
    rsv1: (i, b) => b === 0 && i === 1,
    opcode: (i, b) => b === 0 && i >= 4,
    mask: (i, b) => b === 1 && i === 0,
    length: (i, b) => b === 1 && i > 0,
  }[bad] || (() => false);
  const names0 = ['FIN', 'RSV1', 'RSV2', 'RSV3', 'opcode', 'opcode', 'opcode', 'opcode'];
  const cells = (byte, b) => [...byte].map((v, i) => h('span', {
    class: `wtl-bit${badBit(i, b) ? ` ${mark}` : ''}`,
    title: b === 0 ? names0[i] : i ? 'payload length' : 'MASK',
  }, v));
  const rest = [];
  if (f.extLen) rest.push(h('span', { class: `wtl-hex${bad === 'length' ? ' wtl-bad' : ''}`, title: `${f.lengthBits}-bit length` }, spaced(f.extLen)));
  if (f.mask) rest.push(h('span', { class: 'wtl-hex wtl-key', title: 'masking key' }, spaced(f.key)));
  const payload = f.rows.map((x) => hex2(x.masked)).join(' ');
  if (payload) rest.push(h('span', { class: `wtl-hex${bad === 'payload' ? ' wtl-bad' : ''}`, title: 'payload' }, payload + (f.rows.length < f.length ? ' …' : '')));
  return h('div', { class: 'wtl-frame' },
    h('div', { class: 'wtl-bits', role: 'img', 'aria-label': `byte 0 ${f.bits[0]}, byte 1 ${f.bits[1]}` }, cells(f.bits[0], 0), h('span', { class: 'wtl-gap' }), cells(f.bits[1], 1)),
    h('p', { class: 'wtl-fields' }, `FIN=${+f.fin} RSV1=${+f.rsv1} RSV2=${+f.rsv2} RSV3=${+f.rsv3} opcode=0x${f.opcode.toString(16)} (${f.opName}) MASK=${+f.mask} length=${f.length}` +
      (f.lengthBits === 7 ? '' : ` (7-bit field ${f.len7}, then ${f.lengthBits} bits)`)),
    rest.length ? h('p', { class: 'wtl-rest' }, 'then ', rest) : null,
    f.close ? h('p', { class: 'wtl-fields' }, `close payload: ${f.close.code} ${f.close.name}${f.close.reason ? ` "${f.close.reason}"` : ''}`) : null,
    (f.violations || []).map((v) => h('p', { class: 'wtl-viol' }, `✗ ${v.rule ? `RFC 6455 §${v.rule}: ` : ''}${v.reason}${v.code ? ` (close ${v.code})` : ''}`)));
}

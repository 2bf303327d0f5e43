// The inspector lab's negotiation controls, which lab.js mounts: the page
// offers subprotocols (from the field) or permessage-deflate, declined or
// accepted, on the lab's own socket reopened, or meets a strict Origin
// check on a socket of its own. What each side offered and chose is drawn
// from the handshake record, beside what the page reads (ws.protocol,
// ws.extensions); for deflate, the frames of one echoed message, RSV1 and
// all.

const v = new URL(import.meta.url).search; // our ?v=, as lab.js imports us
const [{ h }, { wsURL }, { bits, hex2 }] =
  await Promise.all(['inspector-view', 'socket', 'lab-frame'].map((m) => import(`./${m}.js${v}`)));

// What the deflate controls send: text that compresses well.
const DEFLATE_TEXT = 'Hello, hello, hello, hello! Again and again and again.';
// RFC 7230's token: what a subprotocol name may be (RFC 6455 §4.1).
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// startNegotiation starts one of these controls. lab is what mountLab
// shares with it (lab.js): the run going on (run, which it replaces), the
// feed's id, the buttons, and openSpecimen and draw.
export function startNegotiation(lab, rule) {
  const r = lab.run = { rule, neg: true, events: [], handshake: null, proto: null, page: null, server: '' };
  if (rule.page === 'subprotocols') {
    const field = lab.buttons.querySelector(`input[data-input="${rule.id}"]`);
    const offer = (field ? field.value : rule.input).split(',').map((x) => x.trim()).filter((x) => x);
    r.offer = offer;
    r.bad = offer.filter((x, i) => !TOKEN.test(x) || offer.indexOf(x) !== i);
    try {
      lab.openSpecimen(offer);
    } catch (err) {
      // The browser refuses before any byte is sent: no server involved.
      r.refused = `${err.name}: ${err.message}`;
    }
    return lab.draw();
  }
  if (rule.page === 'deflate') {
    lab.openSpecimen([], rule.query);
    return lab.draw();
  }
  const s = new WebSocket(wsURL('/demo/specimen?feed=' + encodeURIComponent(lab.id) + '&origin=strict'));
  s.onopen = () => {
    r.events.push({ kind: 'open' });
    s.close();
  };
  s.onclose = (e) => {
    r.page = { code: e.code, reason: e.reason, wasClean: e.wasClean };
    if (lab.run === r) lab.draw();
  };
  lab.draw();
}

// negotiationOpened notes what the page reads once the lab's socket s is
// open for run r, and sends the deflate controls' one message.
export function negotiationOpened(r, s) {
  r.proto = { protocol: s.protocol, extensions: s.extensions };
  if (r.rule.page === 'deflate' && !r.asked) {
    r.asked = true;
    s.send(DEFLATE_TEXT);
  }
}

// drawNegotiation shows run in result, and sets result's dataset for the
// tests (demo/lab_browser_test.go, demo/lab_firefox_test.go).
export function drawNegotiation(run, result) {
  const r = run.rule, x = run.handshake, p = run.page, proto = run.proto;
  const res = [h('h3', {}, r.title), h('p', { class: 'wtl-rule' }, r.rule)];
  const header = (lines, name) => (lines || []).find((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'))?.slice(name.length + 1).trim() ?? '';
  const ds = result.dataset;
  for (const k of Object.keys(ds)) delete ds[k];
  ds.rule = r.id;
  if (r.page === 'subprotocols') {
    const offered = header(x?.request, 'Sec-WebSocket-Protocol'), chosen = header(x?.response, 'Sec-WebSocket-Protocol');
    res.push(h('p', {}, h('b', {}, 'Your page called: '), `new WebSocket(url, ${JSON.stringify(run.offer)})`));
    if (run.refused) {
      res.push(h('p', { class: 'wtl-viol' }, `✗ Your browser refused: it threw ${run.refused}`),
        h('p', { class: 'wtl-verdict' }, run.bad.length
          ? `${run.bad.map((b) => JSON.stringify(b)).join(', ')} ${run.bad.length === 1 ? 'is' : 'are'} not a valid subprotocol (not an HTTP token, or said twice). No request left your browser: the server never heard of it, and the lab's connection is as it was.`
          : 'No request left your browser: the server never heard of it, and the lab\'s connection is as it was.'));
    } else {
      res.push(x ? h('table', { class: 'wtl-side' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Your browser sent (request)'), h('th', {}, 'The server chose (response)'), h('th', {}, 'Your page reads'))),
        h('tbody', {}, h('tr', {},
          h('td', { class: 'wtl-req' }, offered ? `Sec-WebSocket-Protocol: ${offered}` : '(no Sec-WebSocket-Protocol: nothing offered)'),
          h('td', { class: 'wtl-res' }, chosen ? `Sec-WebSocket-Protocol: ${chosen}` : '(no Sec-WebSocket-Protocol: none chosen)'),
          h('td', {}, proto ? `ws.protocol = "${proto.protocol}"` : '…'))))
        : h('p', {}, 'Waiting…'));
      if (proto) {
        res.push(h('p', { class: 'wtl-verdict' }, chosen
          ? `The server chose ${chosen}, by its own preference, from what you offered; your page learns it from ws.protocol.`
          : `The server chose none${offered ? ' of what you offered' : ''}, and the socket opened all the same: ws.protocol is "".${offered ? ' RFC 6455 allows it; the WHATWG standard, and Chromium, would fail the connection.' : ''}`));
      } else if (p) {
        res.push(h('p', { class: 'wtl-verdict' }, `Your browser failed the connection: your page offered subprotocols and the server chose none. ` +
          `RFC 6455 allows that answer (§4.2.2: the server may choose none), but the WHATWG WebSocket standard, which browsers follow, fails the connection then. Your page only learns ${p.code}, wasClean=${p.wasClean}.`));
      }
      Object.assign(ds, { offered, chosen, pageCode: p ? p.code : '', pageClean: p ? p.wasClean : '' });
    }
    Object.assign(ds, { handshake: String(!!x), offer: run.offer.join(','), refused: run.refused || '', bad: run.bad.join(','), protocol: proto ? proto.protocol : '', opened: String(!!proto) });
  } else if (r.page === 'deflate') {
    const extOffered = header(x?.request, 'Sec-WebSocket-Extensions'), extChosen = header(x?.response, 'Sec-WebSocket-Extensions');
    const frames = run.events.filter((e) => e.kind === 'frame' && !e.tcp && (e.f.opcode === 1 || e.f.opcode === 0)).sort((a, b) => a.seq - b.seq);
    const got = run.events.filter((e) => e.kind === 'message');
    res.push(x ? h('ul', { class: 'wtl-timeline' },
      h('li', { class: 'wtl-in' }, h('b', {}, 'Your browser offered: '), extOffered ? `Sec-WebSocket-Extensions: ${extOffered}` : 'no extension'),
      h('li', { class: 'wtl-out' }, h('b', {}, 'The server: '), extChosen ? `accepted it: Sec-WebSocket-Extensions: ${extChosen}` : 'declined it: no Sec-WebSocket-Extensions in its answer'),
      proto ? h('li', {}, h('b', {}, 'Your page reads: '), `ws.extensions = "${proto.extensions}"`) : null)
      : h('p', {}, 'Waiting…'));
    res.push(h('h4', {}, `Your page sent "${DEFLATE_TEXT}" (${DEFLATE_TEXT.length} bytes); the server echoed it`), frames.length
      ? h('ol', { class: 'wtl-timeline' }, frames.map((e) => h('li', { class: e.f.dir === 'in' ? 'wtl-in' : 'wtl-out' },
        h('b', {}, e.f.dir === 'in' ? `Your browser → server: ${e.f.opName}` : `Server → browser: ${e.f.opName}`), bits(e.f, e.f.rsv1 ? 'rsv1' : '', 'wtl-mark'),
        e.f.deflate ? h('p', { class: 'wtl-fields' }, `${e.f.deflate.meaning}.${e.f.deflate.final ? ` ${e.f.deflate.compressed} bytes on the wire inflate to ${e.f.deflate.inflatedLen}: "${e.f.deflate.inflated}".` : ''}`)
          : h('p', { class: 'wtl-fields' }, 'RSV1=0: not compressed; the payload is the text itself.'))))
      : h('p', {}, 'Waiting…'));
    if (got.length) {
      res.push(h('p', { class: 'wtl-verdict' }, `Your page got "${got[0].data}" in onmessage. ` + (extChosen
        ? 'The frames carried DEFLATE bytes with RSV1 set; your browser inflated them, and the page never saw the difference.'
        : 'Nothing was compressed: both frames carry the text as it is, with RSV1=0.')));
    }
    const payload = (e) => e ? e.f.rows.map((b) => hex2(b.unmasked)).join('') : '';
    Object.assign(ds, { extOffered, extChosen, extensions: proto ? proto.extensions : '', messages: got.map((e) => e.data).join('\n'),
      rsv1: frames.map((e) => `${e.f.dir}:${+e.f.rsv1}`).join(' '), payloadOut: payload(frames.find((e) => e.f.dir === 'out')), length: frames.map((e) => `${e.f.dir}:${e.f.length}`).join(' ') });
  } else {
    res.push(h('p', {}, h('b', {}, 'Your page\'s origin: '), location.origin));
    if (run.server) res.push(h('p', { class: 'wtl-server' }, h('b', {}, 'The server: '), run.server));
    if (p) res.push(h('p', { class: 'wtl-verdict' }, `Your page only learns ${p.code}${p.wasClean ? '' : ', wasClean=false'}: not that its Origin was refused.`));
    Object.assign(ds, { server: run.server, pageCode: p ? p.code : '', pageClean: p ? p.wasClean : '', opened: String(run.events.some((e) => e.kind === 'open')) });
  }
  result.replaceChildren(...res);
}

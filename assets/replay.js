// replay.js: the inspector's two sockets played back from a recording, for
// the static export. See README.md.

// The recording is the page's <script type="application/json"
// id="wt-recording"> (docs/recording.md): data, never run.
let parsed;
function recording() {
  if (parsed === undefined) {
    const el = document.getElementById('wt-recording');
    parsed = el ? JSON.parse(el.textContent) : null;
  }
  return parsed;
}

// ReplaySocket stands in for WebSocket in the inspector's module: the feed
// says hello, and once the specimen is open the feed delivers every
// recorded record, then the specimen closes as the recorded one did.
// Nothing is sent anywhere.
let feed = null;
export class ReplaySocket {
  constructor(url) {
    this.url = String(url);
    this.readyState = 0;
    this.binaryType = 'blob';
    const isFeed = this.url.includes('/demo/feed');
    if (isFeed) feed = this;
    setTimeout(() => {
      if (this.readyState > 1) return;
      this.readyState = 1;
      this.onopen?.({ type: 'open' });
      if (isFeed) return this.deliver({ type: 'feed', id: 'replay', maxMessage: 1048576, rate: 20, burst: 20 });
      const rec = recording(), f = feed;
      for (const r of rec?.records || []) f?.deliver(r);
      const close = (rec?.records || []).map(r => r.frame?.close).filter(Boolean).pop();
      this.readyState = 3;
      this.onclose?.({ type: 'close', code: close?.code ?? 1005, reason: close?.reason ?? '', wasClean: true });
    });
  }
  deliver(m) {
    if (this.readyState === 1) this.onmessage?.({ type: 'message', data: JSON.stringify(m) });
  }
  send() {}
  close() { this.readyState = 3; }
}

// about describes the recording in a line, or is '' when there is none.
export function about() {
  const rec = recording();
  if (!rec) return '';
  const frames = rec.records.filter(r => r.type === 'frame').length;
  const when = String(rec.recorded || '').slice(0, 10);
  return `A recording${when ? ' of ' + when : ''}: ${frames} real frames between a client and wiretalk's server, replayed here without a network. Select a frame, or step through it.`;
}

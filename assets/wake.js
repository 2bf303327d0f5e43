// wake.js: keeps the phone's screen on during a live talk, with the
// Screen Wake Lock API where the browser has it. See README.md.
//
// The browser drops the lock whenever the page is hidden; it is asked for
// again when the page shows. show(state, why) is told 'on', 'off' or
// 'unavailable' (with why, for the console to say).

export function stayAwake(show) {
  let wanted = false, lock = null, asking = false;
  const why = () => !isSecureContext ? 'keeping the screen on needs https' : 'this browser cannot keep the screen on';
  async function acquire() {
    if (!('wakeLock' in navigator)) return show('unavailable', why());
    if (!wanted || lock || asking || document.visibilityState !== 'visible') return;
    asking = true;
    try {
      const l = await navigator.wakeLock.request('screen');
      if (!wanted || document.hidden) { l.release(); return; }
      lock = l;
      l.addEventListener('release', () => {
        if (lock !== l) return;
        lock = null;
        show('off');
      });
      show('on');
    } catch (e) {
      show('unavailable', 'the screen may sleep: ' + e.message);
    } finally {
      asking = false;
    }
  }
  function release() {
    const l = lock;
    lock = null;
    l?.release();
    if (l) show('off');
  }
  document.addEventListener('visibilitychange', () => document.hidden ? release() : acquire());
  return { want(on) { wanted = on; on ? acquire() : release(); } };
}

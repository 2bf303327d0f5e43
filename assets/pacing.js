// pacing.js: the talk's time left and pace, for the presenter console.
// Pure functions of the deck, the talk's length and the elapsed time. See
// README.md.

// clock formats a duration in ms as m:ss, or h:mm:ss from an hour.
export function clock(ms) {
  const s = Math.floor(Math.abs(ms) / 1000), pad = n => String(n).padStart(2, '0');
  return (s >= 3600 ? Math.floor(s / 3600) + ':' + pad(Math.floor(s / 60) % 60) : pad(Math.floor(s / 60))) + ':' + pad(s % 60);
}

// plan gives each slide (a slide's `--` steps share it) its share of the
// talk's length in ms. Slides weigh their `minutes:` when the deck gives
// them; slides without share what the others leave; without any, every
// slide weighs the same. length 0 takes the sum of the minutes; with
// neither there is no plan (null). It returns the planned elapsed time at
// the start and end of each step's slide, and the length.
export function plan(slides, length) {
  const firsts = slides.filter(s => s.stepOf === s.index);
  const given = firsts.filter(s => s.minutes > 0), sum = given.reduce((a, s) => a + s.minutes * 6e4, 0);
  const total = length > 0 ? length : sum;
  if (!total || !firsts.length) return null;
  const others = firsts.length - given.length;
  const weight = s => given.length ? (s.minutes > 0 ? s.minutes * 6e4 : others ? Math.max(total - sum, 0) / others : 0) : 1;
  const all = firsts.reduce((a, s) => a + weight(s), 0) || 1;
  const at = new Map();
  let t = 0;
  for (const s of firsts) {
    const w = weight(s) * total / all;
    at.set(s.index, [t, t + w]);
    t += w;
  }
  return { length: total, start: slides.map(s => at.get(s.stepOf)?.[0] ?? 0), end: slides.map(s => at.get(s.stepOf)?.[1] ?? 0) };
}

// pace says whether the talk on step index at elapsed ms is ahead of its
// plan (the slide's planned start is still to come), behind (its planned
// end has passed) or on time, and by how many ms.
export function pace(p, index, elapsed) {
  if (!p) return null;
  const start = p.start[index] ?? p.length, end = p.end[index] ?? p.length;
  if (elapsed < start) return { pace: 'ahead', by: start - elapsed };
  if (elapsed > end) return { pace: 'behind', by: elapsed - end };
  return { pace: 'on time', by: 0 };
}

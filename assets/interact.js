// interact.js: polls, questions and reactions on the audience page (phone or
// /?projector). Loaded after the slide shows. See README.md.

export const el = (tag, props = {}, ...kids) => {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids.filter(k => k != null));
  return e;
};

export function stylesheet() {
  document.head.append(el('link', { rel: 'stylesheet', href: new URL('interact.css' + new URL(import.meta.url).search, import.meta.url) }));
}

// options draws a poll's options: buttons for a phone that may vote, bars
// and counts once they are known, the correct option marked after reveal.
export function options(p, mine, vote) {
  const total = p.counts?.reduce((a, b) => a + b, 0) || 0;
  return el('ol', { className: 'wt-options' }, ...p.options.map((text, i) => {
    const n = p.counts?.[i], right = p.answer === i && (p.revealed || !vote);
    const label = el('span', { className: 'wt-opt-text', textContent: text });
    const kids = [label, right ? el('span', { className: 'wt-mark', textContent: ' ✓ correct' }) : null];
    if (n != null) {
      const bar = el('span', { className: 'wt-opt-bar' });
      bar.style.width = (total ? 100 * n / total : 0) + '%';
      kids.push(el('span', { className: 'wt-opt-count', textContent: String(n) }), bar);
    }
    const item = vote
      ? el('button', { type: 'button', className: 'wt-opt', disabled: p.status !== 'open', onclick: () => vote(i) }, ...kids)
      : el('div', { className: 'wt-opt' }, ...kids);
    if (vote) item.setAttribute('aria-pressed', mine === i);
    item.classList.toggle('wt-correct', right);
    return el('li', {}, item);
  }));
}

// heartbeat draws the room's round-trip histogram into a slide's ![:heartbeat]() box.
export function heartbeat(box, m) {
  const top = Math.max(1, ...m.counts), ms = x => x < 10 ? x.toFixed(1) : Math.round(x);
  box.replaceChildren(
    el('p', { className: 'wt-hb-sum', textContent: m.phones ? `${m.phones} phone${m.phones > 1 ? 's' : ''} · median ${ms(m.median)} ms · slowest ${ms(m.slowest)} ms` : 'Waiting for the phones’ first pongs…' }),
    el('ol', { className: 'wt-hb-bars', ariaLabel: 'Round trips from ping to pong' }, ...m.counts.map((n, i) => {
      const bar = el('span', { className: 'wt-hb-bar' });
      bar.style.height = 100 * n / top + '%';
      return el('li', {}, el('span', { className: 'wt-hb-n', textContent: n || '' }), bar,
        el('span', { className: 'wt-hb-label', textContent: i < m.bounds.length ? `≤${m.bounds[i]}` : `>${m.bounds.at(-1)}` }));
    })));
}

const said = { waiting: 'Opens when the talk gets there', open: 'Tap to vote; you can change it', closed: 'Voting closed' };

export function mount(sock) {
  stylesheet();
  const projector = new URLSearchParams(location.search).has('projector');
  let polls = [], questions = [], mine = { votes: {}, upvoted: [], emoji: [] }, moderated = false;
  const send = m => sock.send(m) || note('Not connected: try again in a moment');

  const pollBox = el('div', { className: 'wt-polls' });
  const status = el('p', { className: 'wt-note', role: 'status' });
  const note = t => { status.textContent = t; clearTimeout(note.t); note.t = setTimeout(() => status.textContent = '', 4000); };
  const reacts = el('div', { className: 'wt-reacts', role: 'group', ariaLabel: 'Reactions' });
  const text = el('textarea', { maxLength: 280, required: true, rows: 2, placeholder: 'Your question (280 characters)', ariaLabel: 'Your question' });
  const list = el('ol', { className: 'wt-questions' });
  const summary = el('summary', { textContent: 'Questions' });
  const form = el('form', { className: 'wt-ask' }, text, el('button', { type: 'submit', textContent: 'Ask' }));
  form.onsubmit = e => {
    e.preventDefault();
    if (text.value.trim() && send({ type: 'ask', text: text.value })) text.value = '';
  };
  const bursts = el('div', { className: 'wt-bursts', ariaHidden: 'true' });
  const root = el('section', { className: 'wt-room', ariaLabel: 'Polls and questions' }, pollBox, status,
    projector ? bursts : reacts, projector ? null : el('details', { className: 'wt-qa' }, summary, form, list));
  document.body.classList.toggle('wt-projector', projector);
  (document.querySelector('.wt-bar') || document.body.lastChild).before(root);

  let beat;
  const drawBeat = () => beat && document.querySelectorAll('#frame .wt-heartbeat').forEach(b => heartbeat(b, beat));

  function drawPolls() {
    const i = +document.querySelector('#frame .wt-slide')?.dataset.index, here = polls.find(p => p.steps?.includes(i))?.id;
    // A phone shows every open poll, wherever it is in the talk, and the
    // poll of the slide it shows; the projector shows results when revealed.
    const shown = polls.filter(p => projector ? p.id === here && p.revealed : p.status === 'open' || p.id === here && p.status !== 'waiting');
    pollBox.replaceChildren(...shown.map(p => el('div', { className: 'wt-poll' + (p.revealed ? ' wt-revealed' : '') },
      el('h2', { textContent: p.question || 'Poll' }),
      options(p, mine.votes[p.id], !projector && (i => send({ type: 'vote', poll: p.id, option: i }))),
      el('p', { className: 'wt-poll-state', textContent: p.revealed ? `Results: ${p.voters || 0} voted` : said[p.status] }))));
  }

  function drawQuestions() {
    summary.textContent = `Questions (${questions.length})` + (moderated ? ' — the speaker approves each' : '');
    list.replaceChildren(...questions.map(q => {
      const up = mine.upvoted.includes(q.id);
      const b = el('button', { type: 'button', className: 'wt-up', textContent: `▲ ${q.votes}`, disabled: q.state !== 'open', ariaLabel: `Upvote (${q.votes})`, onclick: () => send({ type: 'upvote', question: q.id }) });
      b.setAttribute('aria-pressed', up);
      return el('li', { className: 'wt-q wt-q-' + q.state }, b, el('span', { className: 'wt-q-text', textContent: q.text }),
        q.state === 'answered' ? el('span', { className: 'wt-badge', textContent: 'answered' }) : null);
    }));
  }

  function drawReacts() {
    if (reacts.childElementCount) return;
    reacts.append(...mine.emoji.map(e => el('button', { type: 'button', textContent: e, ariaLabel: 'React ' + e, onclick: () => send({ type: 'react', emoji: e }) })));
  }

  // A burst: each emoji with its count since the last one, rising and fading.
  function burst(counts) {
    for (const [e, n] of Object.entries(counts)) {
      const b = el('span', { className: 'wt-burst', textContent: n > 1 ? `${e}×${n}` : e });
      b.style.left = 5 + Math.random() * 80 + '%';
      b.onanimationend = () => b.remove();
      bursts.append(b);
    }
    while (bursts.childElementCount > 40) bursts.firstChild.remove();
  }

  const on = {
    polls: m => { polls = m.polls; drawPolls(); },
    questions: m => { questions = m.questions; moderated = m.moderated; drawQuestions(); },
    mine: m => { mine = m; drawPolls(); drawQuestions(); drawReacts(); },
    reactions: m => burst(m.counts),
    heartbeat: m => { beat = m; drawBeat(); },
    reply: m => note(m.ok ? (moderated ? 'Sent: it shows once the speaker approves it' : 'Sent') : m.reason),
  };
  // Another slide shown: its poll, if any.
  const frame = document.getElementById('frame');
  if (frame) new MutationObserver(() => { drawPolls(); drawBeat(); }).observe(frame, { childList: true });
  drawPolls();
  // The page hands each message to sock[type]; those that came before this
  // module did were dropped, so ask for the room again. A projector says so
  // on each connection (hello), to get the reactions.
  on.hello = () => projector && sock.send({ type: 'projector' });
  Object.assign(sock, on);
  sock.send({ type: 'room' });
  on.hello();
}

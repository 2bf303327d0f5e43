// interact-presenter.js: the presenter's poll, questions and reactions. See README.md.

const v = new URL(import.meta.url).search;
const { el, stylesheet, options, heartbeat } = await import(`./interact.js${v}`);

// viewers() is this server's audience plus every edge's (serve -relay),
// as the edges' phones vote here too: presenter.js counts them.
export function mount(sock, current, viewers) {
  stylesheet();
  let polls = [], questions = [];
  const send = m => sock.send(m);
  const poll = el('div', { className: 'wt-polls' });
  const list = el('ol', { className: 'wt-questions' });
  const bursts = el('div', { className: 'wt-bursts', ariaHidden: 'true' });
  const downloads = el('p', { className: 'wt-downloads' }, 'Results: ',
    el('a', { href: '/api/results.csv', textContent: 'CSV', download: '' }), ' · ',
    el('a', { href: '/api/results?download', textContent: 'JSON', download: '' }));
  const root = el('section', { className: 'wt-room wt-room-presenter', ariaLabel: 'Poll and questions' },
    el('h2', { textContent: 'Poll' }), poll, el('h2', { textContent: 'Questions' }), list, bursts, downloads);
  (document.querySelector('.wt-side') || document.body).append(root);

  let beat;
  const drawBeat = () => beat && document.querySelectorAll('#current .wt-heartbeat').forEach(b => heartbeat(b, beat));
  const here = () => polls.find(p => p.id === current()?.poll);
  const act = (p, action) => send({ type: 'poll', poll: p.id, action });
  const reveal = () => { const p = here(); if (p) act(p, p.revealed ? 'unreveal' : 'reveal'); };
  const button = (textContent, onclick, props = {}) => el('button', { type: 'button', textContent, onclick, ...props });

  function drawPoll() {
    const p = here();
    if (!p) return poll.replaceChildren(el('p', { className: 'wt-note', textContent: 'No poll on this slide.' }));
    const rv = button(p.revealed ? 'Hide results' : 'Reveal results', reveal, { className: 'wt-reveal' });
    rv.setAttribute('aria-pressed', p.revealed);
    rv.setAttribute('aria-keyshortcuts', 'r');
    poll.replaceChildren(el('div', { className: 'wt-poll' + (p.revealed ? ' wt-revealed' : '') },
      el('h3', { textContent: p.question || 'Poll' }),
      options(p, null, null),
      el('p', { className: 'wt-poll-state', textContent: `${p.voters || 0} of ${viewers()} voted · ${p.status}` }),
      el('div', { className: 'wt-actions' },
        p.status === 'open' ? button('Close', () => act(p, 'close')) : button(p.status === 'waiting' ? 'Open' : 'Reopen', () => act(p, 'reopen')),
        button('Reset', () => act(p, 'reset')), rv)));
  }

  function drawQuestions() {
    if (!questions.length) return list.replaceChildren(el('li', { className: 'wt-note', textContent: 'No questions yet.' }));
    list.replaceChildren(...questions.map(q => {
      const ask = action => send({ type: 'question', question: q.id, action });
      return el('li', { className: 'wt-q wt-q-' + q.state },
        el('span', { className: 'wt-votes', textContent: `▲ ${q.votes}` }),
        el('span', { className: 'wt-q-text', textContent: q.text }),
        el('span', { className: 'wt-badge', textContent: q.state }),
        el('span', { className: 'wt-actions' },
          q.state === 'pending' ? button('Approve', () => ask('approve')) : null,
          q.state === 'open' ? button('Answered', () => ask('answer')) : null,
          q.state !== 'hidden' ? button('Hide', () => ask('hide')) : button('Show', () => ask('reopen'))));
    }));
  }

  addEventListener('keydown', e => {
    if (e.key === 'r' && !e.ctrlKey && !e.altKey && !e.metaKey && !e.target.closest('input, textarea, select')) reveal();
  });

  const on = {
    polls: m => { polls = m.polls; drawPoll(); },
    questions: m => { questions = m.questions; drawQuestions(); },
    heartbeat: m => { beat = m; drawBeat(); },
    reactions: m => {
      for (const [e, n] of Object.entries(m.counts)) {
        const b = el('span', { className: 'wt-burst', textContent: n > 1 ? `${e}×${n}` : e });
        b.style.left = 5 + Math.random() * 80 + '%';
        b.onanimationend = () => b.remove();
        bursts.append(b);
      }
      while (bursts.childElementCount > 30) bursts.firstChild.remove();
    },
  };
  drawPoll();
  drawQuestions();
  return m => m ? on[m.type]?.(m) : (drawPoll(), drawBeat());
}

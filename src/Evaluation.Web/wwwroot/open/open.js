// The open 征求意见箱 (Features/OpenBox/OpenBoxEndpoints.cs): reads the box named in the address, shows its questions on
// one screen, and sends the answers as {once: {questionId: answer}}. No slip, no keys, and nothing kept on the phone: what
// was typed lives in this page's memory only, so a shared phone shows nothing of it to the next person once sent.
// A busy network or server (429, 503, Retry-After) is waited out and the same answers are sent again by themselves.

const app = document.getElementById('app');
const statusBar = document.getElementById('status');
const band = document.getElementById('band');
const notice = app.querySelector('.open-notice');
const boxId = encodeURIComponent(decodeURIComponent(location.pathname.split('/')[2] ?? ''));
// The 其他（请注明） box, named as the phone page names it: an option may itself be called 其他.
const OTHER = '其他（请注明）';

let box = null;
let answers = {};
let sending = false;

// ---- small helpers ----------------------------------------------------------------------------------------------

function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'disabled') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...kids.flat(2).filter((kid) => kid != null && kid !== false));
  return el;
}

// Question texts and options are typed by people: each is an isolate, so an override inside one cannot turn the page's words.
const iso = (text) => (text ? h('bdi', {}, text) : null);

// Characters as a person sees them, as the server counts them (UserText.Length).
const graphemes = typeof Intl !== 'undefined' && Intl.Segmenter ? new Intl.Segmenter('zh', { granularity: 'grapheme' }) : null;
const chars = (text) => (graphemes ? [...graphemes.segment(text)].length : [...text].length);

function render(...kids) {
  app.replaceChildren(notice, ...kids.flat(2).filter(Boolean));
  window.scrollTo(0, 0);
  app.querySelector('h1')?.focus({ preventScroll: true });
}

function say(text) {
  statusBar.textContent = text ?? '';
  statusBar.hidden = !text;
}

const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- the server -------------------------------------------------------------------------------------------------

/**
 * Calls /api/o/<box><path>. A dropped connection, 429, 502–504 are retried until answered: after Retry-After, plus up to
 * as much again at random, so a room told to wait does not come back in one wave. Resolves to {ok, status, data}.
 */
async function call(path, body) {
  for (let attempt = 0; ; attempt++) {
    const backoff = Math.min(1000 * 2 ** attempt, 8000);
    let response, data = null;
    try {
      response = await fetch(`/api/o/${boxId}${path}`, body === undefined
        ? { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer' }
        : { method: 'POST', body, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer', headers: { 'Content-Type': 'application/json' } });
      try { data = JSON.parse(await response.text()); } catch { /* a proxy's HTML page */ }
    } catch {
      say('网络中断，正在重试……您填写的内容还在。');
      await pause(backoff);
      continue;
    }
    if ([429, 502, 503, 504].includes(response.status)) {
      say(data?.error ?? '服务器繁忙，正在重试……您填写的内容还在，请不要关闭本页面。');
      const after = Number(response.headers.get('Retry-After')) * 1000 || backoff;
      await pause(after + Math.random() * after);
      continue;
    }
    say(null);
    return { ok: response.ok, status: response.status, data: data ?? { error: `服务器出错（${response.status}），请稍后重试。` } };
  }
}

// ---- screens ----------------------------------------------------------------------------------------------------

async function load() {
  const { ok, data } = await call('');
  if (!ok) {
    render(h('h1', { tabindex: '-1' }, '无法打开征求意见箱'), h('p', { class: 'alert', role: 'alert' }, data.error));
    return;
  }
  box = data;
  band.hidden = !box.rehearsal;
  document.title = `${box.name} · 公开征求意见箱`;
  if (box.state !== 'open') showStopped(box.message);
  else showForm();
}

function heading() {
  return [h('h1', { tabindex: '-1' }, iso(box.name)), h('p', { class: 'unit' }, iso(box.unit))];
}

function showStopped(message) {
  render(heading(), h('p', { class: 'alert', role: 'alert' }, message),
    h('button', { type: 'button', class: 'secondary', onclick: load }, '重新查看是否开放'));
}

function showForm(problem) {
  const form = box.form;
  render(heading(),
    form.instructions && h('p', { class: 'instructions' }, iso(form.instructions)),
    problem && h('p', { class: 'alert', role: 'alert' }, problem),
    form.questions.map((q, i) => questionView(q, `q${i}`, i + 1)),
    h('button', { type: 'button', onclick: send, disabled: sending }, sending ? '正在提交……' : '提交'));
}

function showDone(message) {
  answers = {};
  render(heading(), h('p', { class: 'ok', role: 'status' }, message),
    h('button', { type: 'button', class: 'secondary', onclick: () => showForm() }, '再提交一份意见'));
}

// ---- questions --------------------------------------------------------------------------------------------------

function set(q, answer) {
  const given = answer.text?.trim() || answer.choice || answer.choices?.length || answer.other !== undefined;
  if (given) answers[q.id] = answer;
  else delete answers[q.id];
}

function label(q, number) {
  return [`${number}. `, iso(q.text), q.required && h('span', { class: 'req' }, '（必答）')];
}

function counter(input, max) {
  const count = h('p', { class: 'hint' });
  const show = () => {
    const n = chars(input.value.trim());
    count.textContent = n > max ? `已写 ${n} / ${max} 字，超出 ${n - max} 字，请删减。` : `已写 ${n} / ${max} 字`;
    count.classList.toggle('over', n > max);
  };
  input.addEventListener('input', show);
  show();
  return count;
}

function questionView(q, id, number) {
  if (q.kind === 'text') {
    const area = h('textarea', { id, rows: '4', oninput: () => set(q, { text: area.value }) });
    area.value = answers[q.id]?.text ?? '';
    return h('div', { class: 'q' }, h('label', { for: id, class: 'q-label' }, label(q, number)), area, counter(area, q.maxLength ?? 2000));
  }
  const single = q.kind === 'single';
  const none = q.kind === 'symptoms' ? q.noneOption : null;
  const a = answers[q.id] ?? {};
  const picked = new Set(single ? [a.choice].filter(Boolean) : a.choices ?? []);
  let other = a.other;  // undefined: 其他 not ticked
  const otherBox = q.allowOther ? h('input', { type: 'text', id: `${id}-other`, value: other ?? '', 'aria-label': '请注明' }) : null;
  const otherWrap = otherBox && h('div', { class: 'other' }, otherBox, counter(otherBox, q.maxLength ?? 100));
  const boxes = [];
  const commit = () => {
    if (single) set(q, other !== undefined ? { other } : { choice: [...picked][0] });
    else set(q, other === undefined ? { choices: [...picked] } : { choices: [...picked], other });
    const full = q.maxSelections && picked.size + (other === undefined ? 0 : 1) >= q.maxSelections;
    for (const [input, value] of boxes) {
      input.checked = value === OTHER ? other !== undefined : picked.has(value);
      input.disabled = !single && !input.checked && !!full && value !== none;
    }
    if (otherWrap) otherWrap.hidden = other === undefined;
  };
  const toggle = (value, on) => {
    if (single) { picked.clear(); other = undefined; }
    if (value === OTHER) other = on ? otherBox.value : undefined;
    else if (value === none) { picked.clear(); other = undefined; if (on) picked.add(none); }
    else { picked.delete(none); if (on) picked.add(value); else picked.delete(value); }
    commit();
    if (value === OTHER && on) otherBox.focus();
  };
  otherBox?.addEventListener('input', () => { other = otherBox.value; commit(); });
  const option = (value, vi) => {
    const input = h('input', { type: single ? 'radio' : 'checkbox', name: id, id: `${id}-${vi}`, onchange: () => toggle(value, input.checked) });
    boxes.push([input, value]);
    return h('label', { class: 'opt' }, input, iso(value));
  };
  const hint = single ? null : h('p', { class: 'hint' },
    q.maxSelections ? `最多选 ${q.maxSelections} 项${q.allowOther ? '（“其他”也算一项）' : ''}。` : none ? `可多选；没有发现请选“${none}”。` : '可多选。');
  const el = h('fieldset', { class: 'q' }, h('legend', {}, label(q, number)), hint, h('div', { class: 'opts' },
    none && option(none, 'none'), q.options.map(option), q.allowOther && option(OTHER, 'other'), otherWrap));
  commit();
  return el;
}

// ---- sending ----------------------------------------------------------------------------------------------------

async function send() {
  if (sending) return;
  const over = box.form.questions.find((q) => {
    const a = answers[q.id];
    const max = q.maxLength ?? (q.kind === 'text' ? 2000 : 100);
    return a && chars((a.text ?? a.other ?? '').trim()) > max;
  });
  if (over) { showForm(`“${over.text}”的字数超出上限，请删减后再提交。`); return; }
  if (!Object.keys(answers).length) { showForm('您还没有填写任何内容。请至少回答一题后再提交。'); return; }
  sending = true;
  showForm();
  const { ok, status, data } = await call('/answers', JSON.stringify({ once: answers }));
  sending = false;
  if (ok) showDone(data.message);
  else if (status === 409 || status === 404) showStopped(data.error);
  else showForm(data.error);
}

load();

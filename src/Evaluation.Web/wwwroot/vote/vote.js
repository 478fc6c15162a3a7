// The attendee's page (DESIGN.md §2): open a slip, take an anonymous credential, fill the form, submit, keep a receipt.
//
// - The slip token arrives after '#' (never sent to a server) and is dropped from the address bar at once.
// - Check-in and submit are separate requests; the ballot carries blind-signed credentials, never the token.
// - The sealed ballot box (docs/sealed-ballot-box.md): at check-in two messages are blinded, a door message made from a
//   random secret s and a ballot message that binds a key pair made here. At submit the answers are signed with that key
//   and sealed (HPKE) to the box key with the ballot credential; only the door credential and s travel in the clear.
//   The receipt comes from s (Receipt.cs): the page computes it itself and checks the server's.
// - Phone (/v): the draft and the credential live in localStorage under a hash of the token, so a reload, a dropped
//   connection or a closed tab loses nothing. The raw token is kept only in sessionStorage, and only until check-in.
// - Kiosk (/kiosk): a shared tablet. Everything stays in memory and is wiped after each voter or when left idle.
// - Preview (/evaluations/<id>/preview, staff only): the form a draft would freeze, read from the draft; no slip, no
//   check-in, no submit, nothing kept beyond the tab's memory. It ends on a sample receipt.
// - Nothing is logged, nothing goes to another host.
import { importPublicKey, prepare, blind, finalize } from '/js/blindrsa.js';
import { seal } from '/js/hpke.js';

const KIOSK = location.pathname === '/kiosk';
const PREVIEW = /^\/evaluations\/[0-9a-f-]{36}\/preview$/.test(location.pathname);
const ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
const TOKEN_LENGTH = 20;
const GROUP = 5;
const SCALES = {
  quality: ['好', '较好', '一般', '差'],
  competence: ['优秀', '称职', '基本称职', '不称职'],
  satisfaction: ['满意', '基本满意', '不满意'],
};
const UNKNOWN = '不了解';
const OTHER = '其他（请注明）';
const TEXT_MAX = 2000;       // QuestionnaireValidator.MaxTextAnswerLength
const OTHER_MAX = 200;       // QuestionnaireValidator.MaxOptionLength * 2
const RECORD = 'vote:';      // localStorage: vote:<evaluation id>:<slip hash> → draft, credential, or receipt
const ACTIVE = 'vote.active';
const PENDING_TOKEN = 'vote.token';
const KIOSK_RECEIPT_SECONDS = 20;
const KIOSK_IDLE_WARN_MS = 150_000;
const KIOSK_IDLE_WIPE_MS = 180_000;
const KEPT = KIOSK ? '已填写的内容还在，请稍候。' : '已填写的内容保存在本机，请不要关闭页面。';
const STORED_NOTE = '您的答卷已匿名保存。服务器只保存了答卷内容和一个无法追溯到票签的凭证；没有保存您的票签代码、手机信息、IP 地址或提交时间。';
const CHECK_PAGE = '/receipt';
const SAMPLE_RECEIPT = 'ABCDE-FGHJK';
const utf8 = (text) => new TextEncoder().encode(text);
const ECDSA = { name: 'ECDSA', namedCurve: 'P-256' };

const app = document.getElementById('app');
const statusBar = document.getElementById('status');
const band = document.getElementById('band');

// ---- storage -------------------------------------------------------------------------------------------------------

function memoryStore() {
  const map = new Map();
  return {
    get: (k) => map.get(k) ?? null,
    set: (k, v) => { map.set(k, v); },
    remove: (k) => { map.delete(k); },
    keys: () => [...map.keys()],
    clear: () => map.clear(),
  };
}

function localStore() {
  try {
    localStorage.setItem('vote.probe', '1');
    localStorage.removeItem('vote.probe');
  } catch {
    return memoryStore(); // storage blocked: the page still works, only not across reloads
  }
  return {
    get: (k) => { try { return JSON.parse(localStorage.getItem(k)); } catch { return null; } },
    set: (k, v) => { try { localStorage.setItem(k, JSON.stringify(v)); } catch { /* full: keep going in memory */ } },
    remove: (k) => localStorage.removeItem(k),
    keys: () => Object.keys(localStorage),
    clear: () => {},
  };
}

const store = KIOSK || PREVIEW ? memoryStore() : localStore();

// The raw token, for the phone only and only until check-in has succeeded: a reload while voting has not opened yet,
// or while the check-in answer is lost, must not force a rescan. Tab-scoped; a kiosk keeps it in memory alone.
const pendingToken = {
  get: () => { if (KIOSK) return null; try { return sessionStorage.getItem(PENDING_TOKEN); } catch { return null; } },
  set: (t) => { if (!KIOSK) try { sessionStorage.setItem(PENDING_TOKEN, t); } catch { /* blocked */ } },
  clear: () => { if (!KIOSK) try { sessionStorage.removeItem(PENDING_TOKEN); } catch { /* blocked */ } },
};

// ---- state -----------------------------------------------------------------------------------------------------------

let session = 0;      // bumped by a kiosk wipe: anything still in flight for the previous voter is dropped
let token = null;     // the slip, in memory, until check-in
let key = null;       // storage key of the current slip
let rec = null;       // the current slip: {evaluation, category, keyGroup, boxKey, form, pending?, credential?, answers, step, sending?, blank?} or {receipt, title}
let steps = [];       // [{target|null, questions}]
let fromReview = false;
let checkingIn = null;

const save = () => { if (key && rec) store.set(key, rec); };

/** Resolves as `promise` does, unless a kiosk wipe happened meanwhile: then never, so a stale flow just stops. */
function guard(promise) {
  const gen = session;
  return promise.then((v) => (gen === session ? v : new Promise(() => {})));
}

// ---- small helpers ---------------------------------------------------------------------------------------------------

function h(tag, props = {}, ...kids) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'disabled' || k === 'hidden') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  el.append(...kids.flat(2).filter((kid) => kid != null && kid !== false));
  return el;
}

function render(screen, ...kids) {
  app.dataset.screen = screen;
  marks();
  app.replaceChildren(...kids.flat(2).filter(Boolean));
  window.scrollTo(0, 0);
  app.querySelector('h1')?.focus({ preventScroll: true });
}

/** The bands that say this is not a real vote, on every screen: a preview, or a 演练 (rehearsal) evaluation. */
function marks() {
  const rehearsal = rec?.evaluation?.rehearsal ?? rec?.rehearsal;
  band.replaceChildren(
    PREVIEW ? h('p', { class: 'preview' }, '预览 · 不会保存任何内容') : '',
    rehearsal ? h('p', { class: 'rehearsal' }, '演练 · 本次投票不计入正式结果') : '');
  band.hidden = !band.childElementCount;
}

const title = (...text) => h('h1', { tabindex: '-1' }, ...text);

// Names, question texts and answers are typed by people: each is shown as a bidirectional isolate, so a right-to-left
// mark or an override inside one (U+202E) cannot turn the page's own words around it.
const iso = (text) => (text ? h('bdi', {}, text) : null);

// Characters as a person sees them, as the server counts them (UserText.Length): "很好👍" is 3 and a family joined by
// ZWJ is 1, where String.length and HTML's maxlength count UTF-16 units and would stop a voter at half the limit.
const graphemes = typeof Intl !== 'undefined' && Intl.Segmenter ? new Intl.Segmenter('zh', { granularity: 'grapheme' }) : null;
const chars = (text) => {
  if (!graphemes) return [...text].length; // code points: never more than UTF-16 units
  let n = 0;
  for (const _ of graphemes.segment(text)) n += 1;
  return n;
};
const button = (text, onclick, cls = 'primary') => h('button', { type: 'button', class: cls, onclick }, text);
const pause = (ms) => new Promise((resolve) => {
  const done = () => { clearTimeout(timer); removeEventListener('online', done); resolve(); };
  const timer = setTimeout(done, ms);
  addEventListener('online', done);
});

function notice(text) {
  statusBar.textContent = text ?? '';
  statusBar.hidden = !text;
}

const b64 = (bytes) => btoa(String.fromCharCode(...bytes));
const unb64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const concat = (...parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => { out.set(p, at); return at + p.length; }, 0);
  return out;
};
const sha256 = async (...parts) => new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));

/** Receipt.FromSecret: ten base31 symbols of the first 8 bytes (little-endian) of SHA-256("receipt:" ‖ s), grouped 5-5. */
async function receiptOf(secret) {
  const digest = await sha256(utf8('receipt:'), secret);
  let v = new DataView(digest.buffer).getBigUint64(0, true);
  let out = '';
  for (let i = 0; i < 10; i++) { out += ALPHABET[Number(v % 31n)]; v /= 31n; }
  return out.slice(0, 5) + '-' + out.slice(5);
}

async function slipHash(t) {
  // Domain-separated, so the key on the phone is not the slip's hash in the server's database.
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode('vote-draft:' + t));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

const compact = (typed) => typed.toUpperCase().replace(/[\s\-\u3000]/g, '');
const grouped = (raw) => raw.match(new RegExp(`.{1,${GROUP}}`, 'g'))?.join('-') ?? '';

function badSymbol(raw) {
  const bad = [...raw].find((c) => !ALPHABET.includes(c));
  return bad ? `“${bad}”不会出现在票签代码中（代码里没有 0、1、O、I、L），请核对。` : null;
}

/** The token from a QR fragment or typed code, or null when it cannot be one. */
function normalise(typed) {
  const raw = compact(typed ?? '');
  return raw.length === TOKEN_LENGTH && [...raw].every((c) => ALPHABET.includes(c)) ? raw : null;
}

// ---- the server --------------------------------------------------------------------------------------------------

/**
 * POSTs JSON to /api/v/<path>. A dropped connection, a gateway error or 503 is retried, with backoff or after
 * Retry-After, until it answers: every call here is idempotent (same slip, same blinded message, same ballot).
 * Resolves to {ok, status, data}.
 */
async function api(path, body) {
  for (let attempt = 0; ; attempt++) {
    const wait = Math.min(1000 * 2 ** attempt, 8000);
    let response, text;
    try {
      response = await fetch('/api/v/' + path, {
        method: 'POST', body, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer',
        headers: { 'Content-Type': 'application/json' },
      });
      text = await response.text();
    } catch {
      notice(`网络中断，正在重试……${rec?.answers ? KEPT : ''}`);
      await pause(wait);
      continue;
    }
    let data = null;
    try { data = JSON.parse(text); } catch { /* a proxy's HTML page */ }
    if (response.status === 502 || response.status === 503 || response.status === 504) {
      notice(data?.error ?? '服务器繁忙，正在重试……');
      const after = Number(response.headers.get('Retry-After'));
      await pause(after > 0 ? after * 1000 : wait);
      continue;
    }
    notice(null);
    return { ok: response.ok, status: response.status, data: data ?? { error: `服务器出错（${response.status}），请稍后重试。` } };
  }
}

// ---- start -------------------------------------------------------------------------------------------------------

function start() {
  let fragment = location.hash.slice(1);
  try { fragment = decodeURIComponent(fragment); } catch { /* left as it is */ }
  // Out of the address bar, the history and the screen before anything else happens.
  if (location.hash) history.replaceState(null, '', location.pathname);
  if (!window.isSecureContext || !crypto.subtle) {
    return showProblem('无法打开', '本页面需要安全连接（https）才能匿名签到。请扫描票签上的二维码打开，或向工作人员询问。');
  }
  // A slip link opened again in this very tab changes only the fragment, which reloads nothing: start over from it.
  addEventListener('hashchange', () => {
    if (KIOSK) history.replaceState(null, '', location.pathname);
    else location.reload();
  });
  if (KIOSK) {
    watchIdle();
    return showCodeEntry();
  }
  addEventListener('popstate', (e) => {
    if (!(rec?.credential || PREVIEW) || rec.sending || rec.receipt || typeof e.state?.step !== 'number') return;
    fromReview = false;
    goTo(e.state.step, false);
  });
  if (PREVIEW) return openPreview();
  const fromLink = normalise(fragment);
  if (fromLink) return openSlip(fromLink);
  if (fragment) return showCodeEntry('二维码中的票签代码不完整，请输入票签上印的代码。');
  const waiting = pendingToken.get();
  if (waiting) return openSlip(waiting);
  const active = store.get(ACTIVE);
  const saved = active && store.get(active);
  if (saved) {
    key = active;
    rec = saved;
    return resume();
  }
  showCodeEntry();
}

// ---- code entry ----------------------------------------------------------------------------------------------------

// index.html paints the code-entry screen itself, before this script has arrived. The first time code entry is wanted,
// that very screen is taken over, element for element: what was typed there, the caret and the focus stay. Every later
// time it is a fresh copy of the same screen, so its markup lives in index.html alone.
let painted = app.querySelector('form.code-form');
const blankScreen = app.cloneNode(true);
blankScreen.querySelector('#code').value = '';

function showCodeEntry(message, typed = '') {
  const adopted = painted?.isConnected;
  painted = null;
  const screen = adopted ? app : blankScreen.cloneNode(true);
  const form = screen.querySelector('form.code-form');
  const input = form.querySelector('#code');
  const count = form.querySelector('#code-count');
  const error = form.querySelector('#code-error');
  // index.html's button submits nothing until this script can check the code and keep it out of the address.
  form.querySelector('button').type = 'submit';
  input.addEventListener('keydown', (e) => { if (e.key === 'Enter' && !e.isComposing) { e.preventDefault(); form.requestSubmit(); } });
  // Where the browser cannot size a box to its content (field-sizing), the page does.
  const grow = () => {
    if (CSS.supports('field-sizing', 'content') || !input.isConnected) return;
    input.style.height = 'auto';
    input.style.height = `${input.scrollHeight + input.offsetHeight - input.clientHeight}px`;
  };
  const show = () => {
    const raw = compact(input.value).slice(0, TOKEN_LENGTH);
    const caret = compact(input.value.slice(0, input.selectionStart ?? input.value.length)).length;
    const value = grouped(raw);
    if (value !== input.value) {
      input.value = value;
      const at = caret + Math.max(0, Math.floor((caret - 1) / GROUP));
      input.setSelectionRange(at, at);
    }
    grow();
    count.textContent = `已输入 ${raw.length} / ${TOKEN_LENGTH} 位`;
    const bad = badSymbol(raw);
    if (bad) error.textContent = bad;
    else if (!message) error.textContent = '';
  };
  if (!adopted) input.value = typed;
  input.addEventListener('input', (e) => { if (!e.isComposing) { message = null; show(); } });
  show();
  if (message) error.textContent = message;

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const t = normalise(input.value);
    if (!t) {
      message = null;
      error.textContent = badSymbol(compact(input.value)) ?? `票签代码是 ${TOKEN_LENGTH} 位字母和数字，请核对后输入完整。`;
      input.focus();
      return;
    }
    openSlip(t, input.value);
  });

  // A kiosk's words differ; changed around the form only, since moving the form would take the focus from the box.
  screen.querySelector('h1').textContent = KIOSK ? '请输入票签代码' : '输入票签代码';
  form.previousElementSibling.textContent = KIOSK ? '本机供现场填写使用。提交后，本页面会清除您填写的一切内容。' : '也可以直接用手机扫描票签上的二维码。';
  if (KIOSK) screen.querySelector('.staff')?.remove();
  if (adopted) {
    marks();
    if (document.activeElement === document.body) screen.querySelector('h1').focus({ preventScroll: true });
  } else {
    render('code', [...screen.children]);
  }
  grow();
}

// ---- preview -------------------------------------------------------------------------------------------------------

/** The staff's preview: the form from the draft, as check-in would give it; then the same screens, with no slip. */
async function openPreview() {
  render('wait', title('正在打开预览……'), h('p', {}, '请稍候。'));
  let response = null;
  try {
    // Not followed: a signed-out session is sent to the login page, which is no form.
    response = await fetch(`${location.pathname}/form${location.search}`, { cache: 'no-store', credentials: 'same-origin', redirect: 'manual' });
  } catch { /* offline: said below */ }
  if (!response?.ok) {
    return showProblem('无法预览', response?.status === 404 ? '没有找到这项评议，或您无权查看。请回到评议列表重新打开。'
      : '预览没有打开：可能已退出登录，或网络中断。请重新登录后再打开预览。', true);
  }
  const d = await response.json();
  rec = { evaluation: d.evaluation, category: d.category, form: d.form, answers: { once: {}, targets: {} }, step: -1 };
  steps = buildSteps(rec.form);
  goTo(-1, false);
}

// ---- opening a slip and checking in ----------------------------------------------------------------------------

async function openSlip(t, typed) {
  token = t;
  pendingToken.set(t);
  const hash = await guard(slipHash(t));
  const found = store.keys().find((k) => k.startsWith(RECORD) && k.endsWith(':' + hash));
  const saved = found && store.get(found);
  if (saved && (saved.receipt || saved.credential)) {
    // Already checked in on this phone: nothing to ask the server, and no second check-in.
    forgetToken();
    key = found;
    rec = saved;
    store.set(ACTIVE, key);
    return resume();
  }

  render('wait', title('正在读取票签……'), h('p', {}, '请稍候。'));
  const r = await guard(api('slip', JSON.stringify({ token: t })));
  if (!r.ok) return refuse(r, typed);
  const d = r.data;
  key = `${RECORD}${d.evaluation.id}:${hash}`;
  rec = saved?.pending ? saved : { answers: { once: {}, targets: {} }, step: -1 };
  Object.assign(rec, { evaluation: d.evaluation, category: d.category, keyGroup: d.keyGroup, boxKey: d.boxKey, form: d.form });
  save();
  store.set(ACTIVE, key);
  steps = buildSteps(rec.form);
  checkingIn = checkIn();
  showIntro();
}

/**
 * RFC 9474, twice: the door message prefix ‖ SHA-256("door:" ‖ s) and the ballot message prefix ‖ SHA-256("ballot-key:" ‖ pk),
 * pk the public half of a key pair made here, are blinded; the server burns the slip and signs both blind; unblinded here.
 * The blinding state (and the phone key, as a JWK) is saved before the request, so a retry after a lost answer resends
 * the same pair and gets the same signatures instead of being refused as a second phone.
 */
async function checkIn() {
  try {
    const doorKey = await guard(importPublicKey(unb64(rec.keyGroup.doorKey)));
    const ballotKey = await guard(importPublicKey(unb64(rec.keyGroup.ballotKey)));
    if (!rec.pending) {
      const secret = crypto.getRandomValues(new Uint8Array(32));
      const pair = await guard(crypto.subtle.generateKey(ECDSA, true, ['sign', 'verify']));
      const phoneKey = new Uint8Array(await guard(crypto.subtle.exportKey('raw', pair.publicKey)));
      const door = prepare(await sha256(utf8('door:'), secret));
      const ballot = prepare(await sha256(utf8('ballot-key:'), phoneKey));
      const bd = await guard(blind(doorKey, door));
      const bb = await guard(blind(ballotKey, ballot));
      rec.pending = {
        secret: b64(secret), phoneKey: b64(phoneKey), phoneJwk: await guard(crypto.subtle.exportKey('jwk', pair.privateKey)),
        door: b64(door), doorInv: b64(bd.inv), blindedDoor: b64(bd.blindedMsg),
        ballot: b64(ballot), ballotInv: b64(bb.inv), blindedBallot: b64(bb.blindedMsg),
      };
      save();
    }
    const p = rec.pending;
    const r = await guard(api('checkin', JSON.stringify({ token, blindedDoor: p.blindedDoor, blindedBallot: p.blindedBallot })));
    if (!r.ok) {
      if (r.data.code === 'used') forgetSlip();
      refuse(r);
      return false;
    }
    const doorSignature = await guard(finalize(doorKey, unb64(p.door), unb64(r.data.doorSignature), unb64(p.doorInv)));
    const ballotSignature = await guard(finalize(ballotKey, unb64(p.ballot), unb64(r.data.ballotSignature), unb64(p.ballotInv)));
    rec.credential = {
      secret: p.secret, phoneKey: p.phoneKey, phoneJwk: p.phoneJwk,
      doorMessage: p.door, doorSignature: b64(doorSignature), ballotMessage: p.ballot, ballotSignature: b64(ballotSignature),
    };
    delete rec.pending;
    save();
    forgetToken();
    app.querySelector('#ready')?.replaceChildren('已领取匿名凭证。您的答卷将凭它提交，与票签无法对应。');
    app.querySelector('#ready')?.classList.add('ok');
    return true;
  } catch {
    showProblem('签到没有完成', '匿名凭证校验失败，请刷新页面重试。如果仍然不行，请向工作人员说明。', true);
    return false;
  }
}

function forgetToken() {
  token = null;
  pendingToken.clear();
}

function forgetSlip() {
  forgetToken();
  if (key) store.remove(key);
  if (store.get(ACTIVE) === key) store.remove(ACTIVE);
  key = rec = null;
}

/** Runs `then` once the credential is in hand, telling the voter while it is still on its way. */
async function whenCheckedIn(then) {
  if (rec.credential || PREVIEW) return then();
  const ready = app.querySelector('#ready');
  if (ready) ready.textContent = '正在领取匿名凭证，请稍候……';
  if (await checkingIn) then();
}

function refuse(r, typed) {
  const { status, data } = r;
  const message = data.error ?? '出现了问题，请稍后重试。';
  // 429 is a wrong code too, from a network that has sent many: the message says how long to wait. Not retried by itself,
  // since the code will not become right.
  if (status === 400 || status === 404 || status === 429) {
    if (!rec?.credential) { forgetToken(); return showCodeEntry(message, typed ?? ''); }
    return showProblem('无法提交', message, true);
  }
  if (status === 409 && data.code === 'not-open') {
    return showProblem('投票还没有开始', message, false, button('刷新', () => openSlip(token)));
  }
  if (status === 410 || status === 409) {
    if (!rec?.credential) forgetToken();
    const heading = data.code === 'used' ? '票签已被使用' : data.code === 'closed' ? '投票已经结束' : status === 410 ? '票签已作废' : '无法继续';
    return showProblem(heading, message, false);
  }
  showProblem('出现了问题', message, true);
}

function showProblem(heading, message, offerReload, ...actions) {
  render('problem', title(heading), h('p', { class: 'alert', role: 'alert' }, message),
    h('div', { class: 'nav' },
      actions,
      offerReload && button('刷新页面', () => location.reload(), 'secondary'),
      KIOSK ? button('返回输入代码', wipe, 'secondary') : !PREVIEW && !rec?.credential && button('输入票签代码', () => showCodeEntry(), 'secondary')));
}

function resume() {
  if (rec.receipt) return showReceipt(null);
  if (!rec.form || !rec.evaluation) { forgetSlip(); return showCodeEntry(); }
  steps = buildSteps(rec.form);
  if (rec.sending) return send();
  if (!rec.credential) return showCodeEntry('请重新扫描票签上的二维码，或输入票签代码以继续。');
  goTo(rec.step ?? -1, false);
}

// ---- the form ------------------------------------------------------------------------------------------------------

const askedAbout = (q, t) => q.per === 'all' || (q.per === 'team' && t.kind === 'team') || (q.per === 'members' && t.kind === 'member');

/** A page per target (the 班子 first, then each member, in position order), then the questions asked once. */
function buildSteps(form) {
  const questions = form.questionnaire.questions ?? [];
  const targets = [...(form.targets ?? [])].sort((a, b) => a.position - b.position);
  const out = targets.map((t) => ({ target: t, questions: questions.filter((q) => askedAbout(q, t)) })).filter((s) => s.questions.length);
  const once = questions.filter((q) => !q.per || q.per === 'once');
  if (once.length) out.push({ target: null, questions: once });
  return out;
}

const sectionOf = (step) => (step.target ? (rec.answers.targets[step.target.id] ??= {}) : rec.answers.once);

/** A member's post inside the label's brackets, its own brackets made commas (Evaluation.Core.Forms.TargetLabel.Post). */
function postOf(t) {
  if (t.kind === 'team' || !t.title || !t.title.trim()) return null;
  if (!/[（）()]/.test(t.title)) return t.title.trim();
  const pieces = t.title.split(/[（）()]/).map((p) => p.replace(/^[，、；,;：:\s\u3000]+|[，、；,;：:\s\u3000]+$/g, '')).filter((p) => p);
  return pieces.length ? pieces.join('，') : null;
}

function stepTitle(step) {
  if (!step.target) return steps.length > 1 ? '总体评价和意见建议' : rec.form.questionnaire.title;
  const post = postOf(step.target);
  return post ? `${step.target.name}（${post}）` : step.target.name;
}

/** The same as nodes, each name isolated. */
function stepHeading(step) {
  const t = step.target;
  if (!t) return iso(stepTitle(step));
  const post = postOf(t);
  return post ? [iso(t.name), '（', iso(post), '）'] : iso(t.name);
}

function stepNote(step) {
  const t = step.target;
  if (!t) return null;
  const out = t.transferredOutOn ? `已于 ${t.transferredOutOn.slice(0, 4)} 年 ${Number(t.transferredOutOn.slice(5, 7))} 月调出。` : '';
  return t.kind === 'team' ? `请对领导班子作出评价。${out}` : `请对这位班子成员作出评价。${out}`;
}

function isAnswered(a) {
  return !!a && (!!a.choice || (a.choices?.length ?? 0) > 0 || !!a.other?.trim() || !!a.text?.trim());
}

const missingIn = (step) => step.questions.filter((q) => q.required && !isAnswered(sectionOf(step)[q.id]));

function progress(i) {
  const total = steps.length + 1;
  return h('div', { class: 'progress' },
    h('p', { id: 'progress-text' }, i < steps.length ? `第 ${i + 1} / ${total} 步` : `第 ${total} / ${total} 步：核对`),
    h('progress', { max: String(total), value: String(i + 1), 'aria-labelledby': 'progress-text' }));
}

function showIntro() {
  const q = rec.form.questionnaire;
  const e = rec.evaluation;
  const members = steps.filter((s) => s.target?.kind === 'member').length;
  const hasTeam = steps.some((s) => s.target?.kind === 'team');
  const who = [hasTeam && '领导班子', members && `${members} 位班子成员`].filter(Boolean).join('、');
  render('intro', title(iso(q.title)),
    h('dl', { class: 'facts' },
      h('dt', {}, '评议'), h('dd', {}, iso(e.name)),
      h('dt', {}, '单位'), h('dd', {}, iso(e.unit)),
      h('dt', {}, '轮次'), h('dd', {}, iso(e.round)),
      h('dt', {}, '您的类别'), h('dd', {}, iso(rec.category.name))),
    q.instructions && h('p', { class: 'instructions' }, iso(q.instructions)),
    h('p', {}, `${who ? `需要评议${who}。` : ''}共 ${steps.length + 1} 步，最后一步核对后提交。`,
      KIOSK ? '请一次填写完毕：3 分钟没有操作，本页内容会被清除。' : PREVIEW ? '' : '中途离开也不要紧，已填写的内容保存在本机。'),
    PREVIEW ? h('p', { id: 'ready', class: 'hint' }, '预览不签到、不领取匿名凭证，最后也不会提交。')
      : h('p', { id: 'ready', class: rec.credential ? 'hint ok' : 'hint' },
        rec.credential ? '已领取匿名凭证。您的答卷将凭它提交，与票签无法对应。' : '正在领取匿名凭证……'),
    h('div', { class: 'nav' },
      button('开始填写', () => whenCheckedIn(() => goTo(0))),
      button('全部弃权', () => whenCheckedIn(showAbstain), 'secondary')));
}

/** Shows step i (-1: the introduction, steps.length: the review), as a history entry of its own on a phone. */
function goTo(i, push = true) {
  if (!KIOSK) {
    if (push) history.pushState({ step: i }, '');
    else history.replaceState({ step: i }, '');
  }
  rec.step = i;
  save();
  if (i < 0) return showIntro();
  if (i >= steps.length) return showReview();
  showStep(i);
}

function showStep(i) {
  const step = steps[i];
  const alert = h('div', { class: 'alert', role: 'alert', hidden: true });
  const views = step.questions.map((q, qi) => questionView(q, step, `q${i}-${qi}`, qi + 1));
  // Marks the required questions still unanswered; once the voter has been told, kept current as they answer.
  const mark = () => {
    const missing = missingIn(step);
    views.forEach((v, qi) => v.classList.toggle('missing', missing.includes(step.questions[qi])));
    alert.hidden = missing.length === 0;
    alert.replaceChildren(
      h('p', {}, `还有 ${missing.length} 道必答题没有作答：`),
      h('ul', {}, missing.map((q) => h('li', {}, iso(q.text)))),
      h('p', {}, '请作答后继续。如果您不想评议，可以全部弃权，提交一张空白答卷。'),
      button('全部弃权', showAbstain, 'secondary'));
    return missing;
  };
  const remark = () => { if (!alert.hidden) mark(); };
  const leave = () => {
    const over = [...app.querySelectorAll('.count.over')].find((c) => !c.closest('[hidden]'));
    if (over) {
      over.scrollIntoView({ block: 'center' });
      app.querySelector(`[aria-describedby="${over.id}"]`)?.focus({ preventScroll: true });
      return;
    }
    if (mark().length) {
      app.querySelector('.missing')?.scrollIntoView({ block: 'start' });
      app.querySelector('.missing input, .missing textarea')?.focus({ preventScroll: true });
      return;
    }
    const next = fromReview ? steps.length : i + 1;
    fromReview = false;
    goTo(next);
  };
  render('step', progress(i), title(stepHeading(step)), stepNote(step) && h('p', { class: 'hint' }, stepNote(step)),
    h('div', { onchange: remark, oninput: remark }, views), alert,
    h('div', { class: 'nav' },
      button(fromReview ? '返回核对' : i === steps.length - 1 ? '核对答卷' : '下一步', leave),
      !fromReview && button('上一步', () => goTo(i - 1), 'secondary')));
}

function questionView(q, step, id, number) {
  const section = sectionOf(step);
  const set = (answer) => {
    if (isAnswered(answer) || answer?.other === '') section[q.id] = answer;
    else delete section[q.id];
    save();
  };
  const legend = h('legend', {}, `${number}. `, iso(q.text), q.required && h('span', { class: 'req' }, '（必答）'));
  switch (q.kind) {
    case 'rating': {
      const grades = [...(SCALES[q.scale] ?? []), ...(q.allowUnknown ? [UNKNOWN] : [])];
      return h('fieldset', { class: 'q' }, legend, h('div', { class: 'grades' }, grades.map((g, gi) =>
        h('label', { class: 'opt' }, h('input', {
          type: 'radio', name: id, id: `${id}-${gi}`, value: g, checked: section[q.id]?.choice === g,
          onchange: () => set({ choice: g }),
        }), g))));
    }
    case 'single':
      return singleView(q, section[q.id] ?? {}, set, id, legend);
    case 'multiple':
    case 'symptoms':
      return choicesView(q, section[q.id] ?? {}, set, id, legend);
    default:
      return textView(q, section[q.id] ?? {}, set, id, number);
  }
}

/**
 * What a text box holds against its limit, counted as the server counts. No maxlength: it counts UTF-16 units, so it
 * would stop a voter typing emoji at half the limit; past the limit the count turns red and says how much to cut, and
 * the step cannot be left until it is cut (see leave in showStep).
 */
function counted(count, box, max, format) {
  return () => {
    const n = chars(box.value.trim());
    count.textContent = n > max ? `${format(n, max)}，超出 ${n - max} 字，请删减。` : format(n, max);
    count.classList.toggle('near', n > max * 0.9);
    count.classList.toggle('over', n > max);
  };
}

function otherBox(q, id, value, oninput) {
  const max = q.maxLength ?? OTHER_MAX;
  const count = h('span', { class: 'count', id: id + '-other-count' });
  const input = h('input', { type: 'text', id: id + '-other-text', value, 'aria-describedby': count.id, oninput: () => { show(); oninput(input.value); } });
  const show = counted(count, input, max, (n) => `${n} / ${max} 字`);
  show();
  const wrap = h('div', { class: 'other' }, h('label', { for: input.id }, '请注明：'), input, count);
  return { wrap, input };
}

function singleView(q, a, set, id, legend) {
  const other = q.allowOther ? otherBox(q, id, a.other ?? '', (text) => set({ other: text })) : null;
  const sync = () => { if (other) other.wrap.hidden = a.other === undefined; };
  const radio = (value, vi) => h('label', { class: 'opt' }, h('input', {
    type: 'radio', name: id, id: `${id}-${vi}`, value,
    checked: value === OTHER ? a.other !== undefined : a.choice === value,
    onchange: () => {
      a = value === OTHER ? { other: other.input.value } : { choice: value };
      set(a);
      sync();
      if (value === OTHER) other.input.focus();
    },
  }), iso(value));
  const el = h('fieldset', { class: 'q' }, legend, h('div', { class: 'opts' },
    q.options.map((o, oi) => radio(o, oi)),
    other && radio(OTHER, 'other'),
    other?.wrap));
  sync();
  return el;
}

/** Check boxes: the none-option (未发现) excludes all others; at most maxSelections, 其他 counting as one. */
function choicesView(q, a, set, id, legend) {
  const none = q.kind === 'symptoms' ? q.noneOption : null;
  const picked = new Set(a.choices ?? []);
  let otherText = a.other;   // undefined: 其他 not ticked
  const other = q.allowOther ? otherBox(q, id, a.other ?? '', (text) => { otherText = text; commit(); }) : null;
  const counter = h('p', { class: 'hint', id: id + '-n' });
  const boxes = [];
  const commit = () => {
    const choices = picked.has(none) ? [none] : q.options.filter((o) => picked.has(o));
    set(otherText === undefined ? { choices } : { choices, other: otherText });
  };
  const sync = () => {
    const count = picked.size + (otherText === undefined ? 0 : 1);
    const full = q.maxSelections && count >= q.maxSelections;
    for (const [box, value] of boxes) {
      box.checked = value === OTHER ? otherText !== undefined : picked.has(value);
      box.disabled = !box.checked && !!full && value !== none;
    }
    if (other) other.wrap.hidden = otherText === undefined;
    counter.textContent = q.maxSelections
      ? `最多选 ${q.maxSelections} 项${q.allowOther ? '（“其他”也算一项）' : ''}，已选 ${count} 项。`
      : none ? `可多选；没有发现请选“${none}”。` : '可多选。';
  };
  const toggle = (value, on) => {
    if (value === OTHER) {
      otherText = on ? other.input.value : undefined;
      if (on) picked.delete(none);
    } else if (value === none) {
      picked.clear();
      if (on) { picked.add(none); otherText = undefined; }
    } else {
      picked.delete(none);
      if (on) picked.add(value); else picked.delete(value);
    }
    commit();
    sync();
    if (value === OTHER && on) other.input.focus();
  };
  const box = (value, vi, cls) => {
    const input = h('input', { type: 'checkbox', id: `${id}-${vi}`, value, onchange: () => toggle(value, input.checked) });
    boxes.push([input, value]);
    return h('label', { class: cls ? `opt ${cls}` : 'opt' }, input, iso(value));
  };
  const el = h('fieldset', { class: 'q', 'aria-describedby': counter.id }, legend, counter, h('div', { class: 'opts' },
    none && box(none, 'none', 'none'),
    q.options.map((o, oi) => box(o, oi)),
    other && box(OTHER, 'other'),
    other?.wrap));
  sync();
  return el;
}

function textView(q, a, set, id, number) {
  const max = q.maxLength ?? TEXT_MAX;
  const count = h('p', { class: 'hint count', id: id + '-count' });
  const area = h('textarea', { id, rows: '4', 'aria-describedby': count.id, oninput: () => { show(); set({ text: area.value }); } });
  area.value = a.text ?? '';
  const show = counted(count, area, max, (n) => `已写 ${n} / ${max} 字`);
  show();
  return h('div', { class: 'q' },
    h('label', { for: id, class: 'q-label' }, `${number}. `, iso(q.text), q.required && h('span', { class: 'req' }, '（必答）')),
    area, count);
}

// ---- review, abstain, submit -------------------------------------------------------------------------------------

function summary(a) {
  if (!isAnswered(a)) return null;
  const parts = [];
  if (a.choice) parts.push([iso(a.choice)]);
  if (a.choices?.length) parts.push(...a.choices.map((c) => [iso(c)]));
  if (a.other?.trim()) parts.push(['其他：', iso(a.other.trim())]);
  if (a.text?.trim()) parts.push([iso(a.text.trim())]);
  return parts.flatMap((p, i) => (i ? ['；', ...p] : p)); // ；, as options themselves often contain 、
}

function showReview(problem) {
  const blank = !Object.values(rec.answers.once).some(isAnswered)
    && Object.values(rec.answers.targets).every((s) => !Object.values(s).some(isAnswered));
  const missing = blank ? [] : steps.flatMap((s, si) => missingIn(s).map((q) => [si, q]));
  const sections = steps.map((step, si) => h('section', { class: 'review' },
    h('div', { class: 'review-head' }, h('h2', {}, stepHeading(step)),
      h('button', { type: 'button', class: 'link', 'aria-label': `修改：${stepTitle(step)}`, onclick: () => { fromReview = true; goTo(si); } }, '修改')),
    reviewItems(step, blank)));
  render('review', progress(steps.length), title('核对答卷'),
    problem && h('div', { class: 'alert', role: 'alert' }, h('p', {}, problem.error), problem.problems && h('ul', {}, problem.problems.map((p) => h('li', {}, p)))),
    blank && h('p', { class: 'alert' }, '您没有回答任何题目。提交后将记为弃权票。'),
    missing.length > 0 && h('div', { class: 'alert', role: 'alert' }, h('p', {}, '以下必答题还没有作答，请点“修改”补上：'),
      h('ul', {}, missing.map(([si, q]) => h('li', {}, stepHeading(steps[si]), '：', iso(q.text))))),
    h('p', {}, '请核对以下内容。提交后不能再修改。'),
    sections,
    h('div', { class: 'nav' },
      missing.length === 0 && button(blank ? '提交弃权票' : '提交答卷', () => submit(ballotAnswers())),
      button('上一步', () => goTo(steps.length - 1), 'secondary')));
}

/**
 * A step's answers, and what it asks that must still be answered; the rest left blank fold into one line that opens to
 * list them, so the review stays as short as what was answered.
 */
function reviewItems(step, blank) {
  const section = sectionOf(step);
  const listed = step.questions.filter((q) => isAnswered(section[q.id]) || (q.required && !blank));
  const folded = step.questions.filter((q) => !listed.includes(q));
  const what = blank ? '' : '选答';
  return [
    listed.length > 0 && h('dl', {}, listed.map((q) => {
      const text = summary(section[q.id]);
      return [h('dt', {}, iso(q.text)), h('dd', { class: text ? '' : 'empty' }, text ?? '未作答（必答）')];
    })),
    folded.length > 0 && h('details', { class: 'unanswered' },
      h('summary', {}, listed.length ? `另有 ${folded.length} 项${what}未填` : `${folded.length} 项${what}均未填`),
      h('ul', {}, folded.map((q) => h('li', {}, iso(q.text))))),
  ];
}

function showAbstain() {
  render('abstain', title('全部弃权'),
    h('p', {}, '您将提交一张空白答卷，记为弃权票。已填写的内容不会提交。'),
    h('div', { class: 'nav' },
      button('确认弃权并提交', () => submit({ once: {}, targets: {} })),
      button('返回填写', () => goTo(rec.step ?? -1, false), 'secondary')));
}

/** The answers as the server reads them: empty answers dropped, text trimmed, choices in option order. */
function ballotAnswers() {
  const once = {};
  const targets = {};
  for (const step of steps) {
    const source = sectionOf(step);
    const out = {};
    for (const q of step.questions) {
      const a = source[q.id];
      if (!isAnswered(a)) continue;
      const clean = {};
      if (a.choice) clean.choice = a.choice;
      if (a.choices?.length) clean.choices = [...a.choices];
      if (a.other?.trim()) clean.other = a.other.trim();
      if (a.text?.trim()) clean.text = a.text.trim();
      out[q.id] = clean;
    }
    if (!step.target) Object.assign(once, out);
    else if (Object.keys(out).length) targets[step.target.id] = out;
  }
  return { once, targets };
}

/**
 * Signs and seals the answers, then sends them. Everything sent is fixed and saved before the first attempt: a retry,
 * even after a reload, sends these very bytes (the same ciphertext) and gets the same receipt; another ciphertext for
 * the same door credential would be refused as a second ballot.
 */
async function submit(answers) {
  if (PREVIEW) return finishPreview(answers);
  if (rec.sending) return send();
  render('sending', title('正在提交……'), h('p', {}, '请稍候，不要关闭页面。'));
  const c = rec.credential;
  const e = rec.evaluation.id;
  const g = rec.keyGroup.id;
  const text = JSON.stringify(answers);
  const phone = await guard(crypto.subtle.importKey('jwk', c.phoneJwk, ECDSA, false, ['sign']));
  const tau = new Uint8Array(await guard(crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, phone,
    utf8(`minzhu-pingyi/ballot/2\n${e}\n${g}\n${text}`))));
  const plaintext = utf8(JSON.stringify({
    message: c.ballotMessage, signature: c.ballotSignature, phoneKey: c.phoneKey, answers: text, answerSignature: b64(tau),
  }));
  const sealed = await guard(seal(unb64(rec.boxKey), utf8(`minzhu-pingyi/box/2\n${e}\n${g}`), unb64(c.doorMessage), plaintext));
  rec.sending = JSON.stringify({
    evaluationId: e, keyGroupId: g, doorMessage: c.doorMessage, doorSignature: c.doorSignature, secret: c.secret, sealed: b64(sealed),
  });
  // The server no longer reads the answers, so it cannot say whether the ballot was blank: the page knows.
  rec.blank = Object.keys(answers.once).length === 0 && Object.keys(answers.targets).length === 0;
  save();
  send();
}

async function send() {
  render('sending', title('正在提交……'), h('p', {}, '请稍候，不要关闭页面。'));
  const r = await guard(api('ballot', rec.sending));
  if (r.ok) return finish(r.data);
  delete rec.sending;
  save();
  // Refused, nothing stored (malformed, or too long to send): back to the answers, with the reason. A new ciphertext
  // for the same door is then a first ballot, not a second one.
  if (r.status === 400 || r.status === 413) return showReview(r.data);
  refuse(r);
}

async function finish({ receipt }) {
  const mine = await guard(receiptOf(unb64(rec.credential.secret)));
  const blank = rec.blank;
  const name = rec.evaluation.name;
  // Only the receipt stays: the secret, the phone key, the credentials and the draft are of no more use, and a phone
  // may be looked at by others.
  rec = {
    receipt: mine, title: name, rehearsal: rec.evaluation.rehearsal || null,
    mismatch: String(receipt ?? '').replace(/-/g, '') !== mine.replace('-', '') || null,
  };
  save();
  if (!KIOSK) history.replaceState(null, '');
  showReceipt(blank);
}

/** Where a vote would be sealed and sent, the preview stops: a sample receipt, clearly one. */
function finishPreview(answers) {
  const blank = Object.keys(answers.once).length === 0 && Object.keys(answers.targets).length === 0;
  rec = { receipt: SAMPLE_RECEIPT, title: rec.evaluation.name, evaluation: rec.evaluation };
  history.replaceState(null, '');
  showReceipt(blank);
}

function showMismatch() {
  showProblem('回执码不一致', '服务器回复的回执码与本机算出的不一致，您的答卷可能没有被正确收到。'
    + `请截屏本页并向工作人员说明。本机算出的回执码：${rec.receipt}`, false);
}

function showReceipt(blank) {
  if (rec.mismatch) return showMismatch();
  const fresh = blank !== null;
  let countdown = null;
  if (KIOSK) {
    let left = KIOSK_RECEIPT_SECONDS;
    countdown = h('p', { class: 'hint' }, `${left} 秒后自动返回。`);
    kioskTimers.receipt = setInterval(() => {
      left -= 1;
      countdown.textContent = `${left} 秒后自动返回。`;
      if (left <= 0) wipe();
    }, 1000);
  }
  const receipt = h('p', { class: 'receipt', id: 'receipt' }, rec.receipt);
  const copied = h('span', { class: 'hint', role: 'status' });
  render('receipt', title(PREVIEW ? '提交成功（预览示例）' : fresh ? '提交成功' : '这张票签的答卷已经提交'),
    PREVIEW && h('p', { class: 'alert' }, '这是预览：没有签到，也没有提交或保存任何内容。真实投票时，这里显示投票人自己的回执码。'),
    rec.title && h('p', {}, iso(rec.title)),
    h('p', { class: 'receipt-label', id: 'receipt-label' }, PREVIEW ? '回执码（示例）' : '回执码'),
    receipt,
    h('p', { class: 'copy' }, button('复制回执码', () => copyReceipt(receipt, copied), 'secondary'), ' ', copied),
    blank && h('p', { class: 'alert' }, '您提交的是空白答卷，已记为弃权。'),
    !PREVIEW && h('p', {}, STORED_NOTE),
    h('p', { id: 'receipt-check' }, '凭回执码可在公开的',
      // A kiosk stays on its page for the next voter: the address is shown, to check later on one's own phone.
      KIOSK ? `回执查询页面（${location.host}${CHECK_PAGE}）` : h('a', { href: CHECK_PAGE }, `回执查询页面（${location.host}${CHECK_PAGE}）`),
      '查询答卷是否已计入；那里只显示“已计入”或“未找到”，任何人都无法凭回执码看到答卷内容。'),
    h('p', {}, KIOSK ? '请记下回执码。' : '请记下或截屏保存回执码。'),
    countdown,
    h('div', { class: 'nav' }, KIOSK ? button('下一位', wipe)
      : PREVIEW ? [button('重新预览', () => location.reload()), h('a', { href: location.pathname.replace(/\/preview$/, '') }, '返回评议页面')]
        : button('输入另一张票签代码', () => { store.remove(ACTIVE); key = rec = null; showCodeEntry(); }, 'secondary')));
}

/** The clipboard where the browser allows it; otherwise the code is selected, ready for the phone's own 复制. */
async function copyReceipt(receipt, said) {
  try {
    await navigator.clipboard.writeText(receipt.textContent);
    said.textContent = '已复制。';
    return;
  } catch { /* no clipboard here (an older phone, or not allowed): select instead */ }
  const range = document.createRange();
  range.selectNodeContents(receipt);
  getSelection().removeAllRanges();
  getSelection().addRange(range);
  let copied = false;
  try { copied = document.execCommand('copy'); } catch { /* unsupported */ }
  said.textContent = copied ? '已复制。' : '已选中回执码，请长按后选“复制”，或截屏保存。';
}

// ---- kiosk -----------------------------------------------------------------------------------------------------------

const kioskTimers = {};

/** Forgets the voter: memory, timers and the page itself, then back to code entry. */
function wipe() {
  session += 1;
  clearInterval(kioskTimers.receipt);
  token = key = rec = checkingIn = null;
  steps = [];
  fromReview = false;
  store.clear();
  notice(null);
  app.replaceChildren();
  showCodeEntry();
  activity();
}

function activity() {
  clearTimeout(kioskTimers.warn);
  clearTimeout(kioskTimers.idle);
  if (kioskTimers.warned) { kioskTimers.warned = false; notice(null); }
  kioskTimers.warn = setTimeout(() => {
    if (rec?.sending) return;
    kioskTimers.warned = true;
    notice('长时间没有操作。30 秒后将清除本页内容；如需继续填写，请点一下屏幕。');
  }, KIOSK_IDLE_WARN_MS);
  kioskTimers.idle = setTimeout(() => { if (rec?.sending) activity(); else wipe(); }, KIOSK_IDLE_WIPE_MS);
}

function watchIdle() {
  for (const type of ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart']) {
    document.addEventListener(type, activity, { capture: true, passive: true });
  }
  activity();
}

// Errors are shown, never logged: a stack trace or message could carry what the voter wrote.
addEventListener('unhandledrejection', (e) => {
  e.preventDefault();
  showProblem('出现了问题', KIOSK ? '页面出现意外错误，请向工作人员求助。' : '页面出现意外错误。已填写的内容保存在本机，请刷新页面继续。', true);
});

start();

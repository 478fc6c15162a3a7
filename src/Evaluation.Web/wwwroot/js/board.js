// The projector board (投票进度大屏): reads board.json every few seconds and redraws the figures in place, so the hall
// never sees the page flash. It only reads; nothing on the board changes anything.
(() => {
    'use strict';
    const everyMs = 3000;
    const body = document.body;
    const source = body.dataset.figures;
    const $ = id => document.getElementById(id);

    const percent = p => p === null || p === undefined ? '' : p + '%';
    const width = p => Math.min(p || 0, 100) + '%';

    function element(tag, className, text) {
        const e = document.createElement(tag);
        if (className) e.className = className;
        if (text !== undefined) e.textContent = text;
        return e;
    }

    function line(l) {
        const li = element('li');
        li.append(element('p', 'name', l.name));
        const bar = element('div', 'bar');
        const checkedIn = element('span', 'checked-in');
        checkedIn.style.width = width(l.checkedInPercent);
        const ballots = element('span', 'ballots');
        ballots.style.width = width(l.ballotsPercent);
        bar.append(checkedIn, ballots);
        li.append(bar);
        const share = l.ballotsPercent === null ? '' : '（' + l.ballotsPercent + '%）';
        li.append(element('p', 'line-figures',
            '已提交\u00a0' + l.ballots + share + ' · 已签到\u00a0' + l.checkedIn + ' · 应到\u00a0' + l.expected + ' · 已签到未提交\u00a0' + l.waiting));
        return li;
    }

    function draw(f) {
        $('vote').hidden = !f.votingOpen;
        $('not-open').hidden = f.votingOpen;
        $('not-open-text').textContent = f.status === 'draft' ? '投票尚未开始' : '投票已结束';
        $('thanks').hidden = f.status === 'draft';
        $('waiting').hidden = !f.votingOpen;
        $('total-expected').textContent = f.total.expected;
        $('total-checked-in').textContent = f.total.checkedIn;
        $('total-checked-in-pct').textContent = percent(f.total.checkedInPercent);
        $('total-ballots').textContent = f.total.ballots;
        $('total-ballots-pct').textContent = percent(f.total.ballotsPercent);
        $('total-waiting').textContent = f.total.waiting;
        $('categories').replaceChildren(...f.categories.map(line));
        $('only-in-total').hidden = f.onlyInTotal.length === 0;
        $('only-in-total-names').textContent = f.onlyInTotal.join('、');
        $('updated').textContent = '更新于 ' + f.updatedAt;
        $('connection').textContent = '';
    }

    async function refresh() {
        try {
            const response = await fetch(source, { cache: 'no-store', credentials: 'same-origin', headers: { Accept: 'application/json' } });
            if (response.redirected || response.status === 401) {
                $('connection').textContent = '登录已失效：请重新登录后再打开本页。';
            } else if (!response.ok) {
                $('connection').textContent = '暂时无法刷新，正在重试……';
            } else {
                draw(await response.json());
            }
        } catch {
            $('connection').textContent = '网络中断，显示的是上次的数字，正在重试……';
        }
        setTimeout(refresh, everyMs);
    }

    const fullscreen = $('fullscreen');
    if (document.fullscreenEnabled) {
        fullscreen.hidden = false;
        fullscreen.addEventListener('click', () => document.documentElement.requestFullscreen());
        document.addEventListener('fullscreenchange', () => { fullscreen.hidden = document.fullscreenElement !== null; });
    }

    setTimeout(refresh, everyMs);
})();

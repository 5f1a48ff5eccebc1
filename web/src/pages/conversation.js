// One conversation: the transcript with every finding's evidence marked
// in its message, the findings with their advice, and its case.
import { h, highlighted } from '../dom.js';
import { get } from '../api.js';
import { t } from '../i18n.js';
import { shortTime, levelBadge, codeTag, riskBadge } from '../fmt.js';
import { section } from '../ui.js';
import { causeLabel } from '../i18n.js';

function message(m, i, spans) {
  if (m.from === 'system')
    return h('li', { class: 'msg-row system' }, h('span', { class: 'muted' },
      shortTime(m.at), ' · ', t('event.' + m.event)));
  return h('li', { class: ['msg-row', m.from], 'data-index': i },
    h('div', { class: 'bubble' },
      h('div', { class: 'small muted' }, t('from.' + m.from), ' · ', shortTime(m.at)),
      h('div', null, highlighted(m.text, spans))));
}

export async function conversationPage(ctx) {
  const id = ctx.params[0];
  const { conversation: c, result: r, case: caseId } = await get('/conversations/' + encodeURIComponent(id));
  const findings = (r && r.findings) || [];
  const byMsg = new Map();
  for (const f of findings) {
    const i = f.index ?? c.messages.findIndex((m) => m.id === f.message);
    if (!byMsg.has(i)) byMsg.set(i, []);
    byMsg.get(i).push({ start: f.start, end: f.end, level: f.level, title: f.code });
  }
  return h('div', null,
    h('h1', null, t('conv.title', { id })),
    h('p', { class: 'meta-line' },
      riskBadge(r ? r.risk : 'normal'), ' ',
      t('common.shop'), ' ', c.shop || '—', ' · ', t('common.agent'), ' ', c.agent || '—',
      ' · ', t('common.customer'), ' ', c.customer || '—',
      r && r.causes.length ? [' · ', t('common.causes'), ' ', r.causes.map(causeLabel).join('、')] : null,
      caseId ? [' · ', h('a', { href: '/cases/' + caseId }, t('common.case'), ' #', caseId)] : null),
    h('div', { class: 'two' },
      section(t('conv.transcript'), h('ol', { class: 'transcript' },
        c.messages.map((m, i) => message(m, i, byMsg.get(i) || [])))),
      section(t('conv.findings'), findings.length
        ? h('ul', { class: 'plain' }, findings.map((f) => h('li', { class: 'finding-mini' },
          levelBadge(f.level), codeTag(f.code), ' ', h('q', null, f.evidence),
          h('div', { class: 'advice small' }, f.advice))))
        : h('p', { class: 'muted' }, t('conv.noFindings')))));
}

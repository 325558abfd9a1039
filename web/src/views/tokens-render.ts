// What the tokens view draws: the token table's rows, and the one-time secret box with its copy button.
import type { TokenIssued, TokenView } from '../api';
import { h, type Child } from '../dom';
import { ago } from '../format';

/** One row per token (this tab's own marked), a Revoke button on the active ones. */
export function tokenRows(tokens: TokenView[], mine: string | undefined, revoke: (t: TokenView) => void): Child[] {
  return [
    tokens.length === 0 ? h('tr', null, h('td', { colspan: 6, class: 'muted' }, 'No tokens.')) : null,
    tokens.map((t) =>
      h(
        'tr',
        { 'data-token-id': t.id, 'data-revoked': String(t.revoked) },
        h('td', null, t.name, t.id === mine ? h('span', { class: 'muted' }, ' (this tab)') : null),
        h('td', null, t.role),
        h('td', { title: t.createdAt }, ago(t.createdAt)),
        t.lastUsedAt === null
          ? h('td', { class: 'muted' }, 'never')
          : h('td', { title: t.lastUsedAt }, ago(t.lastUsedAt)),
        h('td', null, t.revoked ? h('span', { class: 'badge cancelled' }, 'revoked') : 'active'),
        h(
          'td',
          null,
          t.revoked
            ? null
            : h(
                'button',
                { type: 'button', class: 'danger small', 'aria-label': `Revoke ${t.name}`, onclick: () => revoke(t) },
                'Revoke',
              ),
        ),
      ),
    ),
  ];
}

/** The new token's secret, shown once, with Copy (clipboard, else selected for Ctrl+C) and Done. */
export function secretPanel(r: TokenIssued, name: string, done: () => void): Child[] {
  const code = h('code', { class: 'mono', 'data-role': 'secret' }, r.token);
  const copied = h('span', { class: 'muted', role: 'status' });
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(r.token);
      copied.textContent = 'Copied.';
    } catch {
      // no clipboard permission (plain http, or a denied prompt): select it for Ctrl+C instead
      getSelection()?.selectAllChildren(code);
      copied.textContent = 'Select and copy it by hand (the browser refused the clipboard).';
    }
  };
  return [
    h('p', null, h('strong', null, `New ${r.role} token “${name}”. `), 'Copy it now: it is shown only once.'),
    h(
      'div',
      { class: 'actions' },
      code,
      h('button', { type: 'button', class: 'secondary small', onclick: () => void copy() }, 'Copy'),
      h('button', { type: 'button', class: 'small', onclick: () => done() }, 'Done'),
      copied,
    ),
  ];
}

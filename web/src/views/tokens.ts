// API tokens of a tenant (tenant admins: their own tenant; operators pick any): list, issue (the secret is
// shown once, with a copy button), revoke after a confirmation. Members and viewers never see this view.
// The API gives no "last used" time, so the table shows created and revoked only.
import {
  api,
  ApiError,
  get,
  post,
  ROLES,
  token,
  type Role,
  type TenantView,
  type TokenIssued,
  type TokenView,
} from '../api';
import { announce, confirmDialog, field, h, mount, options } from '../dom';
import { ago } from '../format';
import { state, subscribe } from '../state';

/** Roles a caller may mint: its own and the ones below it (ROLES is ordered highest first). */
export const mintableRoles = (role: Role): Role[] => ROLES.slice(ROLES.indexOf(role));

export const canManageTokens = (): boolean => state.me?.role === 'admin';

export function createTokensView(): { el: HTMLElement; show: () => void; hide: () => void } {
  const tenantSel = h('select', { name: 'token-tenant', 'aria-label': 'Tenant', onchange: () => void refresh() });
  const tenantWrap = h('div', { class: 'field', 'data-role': 'tenant-picker', hidden: true }, tenantSel);
  const tenantLabel = h('p', { class: 'muted', 'data-role': 'tenant' });
  const errors = h('p', { class: 'errors', role: 'alert' });
  const tbody = h('tbody');
  const table = h(
    'table',
    { class: 'tokens', 'aria-label': 'API tokens' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Name', 'Role', 'Created', 'Status', ''].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    tbody,
  );
  const nameIn = h('input', { name: 'token-name', maxlength: 100, required: true, placeholder: 'e.g. CI pipeline' });
  const roleSel = h('select', { name: 'token-role' });
  const secretBox = h('div', { class: 'secret', 'data-role': 'secret-box', role: 'region', hidden: true });
  const form = h(
    'form',
    { class: 'token-form', 'aria-label': 'Issue a token', onsubmit: (e: Event) => (e.preventDefault(), void create()) },
    h('h3', null, 'Issue a token'),
    h(
      'div',
      { class: 'row' },
      field('Name', nameIn, 'Who or what uses it: shown in the audit log and on cancelled jobs.'),
      field('Role', roleSel, 'No higher than your own.'),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Issue token'),
  );
  const body = h(
    'div',
    { class: 'tokens-body' },
    tenantLabel,
    errors,
    secretBox,
    h('div', { class: 'table-wrap' }, table),
    form,
  );
  const denied = h(
    'p',
    { class: 'muted', 'data-role': 'denied', hidden: true },
    'Token management needs an admin token.',
  );
  const el = h('div', { class: 'tokens-view' }, h('h2', null, 'API tokens'), tenantWrap, denied, body);

  let tenants: TenantView[] = [];
  const tenant = (): string => (state.me?.operator ? tenantSel.value || state.me.tenant : (state.me?.tenant ?? ''));
  const showError = (err: unknown) => {
    errors.textContent = err instanceof ApiError ? err.message : `Failed: ${(err as Error).message}`;
  };

  function draw(tokens: TokenView[]): void {
    const mine = state.me?.tokenId;
    mount(
      tbody,
      tokens.length === 0 ? h('tr', null, h('td', { colspan: 5, class: 'muted' }, 'No tokens.')) : null,
      tokens.map((t) =>
        h(
          'tr',
          { 'data-token-id': t.id, 'data-revoked': String(t.revoked) },
          h('td', null, t.name, t.id === mine ? h('span', { class: 'muted' }, ' (this tab)') : null),
          h('td', null, t.role),
          h('td', { title: t.createdAt }, ago(t.createdAt)),
          h('td', null, t.revoked ? h('span', { class: 'badge cancelled' }, 'revoked') : 'active'),
          h(
            'td',
            null,
            t.revoked
              ? null
              : h(
                  'button',
                  {
                    type: 'button',
                    class: 'danger small',
                    'aria-label': `Revoke ${t.name}`,
                    onclick: () => void revoke(t),
                  },
                  'Revoke',
                ),
          ),
        ),
      ),
    );
  }

  async function refresh(): Promise<void> {
    const id = tenant();
    if (!id) return;
    tenantLabel.textContent = `Tenant ${id}`;
    try {
      const r = await get<{ tokens: TokenView[] }>(`/v1/tenants/${encodeURIComponent(id)}/tokens`);
      errors.textContent = '';
      draw(r.tokens);
    } catch (err) {
      showError(err);
    }
  }

  async function create(): Promise<void> {
    const id = tenant();
    const name = nameIn.value.trim();
    if (!name) return ((errors.textContent = 'Name: give the token a name (who or what will use it).'), undefined);
    try {
      const r = await post<TokenIssued>(`/v1/tenants/${encodeURIComponent(id)}/tokens`, {
        name,
        role: roleSel.value,
      });
      errors.textContent = '';
      nameIn.value = '';
      showSecret(r, name);
      announce(`Issued ${r.role} token “${name}” for ${r.tenant}.`);
      await refresh();
    } catch (err) {
      showError(err);
    }
  }

  // the secret lives only in this box: dismissing it (or leaving the page) drops it for good
  function showSecret(r: TokenIssued, name: string): void {
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
    mount(
      secretBox,
      h('p', null, h('strong', null, `New ${r.role} token “${name}”. `), 'Copy it now: it is shown only once.'),
      h(
        'div',
        { class: 'actions' },
        code,
        h('button', { type: 'button', class: 'secondary small', onclick: () => void copy() }, 'Copy'),
        h('button', { type: 'button', class: 'small', onclick: () => hideSecret() }, 'Done'),
        copied,
      ),
    );
    secretBox.hidden = false;
  }
  const hideSecret = () => {
    secretBox.hidden = true;
    secretBox.replaceChildren();
  };

  async function revoke(t: TokenView): Promise<void> {
    const self = t.id === state.me?.tokenId ? ' It is the token this tab signed in with: you will be signed out.' : '';
    const ok = await confirmDialog(
      `Revoke “${t.name}”?`,
      `The ${t.role} token ${t.id} of ${t.tenant} stops working at its next request. This cannot be undone.${self}`,
      'Revoke token',
    );
    if (!ok) return;
    try {
      await api('DELETE', `/v1/tenants/${encodeURIComponent(t.tenant)}/tokens/${encodeURIComponent(t.id)}`);
      announce(`Revoked token “${t.name}”.`);
      // this tab's own token: it cannot call the API any more, so back to sign-in
      if (self) return (token.clear(), location.reload());
      await refresh();
    } catch (err) {
      showError(err);
    }
  }

  async function loadTenants(): Promise<void> {
    if (!state.me?.operator) return;
    try {
      tenants = (await get<{ tenants: TenantView[] }>('/v1/tenants')).tenants;
      const keep = tenantSel.value || state.me.tenant;
      mount(
        tenantSel,
        options(
          tenants.map((x) => ({ value: x.id, label: `${x.name} (${x.id})` })),
          keep,
        ),
      );
    } catch (err) {
      showError(err);
    }
  }

  function setRole(): void {
    const me = state.me;
    const allowed = canManageTokens();
    denied.hidden = allowed;
    body.hidden = !allowed;
    tenantWrap.hidden = !me?.operator;
    if (me) mount(roleSel, options(mintableRoles(me.role), 'member'));
  }
  // shown before whoami answered (a #tokens link): load once the role is known
  let shown = false;
  const load = () => {
    setRole();
    if (shown && canManageTokens()) void loadTenants().then(refresh);
  };
  subscribe((c) => c.has('me') && load());
  setRole();

  return {
    el,
    show: () => ((shown = true), load()),
    hide: () => {
      shown = false;
      hideSecret();
    },
  };
}

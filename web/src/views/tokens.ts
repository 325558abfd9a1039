// API tokens of a tenant (tenant admins: their own tenant; operators pick any): list, issue (the secret is
// shown once, with a copy button), revoke after a confirmation. Members and viewers never see this view.
// The table shows created, last used (the store records it at most once a minute per token) and revoked. Rows:
// tokens-render.ts.
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
import { state, subscribe } from '../state';
import { secretPanel, tokenRows } from './tokens-render';

/** Roles a caller may mint: its own and the ones below it (ROLES is ordered highest first). */
export const mintableRoles = (role: Role): Role[] => ROLES.slice(ROLES.indexOf(role));

export const canManageTokens = (): boolean => state.me?.role === 'admin';

interface TokensView {
  tenantSel: HTMLSelectElement;
  tenantWrap: HTMLElement;
  tenantLabel: HTMLElement;
  errors: HTMLElement;
  tbody: HTMLTableSectionElement;
  nameIn: HTMLInputElement;
  roleSel: HTMLSelectElement;
  secretBox: HTMLElement;
  body: HTMLElement;
  denied: HTMLElement;
  /** Whether the view is on screen (it loads only then). */
  shown: boolean;
}

function elements(): TokensView {
  return {
    tenantSel: h('select', { name: 'token-tenant', 'aria-label': 'Tenant' }),
    tenantWrap: h('div', { class: 'field', 'data-role': 'tenant-picker', hidden: true }),
    tenantLabel: h('p', { class: 'muted', 'data-role': 'tenant' }),
    errors: h('p', { class: 'errors', role: 'alert' }),
    tbody: h('tbody'),
    nameIn: h('input', { name: 'token-name', maxlength: 100, required: true, placeholder: 'e.g. CI pipeline' }),
    roleSel: h('select', { name: 'token-role' }),
    secretBox: h('div', { class: 'secret', 'data-role': 'secret-box', role: 'region', hidden: true }),
    body: h('div', { class: 'tokens-body' }),
    denied: h('p', { class: 'muted', 'data-role': 'denied', hidden: true }, 'Token management needs an admin token.'),
    shown: false,
  };
}

/** The table and the issue form inside the view's body. */
function fillBody(v: TokensView): void {
  const table = h(
    'table',
    { class: 'tokens', 'aria-label': 'API tokens' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        ['Name', 'Role', 'Created', 'Last used', 'Status', ''].map((c) => h('th', { scope: 'col' }, c)),
      ),
    ),
    v.tbody,
  );
  const form = h(
    'form',
    {
      class: 'token-form',
      'aria-label': 'Issue a token',
      onsubmit: (e: Event) => (e.preventDefault(), void create(v)),
    },
    h('h3', null, 'Issue a token'),
    h(
      'div',
      { class: 'row' },
      field('Name', v.nameIn, 'Who or what uses it: shown in the audit log and on cancelled jobs.'),
      field('Role', v.roleSel, 'No higher than your own.'),
    ),
    h('button', { type: 'submit', class: 'primary' }, 'Issue token'),
  );
  mount(v.body, v.tenantLabel, v.errors, v.secretBox, h('div', { class: 'table-wrap' }, table), form);
}

const tenantOf = (v: TokensView): string =>
  state.me?.operator ? v.tenantSel.value || state.me.tenant : (state.me?.tenant ?? '');

function showError(v: TokensView, err: unknown): void {
  v.errors.textContent = err instanceof ApiError ? err.message : `Failed: ${(err as Error).message}`;
}

async function refresh(v: TokensView): Promise<void> {
  const id = tenantOf(v);
  if (!id) return;
  v.tenantLabel.textContent = `Tenant ${id}`;
  try {
    const r = await get<{ tokens: TokenView[] }>(`/v1/tenants/${encodeURIComponent(id)}/tokens`);
    v.errors.textContent = '';
    mount(
      v.tbody,
      tokenRows(r.tokens, state.me?.tokenId, (t) => void revoke(v, t)),
    );
  } catch (err) {
    showError(v, err);
  }
}

async function create(v: TokensView): Promise<void> {
  const id = tenantOf(v);
  const name = v.nameIn.value.trim();
  if (!name) return ((v.errors.textContent = 'Name: give the token a name (who or what will use it).'), undefined);
  try {
    const r = await post<TokenIssued>(`/v1/tenants/${encodeURIComponent(id)}/tokens`, { name, role: v.roleSel.value });
    v.errors.textContent = '';
    v.nameIn.value = '';
    // the secret lives only in this box: dismissing it (or leaving the page) drops it for good
    mount(
      v.secretBox,
      secretPanel(r, name, () => hideSecret(v)),
    );
    v.secretBox.hidden = false;
    announce(`Issued ${r.role} token “${name}” for ${r.tenant}.`);
    await refresh(v);
  } catch (err) {
    showError(v, err);
  }
}

function hideSecret(v: TokensView): void {
  v.secretBox.hidden = true;
  v.secretBox.replaceChildren();
}

async function revoke(v: TokensView, t: TokenView): Promise<void> {
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
    await refresh(v);
  } catch (err) {
    showError(v, err);
  }
}

async function loadTenants(v: TokensView): Promise<void> {
  if (!state.me?.operator) return;
  try {
    const tenants = (await get<{ tenants: TenantView[] }>('/v1/tenants')).tenants;
    const keep = v.tenantSel.value || state.me.tenant;
    mount(
      v.tenantSel,
      options(
        tenants.map((x) => ({ value: x.id, label: `${x.name} (${x.id})` })),
        keep,
      ),
    );
  } catch (err) {
    showError(v, err);
  }
}

function setRole(v: TokensView): void {
  const me = state.me;
  const allowed = canManageTokens();
  v.denied.hidden = allowed;
  v.body.hidden = !allowed;
  v.tenantWrap.hidden = !me?.operator;
  if (me) mount(v.roleSel, options(mintableRoles(me.role), 'member'));
}

export function createTokensView(): { el: HTMLElement; show: () => void; hide: () => void } {
  const v = elements();
  v.tenantSel.addEventListener('change', () => void refresh(v));
  v.tenantWrap.append(v.tenantSel);
  fillBody(v);
  const el = h('div', { class: 'tokens-view' }, h('h2', null, 'API tokens'), v.tenantWrap, v.denied, v.body);
  // shown before whoami answered (a #tokens link): load once the role is known
  const load = () => {
    setRole(v);
    if (v.shown && canManageTokens()) void loadTenants(v).then(() => refresh(v));
  };
  subscribe((c) => c.has('me') && load());
  setRole(v);
  return {
    el,
    show: () => ((v.shown = true), load()),
    hide: () => {
      v.shown = false;
      hideSecret(v);
    },
  };
}

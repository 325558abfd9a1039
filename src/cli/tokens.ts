// `superfactory tokens create|list|revoke`: API tokens of a tenant (admin). The secret is shown once, at create.
import { ROLES, type Me, type TokenIssued, type TokenView } from '../contract/index.js';
import { ApiClient, seg, type RemoteFlags } from './client.js';
import { CliInputError } from './errors.js';
import { table } from './jobs-format.js';

type Flags = RemoteFlags & { json?: boolean };

/** The tenant a command acts on: --tenant, or the calling token's own tenant (GET /v1/whoami). */
async function tenantOf(client: ApiClient, tenant: string | undefined): Promise<string> {
  return tenant ?? (await client.get<Me>('/v1/whoami')).tenant;
}

export async function runTokenCreate(o: Flags & { tenant: string; role?: string; name?: string }): Promise<number> {
  const role = o.role ?? 'member';
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new CliInputError([{ path: '--role', message: `unknown role "${role}"`, hint: `use ${ROLES.join(', ')}` }]);
  }
  const body = { role, ...(o.name ? { name: o.name } : {}) };
  const issued = await ApiClient.fromFlags(o).post<TokenIssued & { id?: string }>(
    `/v1/tenants/${seg(o.tenant)}/tokens`,
    body,
  );
  if (o.json) process.stdout.write(`${JSON.stringify(issued)}\n`);
  else {
    process.stdout.write(`${issued.token}\n`);
    process.stderr.write(
      `${issued.role} token for tenant ${issued.tenant}${issued.id ? ` (id ${issued.id})` : ''}: shown once, store it now` +
        ` (superfactory login URL --token ...)\n`,
    );
  }
  return 0;
}

export async function runTokenList(o: Flags & { tenant?: string }): Promise<number> {
  const client = ApiClient.fromFlags(o);
  const tenant = await tenantOf(client, o.tenant);
  const r = await client.get<{ tokens: TokenView[] }>(`/v1/tenants/${seg(tenant)}/tokens`);
  if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else if (r.tokens.length === 0) process.stdout.write('no tokens\n');
  else {
    process.stdout.write(
      `${table(
        ['ID', 'TENANT', 'ROLE', 'NAME', 'CREATED', 'LAST USED', 'STATE'],
        r.tokens.map((t) => [
          t.id,
          t.tenant,
          t.role,
          t.name,
          t.createdAt,
          t.lastUsedAt ?? 'never',
          t.revoked ? 'revoked' : 'active',
        ]),
      )}\n`,
    );
  }
  return 0;
}

export async function runTokenRevoke(ids: string[], o: Flags & { tenant?: string }): Promise<number> {
  const client = ApiClient.fromFlags(o);
  const tenant = await tenantOf(client, o.tenant);
  const done: unknown[] = [];
  for (const id of ids) {
    const r = await client.delete<{ token: TokenView }>(`/v1/tenants/${seg(tenant)}/tokens/${seg(id)}`);
    done.push(r);
    if (!o.json) process.stdout.write(`${id}: revoked\n`);
  }
  if (o.json) process.stdout.write(`${JSON.stringify(ids.length === 1 ? done[0] : { tokens: done })}\n`);
  return 0;
}

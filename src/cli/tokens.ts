// `superfactory tokens create|list|revoke`: API tokens of a tenant (admin). The secret is shown once, at create.
import { ROLES, type Role, type TokenIssued } from '../contract/index.js';
import { ApiClient, seg, type RemoteFlags } from './client.js';
import { CliInputError } from './errors.js';
import { table } from './jobs-format.js';

type Flags = RemoteFlags & { json?: boolean };

/** A token as GET /v1/tokens lists it (never the secret). */
interface TokenListed {
  id: string;
  tenant: string;
  role: Role;
  name: string;
  createdAt?: string | number | null;
  revokedAt?: string | number | null;
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
  const r = await ApiClient.fromFlags(o).get<{ tokens: TokenListed[] }>('/v1/tokens', { tenant: o.tenant });
  if (o.json) process.stdout.write(`${JSON.stringify(r)}\n`);
  else if (r.tokens.length === 0) process.stdout.write('no tokens\n');
  else {
    const when = (v: string | number | null | undefined) =>
      v === null || v === undefined ? '-' : new Date(v).toISOString();
    process.stdout.write(
      `${table(
        ['ID', 'TENANT', 'ROLE', 'NAME', 'CREATED', 'REVOKED'],
        r.tokens.map((t) => [t.id, t.tenant, t.role, t.name, when(t.createdAt), when(t.revokedAt)]),
      )}\n`,
    );
  }
  return 0;
}

export async function runTokenRevoke(ids: string[], o: Flags): Promise<number> {
  const client = ApiClient.fromFlags(o);
  const done: unknown[] = [];
  for (const id of ids) {
    const r = await client.delete<Record<string, unknown>>(`/v1/tokens/${seg(id)}`);
    done.push(r);
    if (!o.json) process.stdout.write(`${id}: revoked\n`);
  }
  if (o.json) process.stdout.write(`${JSON.stringify(ids.length === 1 ? done[0] : { tokens: done })}\n`);
  return 0;
}

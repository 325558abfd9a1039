// `superfactory login URL`: checks a token against the server (GET /v1/whoami) and stores URL and token
// in the profile file (src/cli/login-profile.ts, mode 0600).
import type { Me } from '../contract/index.js';
import { ApiClient, normalizeUrl } from './client.js';
import { CliInputError } from './errors.js';
import { writeProfile } from './login-profile.js';

/** A token typed or piped on stdin (one line), when neither --token nor SUPERFACTORY_TOKEN gives one. */
async function tokenFromStdin(): Promise<string | undefined> {
  if (process.stdin.isTTY) process.stderr.write('token (from superfactory tokens create, or the server log): ');
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    if (process.stdin.isTTY && Buffer.concat(chunks).includes(10)) break;
  }
  const line = Buffer.concat(chunks).toString('utf8').split('\n')[0].trim();
  return line || undefined;
}

export async function runLogin(
  url: string,
  o: { token?: string; profile?: string; json?: boolean; stdin?: boolean },
): Promise<number> {
  const token = o.token ?? process.env.SUPERFACTORY_TOKEN ?? (o.stdin === false ? undefined : await tokenFromStdin());
  if (!token) {
    throw new CliInputError([
      {
        path: 'token',
        message: 'no token given',
        hint: 'pass --token TOKEN, set SUPERFACTORY_TOKEN, or type it when asked',
      },
    ]);
  }
  const remote = { url: normalizeUrl(url, 'URL'), token, from: 'URL' };
  const me = await new ApiClient(remote).get<Me>('/v1/whoami');
  const name = o.profile ?? process.env.SUPERFACTORY_PROFILE ?? 'default';
  const file = writeProfile(name, { url: remote.url, token, tenant: me.tenant, role: me.role });
  if (o.json) process.stdout.write(`${JSON.stringify({ profile: name, file, url: remote.url, ...me })}\n`);
  else
    process.stdout.write(
      `logged in to ${remote.url} as ${me.role} of tenant ${me.tenant}; profile "${name}" saved in ${file} (mode 0600)\n`,
    );
  return 0;
}

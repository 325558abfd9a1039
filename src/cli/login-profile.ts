// The profile file `superfactory login` writes: server URL and token per profile name, readable by its owner
// only (mode 0600), so later commands need neither --server nor --token.
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliInputError } from './errors.js';

export interface Profile {
  url: string;
  token?: string;
  /** Who the token is, as the server said at login (for `login` output and `--json`). */
  tenant?: string;
  role?: string;
}

interface ProfileFile {
  profiles: Record<string, Profile>;
}

/** $SUPERFACTORY_CONFIG_DIR, else $XDG_CONFIG_HOME/superfactory, else ~/.config/superfactory. */
export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SUPERFACTORY_CONFIG_DIR) return env.SUPERFACTORY_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'superfactory');
}

export function profileFile(env: NodeJS.ProcessEnv = process.env): string {
  return join(configDir(env), 'profiles.json');
}

function readAll(env: NodeJS.ProcessEnv): ProfileFile {
  const file = profileFile(env);
  if (!existsSync(file)) return { profiles: {} };
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<ProfileFile>;
    if (parsed && typeof parsed.profiles === 'object' && parsed.profiles !== null) return { profiles: parsed.profiles };
  } catch {
    // reported below
  }
  throw new CliInputError([
    {
      path: 'profile',
      message: `${file} is not a superfactory profile file`,
      hint: `delete it and run superfactory login URL again`,
    },
  ]);
}

export function readProfile(name: string, env: NodeJS.ProcessEnv = process.env): Profile | undefined {
  return readAll(env).profiles[name];
}

/** Writes the profile file atomically, created 0600 and re-chmodded (an older file may have been wider). */
export function writeProfile(name: string, p: Profile, env: NodeJS.ProcessEnv = process.env): string {
  const file = profileFile(env);
  const all = readAll(env);
  all.profiles[name] = p;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(all, null, 2)}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
  return file;
}

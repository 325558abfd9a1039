// The operators' tenant and its first admin token, made at start when missing.
import { SYSTEM_TENANT } from '../../contract/states.js';
import { hashToken, issueToken } from '../auth.js';
import { DuplicateError } from '../domain.js';
import type { Store } from '../store/types.js';

/** Ensures a system tenant with an admin token; returns the token's secret (the preset one or a new one). */
export async function ensureAdmin(store: Store, preset?: string, at = Date.now()): Promise<string> {
  if (!(await store.getTenant(SYSTEM_TENANT))) {
    try {
      await store.createTenant({
        id: SYSTEM_TENANT,
        name: 'Operators',
        quotaGpus: null,
        allowedJurisdictions: null,
        at,
      });
    } catch (err) {
      // another replica created it between the read and the insert: that one is as good
      if (!(err instanceof DuplicateError)) throw err;
    }
  }
  if (preset) {
    if (!(await store.findTokenByHash(hashToken(preset))))
      await issueToken(store, SYSTEM_TENANT, 'admin', 'preset admin', at, preset);
    return preset;
  }
  return issueToken(store, SYSTEM_TENANT, 'admin', 'admin (generated at start)', at);
}

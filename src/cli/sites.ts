// `superfactory sites [drain|undrain ID]`: the control plane's sites with status, drain and GPUs in use.
import type { SiteStateView, SiteStatusView } from '../contract/index.js';
import { ApiClient, seg, type RemoteFlags } from './client.js';
import { sitesTable } from './jobs-format.js';

type Flags = RemoteFlags & { json?: boolean };

export async function runSites(o: Flags): Promise<number> {
  const { sites } = await ApiClient.fromFlags(o).get<{ sites: SiteStatusView[] }>('/v1/sites');
  if (o.json) process.stdout.write(`${JSON.stringify({ sites })}\n`);
  else process.stdout.write(`${sitesTable(sites, Date.now())}\n`);
  return 0;
}

/** Drain (no new jobs; running ones move at their next checkpoint) or undrain a site. Needs an admin token. */
export async function runDrain(id: string, drain: boolean, o: Flags): Promise<number> {
  const { site } = await ApiClient.fromFlags(o).post<{ site: SiteStateView }>(
    `/v1/sites/${seg(id)}/${drain ? 'drain' : 'undrain'}`,
  );
  if (o.json) process.stdout.write(`${JSON.stringify({ site })}\n`);
  else
    process.stdout.write(
      drain
        ? `${site.id}: drained (no new jobs; running jobs move at their next checkpoint)\n`
        : `${site.id}: undrained (takes new jobs)\n`,
    );
  return 0;
}

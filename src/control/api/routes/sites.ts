// Sites: the fabric, each site's status, drain / undrain (operators, audited), agent heartbeats.
import type { FabricView, SiteStateView, SiteStatusView } from '../../../contract/responses.js';
import { audit } from '../audit.js';
import { doc, idOf, needOperator, type ApiContext } from '../context.js';

export function registerSiteRoutes(c: ApiContext): void {
  const { app, cp } = c;
  app.get(
    '/v1/fabric',
    doc('The fabric: sites, pods, WAN links', ['sites']),
    async (): Promise<FabricView> => cp.fabric,
  );
  app.get(
    '/v1/sites',
    doc('Sites with status, heartbeat, drain, executor and GPUs in use', ['sites']),
    async (): Promise<{ sites: SiteStatusView[] }> => ({ sites: await cp.sites() }),
  );
  app.post(
    '/v1/sites/:id/drain',
    doc('Drain a site: no new jobs; running ones move at their next checkpoint (operators)', ['sites']),
    async (req): Promise<{ site: SiteStateView }> => {
      const p = needOperator(req);
      const site = await cp.drainSite(idOf(req), true);
      await audit(c, req, p, 'site.drain', { site: site.id });
      return { site };
    },
  );
  app.post(
    '/v1/sites/:id/undrain',
    doc('Undrain a site (operators)', ['sites']),
    async (req): Promise<{ site: SiteStateView }> => {
      const p = needOperator(req);
      const site = await cp.drainSite(idOf(req), false);
      await audit(c, req, p, 'site.undrain', { site: site.id });
      return { site };
    },
  );
  app.post(
    '/v1/sites/:id/heartbeat',
    doc('Heartbeat from a site agent (an operator token)', ['sites']),
    async (req): Promise<{ site: SiteStateView }> => {
      needOperator(req);
      return { site: await cp.heartbeat(idOf(req)) };
    },
  );
}

// POST /v1/plans: the planner on the server's fabric (validated by the contract's schema).
import { PlanSchema } from '../../../contract/requests.js';
import type { PlansResponse } from '../../../contract/responses.js';
import { issuesOf } from '../../../core/issues.js';
import { InvalidInputError } from '../../domain.js';
import { isZooModel, parse } from '../../schemas.js';
import { doc, jsonBody, principal, type ApiContext } from '../context.js';

export function registerPlanRoutes(c: ApiContext): void {
  const { app, cp } = c;
  app.post(
    '/v1/plans',
    doc('Run the planner: ranked plans with placement and speed', ['plans'], jsonBody(PlanSchema)),
    async (req, reply): Promise<PlansResponse | { errors: unknown[] }> => {
      principal(req);
      const body = parse(PlanSchema, req.body ?? {});
      if (typeof body.model === 'string' && !isZooModel(body.model)) {
        throw new InvalidInputError(
          [
            {
              path: 'model',
              message: `unknown model ${JSON.stringify(body.model)}`,
              hint: 'use a zoo id such as llama3-70b or an inline model',
            },
          ],
          422,
        );
      }
      if (!cp.planner) {
        reply.code(503);
        return {
          errors: [
            {
              path: '(server)',
              message: 'the planner is not available in this build',
              hint: 'retry once src/planner is installed',
            },
          ],
        };
      }
      try {
        return await cp.planner(
          {
            model: body.model,
            gpus: body.gpus,
            tokens: body.tokens,
            sites: body.sites,
            allow: body.allowedJurisdictions,
            top: body.top ?? 5,
            ...(body.precision !== undefined ? { precision: body.precision } : {}),
          },
          cp.fabric,
        );
      } catch (err) {
        const issues = issuesOf(err);
        // The planner names its own option (`allow`); the API client sent `allowedJurisdictions`.
        if (issues)
          throw new InvalidInputError(
            issues.map((i) => (i.path === 'allow' ? { ...i, path: 'allowedJurisdictions' } : i)),
            422,
          );
        throw new InvalidInputError(
          [{ path: '(body)', message: (err as Error).message, hint: 'check the model, GPU count and sites' }],
          422,
        );
      }
    },
  );
}

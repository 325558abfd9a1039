// The server's side of request parsing: the schemas live in the wire contract (src/contract); this
// throws their issues as InvalidInputError (400), and checks zoo model ids against data/models.
import { existsSync } from 'node:fs';
import type { z } from 'zod';
import { parseRequest, requestIssues } from '../contract/requests.js';
import { dataPath } from '../data-dir.js';
import { InvalidInputError } from './domain.js';

export {
  EventsQuery,
  HeartbeatSchema,
  InlineModelSchema,
  JURISDICTION,
  ListJobsQuery,
  PlanSchema,
  SubmitJobSchema,
  type SubmitJobBody,
} from '../contract/requests.js';

/** The API's zod -> issues conversion (src/core/issues.ts zodIssues with the contract's hints). */
export const zodIssues = requestIssues;

/** Parses or throws InvalidInputError(400) with every issue. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = parseRequest(schema, value);
  if (!r.ok) throw new InvalidInputError(r.issues, 400);
  return r.data;
}

const zooCache = new Map<string, boolean>();
/** Whether `id` names a model in the zoo (data/models/ID.json). */
export function isZooModel(id: string): boolean {
  if (!/^[a-z0-9][a-z0-9._-]*$/i.test(id)) return false;
  let hit = zooCache.get(id);
  if (hit === undefined) {
    hit = existsSync(dataPath('models', `${id}.json`));
    zooCache.set(id, hit);
  }
  return hit;
}

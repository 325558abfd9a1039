// Request schemas (zod) and the mapping of zod issues to the project's {path, message, hint} list.
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { dataPath } from '../data-dir.js';
import type { InputIssue } from './domain.js';
import { InvalidInputError, JOB_STATES } from './domain.js';

const HINTS: Record<string, string> = {
  name: 'a short label, 1-200 characters',
  model: 'a model zoo id such as llama3-8b, or an inline model object with name, layers, hiddenSize, ...',
  gpus: 'a positive integer GPU count, e.g. 8',
  tokens: 'total training tokens, a positive number, e.g. 1e12',
  priority: 'an integer from -1000 to 1000; larger runs first under the priority policy',
  allowedJurisdictions: 'a list of jurisdiction codes such as ["US-GA", "US-WI"] or ["US"]',
  deadline: 'an ISO-8601 date-time such as 2026-12-01T00:00:00Z',
  command: 'argv as a list of strings, e.g. ["python", "train.py"]',
  executor: 'one of local, slurm, twin',
  env: 'an object of string environment variables',
  state: `one of ${JOB_STATES.join(', ')}`,
  limit: 'an integer from 1 to 1000',
  cursor: 'the nextCursor of the previous page, unchanged',
};

export function zodIssues(err: z.ZodError): InputIssue[] {
  return err.issues.map((i) => {
    const path = i.path.map(String).join('.') || '(body)';
    const key = String(i.path[0] ?? '');
    return { path, message: i.message, hint: HINTS[key] ?? 'see /docs for the request schema' };
  });
}

/** Parses or throws InvalidInputError(400) with every issue. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const r = schema.safeParse(value);
  if (!r.success) throw new InvalidInputError(zodIssues(r.error), 400);
  return r.data;
}

export const JURISDICTION = z.string().regex(/^[A-Z]{2}(-[A-Z0-9]{1,8})*$/, 'not a jurisdiction code');

export const InlineModelSchema = z
  .object({
    name: z.string().min(1).max(200),
    layers: z.number().int().positive(),
    hiddenSize: z.number().int().positive(),
    ffnHiddenSize: z.number().int().positive(),
    attentionHeads: z.number().int().positive(),
    kvHeads: z.number().int().positive(),
    vocabSize: z.number().int().positive(),
    seqLength: z.number().int().positive(),
    gatedMlp: z.boolean(),
  })
  .passthrough();

export const SubmitJobSchema = z
  .object({
    name: z.string().min(1).max(200),
    model: z.union([z.string().min(1).max(100), InlineModelSchema]),
    gpus: z.number().int().positive().max(1_000_000).optional(),
    tokens: z.number().positive().max(1e18).optional(),
    priority: z.number().int().min(-1000).max(1000).optional(),
    allowedJurisdictions: z.array(JURISDICTION).min(1).max(50).optional(),
    checkpointable: z.boolean().optional(),
    preemptible: z.boolean().optional(),
    deadline: z.iso.datetime({ offset: true }).optional(),
    command: z.array(z.string().max(4096)).min(1).max(256).optional(),
    executor: z.enum(['local', 'slurm', 'twin']).optional(),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'not an environment variable name'), z.string().max(4096))
      .optional(),
  })
  .strict()
  .refine((b) => b.gpus !== undefined || b.tokens !== undefined, {
    message: 'give gpus or tokens (or both)',
    path: ['gpus'],
  });
export type SubmitJobBody = z.infer<typeof SubmitJobSchema>;

export const PlanSchema = z
  .object({
    model: z.union([z.string().min(1).max(100), InlineModelSchema]),
    gpus: z.number().int().positive().max(1_000_000).optional(),
    tokens: z.number().positive().max(1e18).optional(),
    sites: z.array(z.string().min(1).max(100)).max(100).optional(),
    allowedJurisdictions: z.array(JURISDICTION).min(1).max(50).optional(),
    top: z.number().int().min(1).max(50).optional(),
  })
  .strict();

export const ListJobsQuery = z
  .object({
    tenant: z.string().min(1).max(100).optional(),
    state: z
      .string()
      .transform((s) => s.split(','))
      .pipe(z.array(z.enum(JOB_STATES)))
      .optional(),
    site: z.string().min(1).max(100).optional(),
    cursor: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const EventsQuery = z
  .object({
    after: z.coerce.number().int().min(0).optional(),
    job: z.string().min(1).max(100).optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
  })
  .strict();

export const HeartbeatSchema = z.object({ at: z.number().optional() }).strict().optional();

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

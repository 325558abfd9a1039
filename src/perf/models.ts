// The model zoo (data/models/*.json) and user model files, validated once at the edge.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { basename } from 'node:path';
import { z } from 'zod';
import { dataPath } from '../data-dir.js';
import { zodIssues } from '../core/issues.js';
import type { InputIssue } from '../fabric/types.js';
import type { ModelSpec } from './types.js';

const positive = z.number().int().positive();

export const ModelSchema = z
  .object({
    name: z.string().min(1),
    layers: positive,
    hiddenSize: positive,
    ffnHiddenSize: positive,
    attentionHeads: positive,
    kvHeads: positive,
    vocabSize: positive,
    seqLength: positive,
    gatedMlp: z.boolean(),
    headDim: positive.optional(),
    tiedEmbeddings: z.boolean().optional(),
    hiddenDropout: z.boolean().optional(),
    moe: z
      .object({
        experts: positive,
        topK: positive,
        expertFfnHiddenSize: positive,
        sharedExperts: z.number().int().nonnegative(),
        denseLayers: z.number().int().nonnegative(),
      })
      .optional(),
    mla: z
      .object({
        qLoraRank: positive,
        kvLoraRank: positive,
        qkNopeHeadDim: positive,
        qkRopeHeadDim: positive,
        vHeadDim: positive,
      })
      .optional(),
    source: z.string().optional(),
  })
  .superRefine((m, ctx) => {
    if (m.attentionHeads % m.kvHeads !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['kvHeads'],
        message: `attentionHeads ${m.attentionHeads} must be a multiple of kvHeads ${m.kvHeads}`,
      });
    if (!m.headDim && !m.mla && m.hiddenSize % m.attentionHeads !== 0)
      ctx.addIssue({
        code: 'custom',
        path: ['attentionHeads'],
        message: `hiddenSize ${m.hiddenSize} is not divisible by attentionHeads ${m.attentionHeads}; give headDim`,
      });
    if (m.moe && m.moe.topK > m.moe.experts)
      ctx.addIssue({
        code: 'custom',
        path: ['moe', 'topK'],
        message: `topK ${m.moe.topK} exceeds experts ${m.moe.experts}`,
      });
    if (m.moe && m.moe.denseLayers > m.layers)
      ctx.addIssue({
        code: 'custom',
        path: ['moe', 'denseLayers'],
        message: `denseLayers ${m.moe.denseLayers} exceeds layers ${m.layers}`,
      });
  });

export class ModelInputError extends Error {
  readonly issues: InputIssue[];
  constructor(issues: InputIssue[]) {
    super(`invalid model: ${issues.map((i) => `${i.path}: ${i.message} (fix: ${i.hint})`).join('; ')}`);
    this.name = 'ModelInputError';
    this.issues = issues;
  }
}

export function listModelIds(): string[] {
  return readdirSync(dataPath('models'))
    .filter((f) => f.endsWith('.json'))
    .map((f) => basename(f, '.json'))
    .sort();
}

export function parseModel(input: unknown, where = 'model'): ModelSpec {
  const result = ModelSchema.safeParse(input);
  if (!result.success) {
    throw new ModelInputError(
      zodIssues(result.error, {
        pathPrefix: where,
        defaultHint: 'see data/models/README.md for the model file format',
      }),
    );
  }
  return result.data as ModelSpec;
}

const cache = new Map<string, ModelSpec>();

/** A zoo id (data/models/<id>.json) or a path to a model JSON file. */
export function loadModel(idOrPath: string): ModelSpec {
  const cached = cache.get(idOrPath);
  if (cached) return cached;
  const zooFile = dataPath('models', `${idOrPath}.json`);
  const file = /^[a-z0-9.-]+$/i.test(idOrPath) && existsSync(zooFile) ? zooFile : idOrPath;
  if (!existsSync(file)) {
    throw new ModelInputError([
      {
        path: 'model',
        message: `no zoo model or file named ${idOrPath}`,
        hint: `use one of: ${listModelIds().join(', ')}, or a path to a model JSON file`,
      },
    ]);
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ModelInputError([
      {
        path: 'model',
        message: `cannot read ${file} (${code === 'EISDIR' ? 'a folder, not a file' : code})`,
        hint: `pass a model JSON file, or one of: ${listModelIds().join(', ')}`,
      },
    ]);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ModelInputError([
      { path: 'model', message: `${file} is not valid JSON: ${(error as Error).message}`, hint: 'fix the JSON syntax' },
    ]);
  }
  const model = parseModel(raw);
  cache.set(idOrPath, model);
  return model;
}

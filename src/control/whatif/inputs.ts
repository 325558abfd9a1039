// Inputs of the dashboard's routes: the model and fabric a request names, input errors as
// {path, message, hint}, and a small cache of finished (deterministic) computations.
import { issuesOf } from '../../core/issues.js';
import { listFabricPresets, loadFabric, parseFabricText } from '../../fabric/index.js';
import type { Fabric } from '../../fabric/types.js';
import { listModelIds, loadModel } from '../../perf/models.js';
import type { ModelSpec } from '../../perf/types.js';
import { GridDataError } from '../../sim/grid.js';
import { SharedDataMissingError } from '../../sim/paths.js';
import { ScenarioRefError } from '../../sim/simulate.js';
import { InvalidInputError } from '../domain.js';

export function bad(path: string, message: string, hint: string, status: 400 | 422 = 422): InvalidInputError {
  return new InvalidInputError([{ path, message, hint }], status);
}

export function modelFor(id: string): ModelSpec {
  if (!listModelIds().includes(id))
    throw bad(
      'model',
      `unknown model ${JSON.stringify(id)}`,
      `use one of ${listModelIds().slice(0, 8).join(', ')}, ... (GET /v1/catalog)`,
    );
  return loadModel(id);
}

/** The fabric of a request: edited text, a preset, or the server's own. */
export async function fabricFor(serverFabric: Fabric, b: { fabric?: string; fabricText?: string }): Promise<Fabric> {
  if (b.fabricText !== undefined) {
    const r = parseFabricText(b.fabricText, 'fabricText');
    if (!r.ok)
      throw new InvalidInputError(
        r.issues.map((i) => ({ ...i, path: `fabricText: ${i.path}` })),
        422,
      );
    return r.fabric;
  }
  if (b.fabric === undefined || b.fabric === serverFabric.name) return serverFabric;
  if (!listFabricPresets().includes(b.fabric))
    throw bad(
      'fabric',
      `unknown fabric preset ${JSON.stringify(b.fabric)}`,
      `use one of ${listFabricPresets().join(', ')}`,
    );
  return loadFabric(b.fabric);
}

/** A planner error as a 422 naming the field (the planner's own issues when it has them). */
export function plannerIssues(err: unknown): InvalidInputError {
  if (err instanceof InvalidInputError) return err;
  const issues = issuesOf(err);
  if (issues) return new InvalidInputError(issues, 422);
  return bad('(body)', (err as Error).message, 'check the model, GPU count and sites');
}

/** A simulator error as a 422 naming the field; anything else unchanged. */
export function simIssues(err: unknown): unknown {
  if (err instanceof GridDataError) return new InvalidInputError(err.issues, 422);
  if (err instanceof SharedDataMissingError)
    return bad('(server)', err.message, 'the twin needs the grid data (data/grid, or SUPERFACTORY_DATA_DIR)');
  if (err instanceof ScenarioRefError)
    return bad('site', `"${err.value}" is not in the fabric`, `use one of ${err.known.join(', ')}`);
  return err;
}

/** Small LRU of finished computations (same body, same answer: everything here is deterministic). */
export class Lru<V> {
  private readonly m = new Map<string, V>();
  constructor(private readonly size: number) {}
  get(k: string): V | undefined {
    const v = this.m.get(k);
    if (v !== undefined) {
      this.m.delete(k);
      this.m.set(k, v);
    }
    return v;
  }
  set(k: string, v: V): void {
    this.m.delete(k);
    this.m.set(k, v);
    if (this.m.size > this.size) this.m.delete(this.m.keys().next().value as string);
  }
}

/** One computation per distinct key at a time; identical requests meanwhile share it; results cached. */
export function onceCache<V>(size: number): (key: string, fn: () => Promise<V>) => Promise<V> {
  const cache = new Lru<V>(size);
  const inflight = new Map<string, Promise<V>>();
  return async (key, fn) => {
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const running = inflight.get(key);
    if (running) return running;
    const p = fn().then((v) => {
      cache.set(key, v);
      return v;
    });
    inflight.set(key, p);
    try {
      return await p;
    } finally {
      inflight.delete(key);
    }
  };
}

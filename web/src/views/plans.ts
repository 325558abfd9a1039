// Plan explorer: pick a model and a fabric (a preset, the server's, or an edited copy), see the
// planner's ranked plans with their step-time breakdowns, and run the WAN capacity x latency sweep.
// The form's controls are built in plans-form.ts, the results drawn by plans-render.ts.
import { api, post } from '../api';
import { loadCatalog } from '../data';
import { announce, h, mount, options } from '../dom';
import { modelOptions, showIssues, submitForm } from '../form';
import { state } from '../state';
import type { PlanResult } from '../../../src/contract';
import type { SweepView as SweepResult } from '../../../src/contract';
import { planForm, SERVER, type PlanControls } from './plans-form';
import { planResults, sweepResults } from './plans-render';

interface PlansView extends PlanControls {
  results: HTMLElement;
  sweepOut: HTMLElement;
  /** Whether the model and fabric lists hold the catalog's entries. */
  filled: boolean;
}

/** The request both the plan and the sweep send: the model, a fabric (preset, the server's or the edited YAML). */
function requestBody(v: PlansView): Record<string, unknown> {
  const b: Record<string, unknown> = { model: v.model.value };
  if (v.useYaml.checked && v.yaml.value.trim()) b.fabricText = v.yaml.value;
  else if (v.fabric.value !== SERVER) b.fabric = v.fabric.value;
  if (v.gpus.value) b.gpus = Number(v.gpus.value);
  if (v.wanCap.value) b.wanCapacityGbps = Number(v.wanCap.value);
  if (v.wanLat.value) b.wanLatencyMs = Number(v.wanLat.value);
  return b;
}

const PLAN_FAILED = 'The planner did not run: see the form.';
const failed = (v: PlansView, err: unknown) => showIssues(v.errors, err, PLAN_FAILED);

async function fetchYaml(v: PlansView): Promise<void> {
  const id = v.fabric.value === SERVER ? (state.catalog?.serverFabric ?? 'fairwater') : v.fabric.value;
  try {
    v.yaml.value = await api<string>('GET', `/v1/explore/fabrics/${encodeURIComponent(id)}`);
  } catch (err) {
    failed(v, err);
  }
}

async function plan(v: PlansView): Promise<void> {
  await submitForm(
    v.run,
    v.errors,
    PLAN_FAILED,
    async () => {
      mount(v.results, h('p', { class: 'muted', role: 'status' }, 'Planning…'));
      const b = { ...requestBody(v), top: Number(v.top.value) || 5 };
      const r = await post<PlanResult>('/v1/explore/plans', b);
      mount(v.results, planResults(r, Math.max(600, Math.min(1200, v.results.clientWidth || 1200))));
      announce(`${r.plans.length} plan(s) for ${r.model} on ${r.fabric}.`);
    },
    () => mount(v.results),
  );
}

async function sweep(v: PlansView): Promise<void> {
  await submitForm(
    v.sweepBtn,
    v.errors,
    PLAN_FAILED,
    async () => {
      mount(
        v.sweepOut,
        h(
          'p',
          { class: 'muted', role: 'status' },
          'Sweeping WAN capacity × latency (20 planner runs; a few seconds on a 100k-GPU fabric)…',
        ),
      );
      const b = requestBody(v);
      delete b.wanCapacityGbps;
      delete b.wanLatencyMs;
      const r = await post<SweepResult>('/v1/explore/sweep', b);
      mount(v.sweepOut, sweepResults(r, Math.min(900, Math.max(500, v.sweepOut.clientWidth || 900))));
      announce(`WAN sweep done: ${r.cells.length} cells.`);
    },
    () => mount(v.sweepOut),
  );
}

/** Fill the model and fabric lists from the catalog, once (again after a failure). */
async function fill(v: PlansView): Promise<void> {
  if (v.filled) return;
  v.filled = true;
  try {
    const c = await loadCatalog();
    mount(v.model, modelOptions(c.models, 'llama3-70b'));
    mount(
      v.fabric,
      options(
        [
          { value: SERVER, label: `${c.serverFabric} (this server)` },
          ...c.fabrics.filter((f) => f !== c.serverFabric).map((f) => ({ value: f, label: f })),
        ],
        SERVER,
      ),
    );
  } catch (err) {
    v.filled = false;
    failed(v, err);
  }
}

export function createPlansView(): { el: HTMLElement; show: () => void } {
  const v: PlansView = {
    ...planForm({
      onPlan: () => void plan(v),
      onSweep: () => void sweep(v),
      onLoadYaml: () => void fetchYaml(v),
    }),
    results: h('div', { class: 'plan-results', 'aria-live': 'polite' }),
    sweepOut: h('div', { class: 'sweep-results', 'aria-live': 'polite' }),
    filled: false,
  };
  mount(v.fabric, options([{ value: SERVER, label: 'this server’s fabric' }]));
  const el = h(
    'div',
    { class: 'plans-view' },
    h('h2', { class: 'sr-only' }, 'Plan explorer'),
    v.form,
    v.results,
    v.sweepOut,
  );
  return { el, show: () => void fill(v) };
}

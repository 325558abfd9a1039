// The plan explorer's form: model, fabric, GPU budget, top plans, WAN overrides, and the fabric YAML editor.
import { field, h, options } from '../dom';
import { errorList } from '../form';

/** The fabric select's value for "this server's fabric". */
export const SERVER = '__server__';

export interface PlanControls {
  form: HTMLFormElement;
  model: HTMLSelectElement;
  fabric: HTMLSelectElement;
  gpus: HTMLInputElement;
  top: HTMLInputElement;
  wanCap: HTMLInputElement;
  wanLat: HTMLInputElement;
  yaml: HTMLTextAreaElement;
  useYaml: HTMLInputElement;
  run: HTMLButtonElement;
  sweepBtn: HTMLButtonElement;
  errors: HTMLUListElement;
}

export function planForm(on: { onPlan: () => void; onSweep: () => void; onLoadYaml: () => void }): PlanControls {
  const model = h('select', { name: 'model' }, options([{ value: 'llama3-70b', label: 'Llama 3 70B (llama3-70b)' }]));
  const fabric = h('select', { name: 'fabric' });
  const gpus = h('input', { name: 'gpus', type: 'number', min: 1, step: 1, placeholder: 'all', inputmode: 'numeric' });
  const top = h('input', { name: 'top', type: 'number', min: 1, max: 20, value: 5 });
  const wanCap = h('input', { name: 'wanCapacityGbps', type: 'number', min: 1, placeholder: 'as in fabric' });
  const wanLat = h('input', { name: 'wanLatencyMs', type: 'number', min: 0, step: 0.1, placeholder: 'as in fabric' });
  const yaml = h('textarea', {
    name: 'fabricText',
    rows: 14,
    spellcheck: 'false',
    class: 'mono',
    'aria-describedby': 'yaml-hint',
  });
  const useYaml = h('input', { type: 'checkbox', name: 'useYaml' });
  const loadYaml = h(
    'button',
    { type: 'button', class: 'secondary small', onclick: on.onLoadYaml },
    'Load the selected preset',
  );
  const run = h('button', { type: 'submit', class: 'primary' }, 'Plan');
  const sweepBtn = h('button', { type: 'button', class: 'secondary', onclick: on.onSweep }, 'Run WAN sweep');
  const errors = errorList();
  const form = h(
    'form',
    {
      class: 'plan-form',
      'aria-label': 'Plan a model on a fabric',
      onsubmit: (e: Event) => (e.preventDefault(), on.onPlan()),
    },
    h(
      'div',
      { class: 'row' },
      field('Model', model),
      field('Fabric', fabric),
      field('GPU budget', gpus),
      field('Top plans', top),
      field('WAN capacity (Gb/s)', wanCap),
      field('WAN latency (ms)', wanLat),
      h('div', { class: 'buttons' }, run, sweepBtn),
    ),
    h(
      'details',
      { class: 'edit-fabric' },
      h('summary', null, 'Edit the fabric (YAML)'),
      h(
        'p',
        { id: 'yaml-hint', class: 'muted small' },
        'Load a preset, change sites, pods or WAN links, and tick the box to plan on your copy. Errors come back with the field path.',
      ),
      h('div', { class: 'row' }, loadYaml, h('label', null, useYaml, ' plan on this edited fabric')),
      field('Fabric YAML', yaml),
    ),
    errors,
  );
  return { form, model, fabric, gpus, top, wanCap, wanLat, yaml, useYaml, run, sweepBtn, errors };
}

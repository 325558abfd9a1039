// The submit form of the jobs view: name, model, GPUs, tokens, priority, jurisdictions, checkpointing and
// preemption, the server's {path, message, hint} issues beside it; shown only to roles that may submit.
import { post, type Job } from '../api';
import { refreshJobs } from '../data';
import { announce, field, h, mount, options } from '../dom';
import { errorList, modelOptions, submitForm } from '../form';
import { canSubmit, state } from '../state';

interface SubmitInputs {
  name: HTMLInputElement;
  model: HTMLSelectElement;
  gpus: HTMLInputElement;
  tokens: HTMLInputElement;
  priority: HTMLInputElement;
  jur: HTMLInputElement;
  ckpt: HTMLInputElement;
  preempt: HTMLInputElement;
}

/** The POST /v1/jobs body from the form: empty optional fields are left out, jurisdictions upper-cased. */
function jobBody(c: SubmitInputs): Record<string, unknown> {
  const body: Record<string, unknown> = {
    name: c.name.value.trim(),
    model: c.model.value,
    checkpointable: c.ckpt.checked,
    preemptible: c.preempt.checked,
  };
  if (c.gpus.value) body.gpus = Number(c.gpus.value);
  if (c.tokens.value.trim()) body.tokens = Number(c.tokens.value.trim());
  if (c.priority.value) body.priority = Number(c.priority.value);
  const js = c.jur.value
    .split(/[\s,]+/)
    .map((s) => s.trim().toUpperCase())
    .filter(Boolean);
  if (js.length) body.allowedJurisdictions = js;
  return body;
}

export function createSubmitForm(onSubmitted: (id: string) => void): { form: HTMLFormElement; drawForm: () => void } {
  // ---- submit ----
  const name = h('input', {
    name: 'name',
    required: true,
    maxlength: 200,
    value: 'dashboard-job',
    autocomplete: 'off',
  });
  const model = h('select', { name: 'model' }, options([{ value: 'llama3-8b', label: 'Llama 3 8B (llama3-8b)' }]));
  const gpus = h('input', { name: 'gpus', type: 'number', min: 1, step: 1, value: 72, inputmode: 'numeric' });
  const tokens = h('input', {
    name: 'tokens',
    type: 'text',
    placeholder: 'optional, e.g. 1e12',
    inputmode: 'decimal',
    autocomplete: 'off',
  });
  const priority = h('input', { name: 'priority', type: 'number', min: -1000, max: 1000, step: 1, value: 0 });
  const jur = h('input', {
    name: 'jurisdictions',
    type: 'text',
    placeholder: 'optional: US-GA, US-WI',
    autocomplete: 'off',
  });
  const ckpt = h('input', { name: 'checkpointable', type: 'checkbox', checked: true });
  const preempt = h('input', { name: 'preemptible', type: 'checkbox', checked: true });
  const submitBtn = h('button', { type: 'submit', class: 'primary' }, 'Submit job');
  const formErrors = errorList();
  const form = h(
    'form',
    { class: 'submit-form', 'aria-labelledby': 'submit-title', onsubmit: (e: Event) => void submit(e) },
    h('h2', { id: 'submit-title' }, 'Submit a job'),
    field('Name', name),
    field('Model', model),
    h('div', { class: 'row2' }, field('GPUs', gpus), field('Priority', priority)),
    h('div', { class: 'row2' }, field('Tokens to train', tokens), field('Allowed jurisdictions', jur)),
    h('div', { class: 'checks' }, h('label', null, ckpt, ' checkpointable'), h('label', null, preempt, ' preemptible')),
    formErrors,
    submitBtn,
  );

  async function submit(e: Event): Promise<void> {
    e.preventDefault();
    await submitForm(submitBtn, formErrors, 'The job was not submitted: see the form.', async () => {
      const body = jobBody({ name, model, gpus, tokens, priority, jur, ckpt, preempt });
      const r = await post<{ job: Job }>('/v1/jobs', body, { 'idempotency-key': crypto.randomUUID() });
      announce(`Job ${r.job.name} submitted (${r.job.id}).`);
      await refreshJobs();
      onSubmitted(r.job.id);
    });
  }

  function drawForm(): void {
    form.hidden = !canSubmit();
    const c = state.catalog;
    if (c && model.options.length !== c.models.length) {
      const cur = model.value;
      mount(model, modelOptions(c.models, cur));
    }
  }

  return { form, drawForm };
}

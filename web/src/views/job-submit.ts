// The submit form of the jobs view: name, model, GPUs, tokens, priority, jurisdictions, checkpointing and
// preemption, the server's {path, message, hint} issues beside it; shown only to roles that may submit.
import { ApiError, post, type Job } from '../api';
import { refreshJobs } from '../data';
import { announce, field, h, mount, options } from '../dom';
import { canSubmit, state } from '../state';

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
  const formErrors = h('ul', { class: 'errors', role: 'alert' });
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
    mount(formErrors);
    const body: Record<string, unknown> = {
      name: name.value.trim(),
      model: model.value,
      checkpointable: ckpt.checked,
      preemptible: preempt.checked,
    };
    if (gpus.value) body.gpus = Number(gpus.value);
    if (tokens.value.trim()) body.tokens = Number(tokens.value.trim());
    if (priority.value) body.priority = Number(priority.value);
    const js = jur.value
      .split(/[\s,]+/)
      .map((s) => s.trim().toUpperCase())
      .filter(Boolean);
    if (js.length) body.allowedJurisdictions = js;
    submitBtn.disabled = true;
    try {
      const r = await post<{ job: Job }>('/v1/jobs', body, { 'idempotency-key': crypto.randomUUID() });
      announce(`Job ${r.job.name} submitted (${r.job.id}).`);
      await refreshJobs();
      onSubmitted(r.job.id);
    } catch (err) {
      const issues = err instanceof ApiError ? err.issues : [{ path: '', message: String(err), hint: '' }];
      mount(
        formErrors,
        issues.map((i) =>
          h(
            'li',
            null,
            h('b', null, i.path),
            `: ${i.message}`,
            i.hint ? h('span', { class: 'muted' }, ` — ${i.hint}`) : null,
          ),
        ),
      );
      announce('The job was not submitted: see the form.', 'error');
    } finally {
      submitBtn.disabled = false;
    }
  }

  function drawForm(): void {
    form.hidden = !canSubmit();
    const c = state.catalog;
    if (c && model.options.length !== c.models.length) {
      const cur = model.value;
      mount(
        model,
        options(
          c.models.map((m) => ({ value: m.id, label: `${m.name} (${m.id})` })),
          cur,
        ),
      );
    }
  }

  return { form, drawForm };
}

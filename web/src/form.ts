// Form helpers shared by the dashboard's forms (job submit, plan explorer, what-if): the error list that shows the
// server's {path, message, hint} issues beside a form, and the model picker's options from the catalog.
import { ApiError, type Catalog } from './api';
import { announce, h, mount, options } from './dom';

/** The empty list a form's issues are shown in (an alert: screen readers read it when it fills). */
export function errorList(): HTMLUListElement {
  return h('ul', { class: 'errors', role: 'alert' });
}

/** Show a failed request's issues in `list` (an unexpected error as one issue) and announce `message`. */
export function showIssues(list: HTMLElement, err: unknown, message: string): void {
  const issues = err instanceof ApiError ? err.issues : [{ path: '', message: String(err), hint: '' }];
  mount(
    list,
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
  announce(message, 'error');
}

/** The catalog's models as options labelled "Name (id)". */
export function modelOptions(models: Catalog['models'], selected?: string): HTMLOptionElement[] {
  return options(
    models.map((m) => ({ value: m.id, label: `${m.name} (${m.id})` })),
    selected,
  );
}

/**
 * One form request: clears the issue list and disables `button` while `run` works; on failure `undo` clears what
 * `run` drew and the issues are shown with `failMessage`. The button comes back either way.
 */
export async function submitForm(
  button: HTMLButtonElement,
  errors: HTMLElement,
  failMessage: string,
  run: () => Promise<void>,
  undo: () => void = () => {},
): Promise<void> {
  mount(errors);
  button.disabled = true;
  try {
    await run();
  } catch (err) {
    undo();
    showIssues(errors, err, failMessage);
  } finally {
    button.disabled = false;
  }
}

// Tiny DOM helpers: the whole "framework". h() builds elements, svg() builds SVG, text nodes from
// strings; handlers are `on<event>` props. Views own their subtree and patch it in place.

export type Child = Node | string | number | null | undefined | false | Child[];
type Handler = (ev: Event) => void;
export type Props = Record<string, string | number | boolean | null | undefined | Handler>;

function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : String(c));
  }
}

function apply(el: Element, props: Props | undefined): void {
  if (!props) return;
  for (const [k, v] of Object.entries(props)) {
    if (v === null || v === undefined || v === false) continue;
    if (typeof v === 'function') {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (k === 'value' && 'value' in el) {
      (el as HTMLInputElement).value = String(v);
    } else if (k === 'checked' && el instanceof HTMLInputElement) {
      el.checked = Boolean(v);
    } else if (k === 'selected' && el instanceof HTMLOptionElement) {
      el.selected = Boolean(v);
    } else {
      el.setAttribute(k, v === true ? '' : String(v));
    }
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  apply(el, props ?? undefined);
  append(el, children);
  return el;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  props?: Props | null,
  ...children: Child[]
): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
  apply(el, props ?? undefined);
  append(el, children);
  return el;
}

/** Replace an element's children. */
export function mount(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function $<T extends Element = HTMLElement>(sel: string, root: ParentNode = document): T {
  const el = root.querySelector<T>(sel);
  if (!el) throw new Error(`no element ${sel}`);
  return el;
}

/** A labelled form field: <label for=id>text</label><control id=id>. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h('small', { id: `${id}-hint`, class: 'hint' }, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, hintEl);
}

export function options(
  values: readonly (string | { value: string; label: string })[],
  selected?: string,
): HTMLOptionElement[] {
  return values.map((v) => {
    const o = typeof v === 'string' ? { value: v, label: v } : v;
    return h('option', { value: o.value, selected: o.value === selected }, o.label);
  });
}

/** Announce a message to screen readers (and show it in the status line). */
export function announce(msg: string, kind: 'info' | 'error' = 'info'): void {
  const el = document.getElementById('status-line');
  if (!el) return;
  el.textContent = msg;
  el.dataset.kind = kind;
}

/**
 * A modal confirmation (native <dialog>: focus trapped, Escape cancels). Resolves true only when the
 * person presses the confirm button.
 */
export function confirmDialog(title: string, body: string, confirmLabel: string): Promise<boolean> {
  return new Promise((resolve) => {
    const dlg = h('dialog', {
      class: 'confirm',
      'aria-labelledby': 'confirm-title',
      'aria-describedby': 'confirm-body',
    });
    const done = (ok: boolean) => {
      dlg.close();
      dlg.remove();
      resolve(ok);
    };
    const keep = h('button', { type: 'button', class: 'secondary', onclick: () => done(false) }, 'Keep as is');
    mount(
      dlg,
      h('h2', { id: 'confirm-title' }, title),
      h('p', { id: 'confirm-body' }, body),
      h(
        'div',
        { class: 'actions' },
        keep,
        h(
          'button',
          { type: 'button', class: 'danger', 'data-action': 'confirm', onclick: () => done(true) },
          confirmLabel,
        ),
      ),
    );
    dlg.addEventListener('cancel', (e) => (e.preventDefault(), done(false)));
    document.body.append(dlg);
    dlg.showModal();
    keep.focus();
  });
}

/**
 * A small dialog form (a few labelled text fields), for the dialogs that ask more than one
 * thing: `Create data job` (name and team) and `Deploy data job` (team and reason).
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

export interface IField {
  name: string;
  label: string;
  value?: string;
  placeholder?: string;
  /** Checked as it is typed: a message saying what is wrong, or '' when it is fine. */
  check?: (value: string) => string;
}

class FormBody
  extends Widget
  implements Dialog.IBodyWidget<Record<string, string>>
{
  constructor(intro: string, fields: IField[], extra?: HTMLElement) {
    super();
    this.addClass('vdk-form');
    const text = document.createElement('p');
    text.className = 'vdk-form-intro';
    text.textContent = intro;
    this.node.appendChild(text);
    if (extra) {
      this.node.appendChild(extra);
    }
    for (const field of fields) {
      const label = document.createElement('label');
      label.className = 'vdk-form-field';
      const caption = document.createElement('span');
      caption.textContent = field.label;
      const input = document.createElement('input');
      input.className = 'jp-mod-styled';
      input.name = field.name;
      input.value = field.value ?? '';
      input.placeholder = field.placeholder ?? '';
      input.spellcheck = false;
      const problem = document.createElement('span');
      problem.className = 'vdk-form-problem';
      problem.setAttribute('role', 'alert');
      const check = (): void => {
        const message = field.check ? field.check(input.value.trim()) : '';
        problem.textContent = input.value.trim() ? message : '';
        input.classList.toggle('vdk-invalid', !!problem.textContent);
      };
      input.oninput = check;
      check();
      label.append(caption, input, problem);
      this.node.appendChild(label);
      this._inputs.set(field.name, input);
    }
  }

  getValue(): Record<string, string> {
    const value: Record<string, string> = {};
    this._inputs.forEach((input, name) => (value[name] = input.value.trim()));
    return value;
  }

  protected onAfterAttach(): void {
    this._inputs.values().next().value?.focus();
  }

  private _inputs = new Map<string, HTMLInputElement>();
}

/** The values typed, or null if the user cancelled. */
export async function askForm(
  title: string,
  intro: string,
  fields: IField[],
  okLabel: string,
  extra?: HTMLElement // shown between the intro and the fields
): Promise<Record<string, string> | null> {
  const body = new FormBody(intro, fields, extra);
  const answer = await showDialog({
    title,
    body,
    focusNodeSelector: 'input',
    buttons: [Dialog.cancelButton(), Dialog.okButton({ label: okLabel })]
  });
  return answer.button.accept ? (answer.value ?? body.getValue()) : null;
}

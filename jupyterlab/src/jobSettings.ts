/**
 * Properties and secrets of the selected deployed job, in the `Show data jobs` panel, loaded
 * when the user opens the section. Properties are edited as one JSON object, checked before it
 * is sent. Secrets are set or deleted by name: a value is typed into a password field, sent once
 * and cleared; the server answers names only, so no value is ever shown back.
 */
import { Dialog, showDialog } from '@jupyterlab/apputils';

import * as api from './api';
import { element } from './jobsView';

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** The JSON object typed by the user, or why it is not one. */
export function parseProperties(
  text: string
): { properties: Record<string, unknown> } | { error: string } {
  let value: unknown;
  try {
    value = JSON.parse(text.trim() || '{}');
  } catch (error) {
    return { error: `Not JSON: ${messageOf(error)}` };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      error:
        'Properties are one JSON object of names to values, for example {"rows": 100}.'
    };
  }
  if (Object.keys(value).some(key => !key.trim())) {
    return { error: 'A property name cannot be empty.' };
  }
  return { properties: value as Record<string, unknown> };
}

export class JobSettings {
  readonly node = element('details', 'vdk-job-settings');

  constructor() {
    const summary = element(
      'summary',
      'vdk-job-settings-title',
      'Properties and secrets'
    );
    this._properties.className = 'jp-mod-styled vdk-properties';
    this._properties.rows = 6;
    this._properties.spellcheck = false;
    this._properties.setAttribute('aria-label', 'Properties (JSON)');
    this._properties.onkeydown = event => event.stopPropagation();
    this._saveProperties.onclick = () => void this._save();
    this._secretName.className = 'jp-mod-styled';
    this._secretName.placeholder = 'name';
    this._secretName.setAttribute('aria-label', 'Secret name');
    this._secretValue.className = 'jp-mod-styled';
    this._secretValue.type = 'password';
    this._secretValue.autocomplete = 'new-password';
    this._secretValue.placeholder = 'value';
    this._secretValue.setAttribute('aria-label', 'Secret value');
    for (const input of [this._secretName, this._secretValue]) {
      input.onkeydown = event => event.stopPropagation();
    }
    const form = element('form', 'vdk-secret-form');
    form.append(this._secretName, this._secretValue, this._setSecret);
    this._setSecret.type = 'submit';
    form.onsubmit = event => {
      event.preventDefault();
      void this._set();
    };
    this._message.setAttribute('role', 'status');
    this._secrets.setAttribute('aria-label', 'Secrets');
    this.node.append(
      summary,
      element('h4', 'vdk-settings-heading', 'Properties'),
      this._properties,
      this._saveProperties,
      element('h4', 'vdk-settings-heading', 'Secrets'),
      this._secrets,
      form,
      this._message
    );
    this.node.addEventListener('toggle', () => {
      if ((this.node as HTMLDetailsElement).open) {
        void this._load();
      }
    });
  }

  /** Shows the settings of another job (loaded when the section is open). */
  show(team: string, job: string): void {
    if (team === this._team && job === this._job) {
      return;
    }
    this._team = team;
    this._job = job;
    this._properties.value = '';
    this._secrets.replaceChildren();
    this._say('');
    if ((this.node as HTMLDetailsElement).open) {
      void this._load();
    }
  }

  private async _load(): Promise<void> {
    const { _team: team, _job: job } = this;
    const current = (): boolean => team === this._team && job === this._job;
    this._say('');
    try {
      const properties = await api.jobProperties(team, job);
      if (current()) {
        this._properties.value = JSON.stringify(properties.properties, null, 2);
      }
    } catch (error) {
      if (current()) {
        this._say(messageOf(error), true);
      }
    }
    try {
      const secrets = await api.secretNames(team, job);
      if (current()) {
        this._showSecrets(secrets.names);
      }
    } catch (error) {
      if (current()) {
        this._say(messageOf(error), true);
      }
    }
  }

  private async _save(): Promise<void> {
    const parsed = parseProperties(this._properties.value);
    if ('error' in parsed) {
      this._say(parsed.error, true);
      return;
    }
    try {
      await api.setJobProperties(this._team, this._job, parsed.properties);
      this._properties.value = JSON.stringify(parsed.properties, null, 2);
      this._say(`Properties of ${this._job} saved.`);
    } catch (error) {
      this._say(messageOf(error), true);
    }
  }

  private async _set(): Promise<void> {
    const key = this._secretName.value.trim();
    const value = this._secretValue.value;
    if (!key || !value) {
      this._say('Give the secret a name and a value.', true);
      return;
    }
    this._secretValue.value = '';
    try {
      this._showSecrets(
        (await api.setSecret(this._team, this._job, key, value)).names
      );
      this._secretName.value = '';
      this._say(`Secret ${key} set.`);
    } catch (error) {
      this._say(messageOf(error), true);
    }
  }

  private async _delete(key: string): Promise<void> {
    const answer = await showDialog({
      title: 'Delete the secret?',
      body: `Delete secret ${key} of ${this._job}? The job can no longer read it.`,
      buttons: [Dialog.cancelButton(), Dialog.warnButton({ label: 'Delete' })]
    });
    if (!answer.button.accept) {
      return;
    }
    try {
      this._showSecrets(
        (await api.setSecret(this._team, this._job, key, null)).names
      );
      this._say(`Secret ${key} deleted.`);
    } catch (error) {
      this._say(messageOf(error), true);
    }
  }

  private _showSecrets(names: string[]): void {
    this._secrets.replaceChildren(
      ...(names.length
        ? names.map(key => {
            const item = element('li', 'vdk-secret', key);
            item.dataset.secret = key;
            const remove = element(
              'button',
              'jp-Button jp-mod-styled vdk-link',
              'Delete'
            );
            remove.setAttribute('aria-label', `Delete secret ${key}`);
            remove.onclick = () => void this._delete(key);
            item.append(' ', remove);
            return item;
          })
        : [element('li', 'vdk-secret-none', 'No secrets.')])
    );
  }

  private _say(message: string, error = false): void {
    this._message.textContent = message;
    this._message.classList.toggle('vdk-settings-error', error);
  }

  private _team = '';
  private _job = '';
  private _properties = document.createElement('textarea');
  private _saveProperties = element(
    'button',
    'jp-Button jp-mod-styled vdk-button',
    'Save properties'
  );
  private _secrets = element('ul', 'vdk-secrets');
  private _secretName = document.createElement('input');
  private _secretValue = document.createElement('input');
  private _setSecret = element(
    'button',
    'jp-Button jp-mod-styled vdk-button',
    'Set secret'
  );
  private _message = element('p', 'vdk-settings-message');
}

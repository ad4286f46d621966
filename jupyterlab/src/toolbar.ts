/**
 * The VDK part of a notebook's toolbar, shown only for notebooks inside a data job folder:
 * `Run job` with its menu of partial runs, the optional JSON arguments field, and the status
 * of the job's current or last run (a short pill: the whole message on hover, the log on click)
 * with what can be done next (Stop, Repair, Report). Everything is compact, so that it stays in
 * the toolbar, out of its "more" menu, in a notebook narrowed by both side bars.
 */
import {
  LabIcon,
  caretDownEmptyIcon,
  fileUploadIcon,
  notebookIcon,
  refreshIcon,
  runIcon,
  stopIcon
} from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';
import { Menu, Widget } from '@lumino/widgets';

import { IPlan } from './api';
import { DeployController } from './deploy';
import { REPAIR_COMMAND, RunController } from './run';

export const RUN_COMMAND = 'vdk:run-job';
export const RUN_FROM_COMMAND = 'vdk:run-from-notebook';
export const RUN_ONLY_COMMAND = 'vdk:run-notebook-only';
export const DEPLOY_COMMAND = 'vdk:deploy-job';

export type Arguments = Record<string, unknown> | null;

/** Parses the arguments field: empty means none; anything else must be a JSON object. */
export function parseArguments(
  text: string
): { value: Arguments } | { error: string } {
  if (!text.trim()) {
    return { value: null };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return {
      error: `The job arguments are not valid JSON (${(error as Error).message}). Example: {"day": "2026-11-25"}`
    };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const what = Array.isArray(value) ? 'a list' : JSON.stringify(value);
    return {
      error: `The job arguments must be a JSON object such as {"day": "2026-11-25"}, not ${what}.`
    };
  }
  return { value: value as Record<string, unknown> };
}

/**
 * A compact toolbar button as JupyterLab's own: an icon and a short label; the title says
 * what it does in full.
 */
function button(
  icon: LabIcon,
  label: string,
  className: string,
  title: string,
  onClick: () => void
): HTMLButtonElement {
  const node = document.createElement('button');
  node.className = `jp-Button vdk-button ${className}`;
  node.append(
    icon.element({ tag: 'span', className: 'vdk-button-icon' }),
    Object.assign(document.createElement('span'), {
      className: 'vdk-button-label',
      textContent: label
    })
  );
  node.title = title;
  if (!label) {
    node.setAttribute('aria-label', title);
  }
  node.onclick = event => {
    event.preventDefault();
    onClick();
  };
  return node;
}

/** Sets the label of a button made by `button`, keeping its icon. */
function relabel(node: HTMLButtonElement, label: string): void {
  const span = node.querySelector('.vdk-button-label');
  if (span) {
    span.textContent = label;
  }
}

export class VdkToolbar extends Widget {
  constructor(
    private _commands: CommandRegistry,
    private _runs: RunController,
    private _deploys: DeployController,
    private _path: () => string
  ) {
    super();
    this.addClass('vdk-toolbar');
    this.hide();
    this._run = button(
      runIcon,
      'Run job',
      'vdk-run-button',
      'Save the notebook and run its data job with vdk run',
      () => void this._commands.execute(RUN_COMMAND, { path: this._path() })
    );
    this._more = button(
      caretDownEmptyIcon,
      '',
      'vdk-run-menu-button',
      'More ways to run: repair the last run, run from this notebook, run this notebook only',
      () => this._openMenu()
    );
    this._more.setAttribute('aria-label', 'More ways to run the data job');
    this._more.setAttribute('aria-haspopup', 'menu');
    this._args = document.createElement('input');
    this._args.className = 'vdk-arguments';
    // Narrow until it is used: it widens while focused or filled (style/base.css).
    this._args.placeholder = '{args}';
    this._args.title =
      'Job arguments as a JSON object, such as {"day": "2026-11-25"}, passed as vdk run --arguments';
    this._args.setAttribute('aria-label', 'Job arguments (JSON object)');
    this._args.spellcheck = false;
    this._args.oninput = () => {
      this._args.classList.remove('vdk-invalid');
      this._args.classList.toggle('vdk-filled', this._args.value !== '');
    };
    this._args.onkeydown = event => {
      event.stopPropagation(); // keep notebook shortcuts out of the field
      if (event.key === 'Enter') {
        this._run.click();
      }
    };
    // A short pill; the whole message is its tooltip, and a click opens the run's log.
    this._status = document.createElement('button');
    this._status.className = 'vdk-run-status';
    this._status.onclick = event => {
      event.preventDefault();
      this._runs.openLog(this._jobPath);
    };
    this._stop = button(
      stopIcon,
      'Stop',
      'vdk-stop-button',
      'Stop the run (as Ctrl-C); its report is still written',
      () => void this._runs.stop(this._jobPath)
    );
    this._repair = button(
      refreshIcon,
      '', // an icon only: the failure's notification offers "Repair run" in words
      'vdk-repair-button',
      'Run again from the step that failed (or changed), skipping the steps before it: shows the plan first',
      () => void this._commands.execute(REPAIR_COMMAND, { path: this._path() })
    );
    this._report = button(
      notebookIcon,
      '', // an icon only, as JupyterLab's own toolbar buttons: room for Repair and Deploy
      'vdk-report-button',
      'Open the executed notebook of the run (read-only)',
      () => void this._runs.openReport(this._jobPath)
    );
    this._report.setAttribute('aria-label', 'Open run report');
    this._deploy = button(
      fileUploadIcon,
      'Deploy',
      'vdk-deploy-button',
      'Deploy the data job to the Control Service (VDK Cloud)',
      () => void this._commands.execute(DEPLOY_COMMAND, { path: this._path() })
    );
    this.node.append(
      this._run,
      this._more,
      this._args,
      this._status,
      this._stop,
      this._repair,
      this._report
    );
    // An item of its own, after this one: where the toolbar is too narrow, JupyterLab moves it
    // alone into the toolbar's "more" menu, and the run's status stays in view.
    this.deployItem = new Widget({ node: document.createElement('div') });
    this.deployItem.addClass('vdk-toolbar');
    this.deployItem.addClass('vdk-deploy-item');
    this.deployItem.hide();
    this.deployItem.node.append(this._deploy);
    const onChange = (_: unknown, jobPath: string): void => {
      if (jobPath === this._jobPath) {
        this._render();
      }
    };
    // With `this`: disconnected when the notebook (and so this widget) is disposed.
    this._runs.changed.connect(onChange, this);
    this._deploys.changed.connect(onChange, this);
  }

  /** The arguments to run with, or null after telling the user what is wrong with them. */
  arguments(): { value: Arguments } | { error: string } {
    const parsed = parseArguments(this._args.value);
    this._args.classList.toggle('vdk-invalid', 'error' in parsed);
    if ('error' in parsed) {
      this._args.title = parsed.error;
      this._args.focus();
    }
    return parsed;
  }

  /** Shows or hides the toolbar part as the notebook enters or leaves a job folder. */
  onPlan(plan: IPlan): void {
    this._jobPath = plan.job ? plan.job.path : '';
    this.setHidden(plan.job === null);
    this.deployItem.setHidden(plan.job === null);
    this._render();
  }

  private _render(): void {
    const state = this._jobPath ? this._runs.state(this._jobPath) : undefined;
    const running = state?.phase === 'running' || state?.phase === 'stopping';
    this._status.textContent = state?.text ?? '';
    this._status.dataset.phase = state?.phase ?? '';
    this._status.hidden = !state;
    const stepError = state?.result?.failed_cell
      ? null
      : state?.result?.failed_step?.error?.message;
    // Which database the run used ("PostgreSQL at host:port/dbname"), unless the message
    // already says it.
    const database = state?.result?.database?.label;
    const databaseLine =
      database && !state?.result?.message.includes(database)
        ? `Database: ${database}`
        : null;
    this._status.title = [
      state?.detail,
      stepError,
      databaseLine,
      state?.runId ? 'Click for the log of vdk run.' : null
    ]
      .filter(Boolean)
      .join('\n\n');
    this._stop.hidden = !running;
    this._stop.disabled = state?.phase === 'stopping';
    this._repair.hidden =
      running || !(state?.phase === 'failed' || state?.phase === 'stopped');
    this._report.hidden = running || !state?.reports.length;
    const deploying = this._deploys.isDeploying(this._jobPath);
    this._deploy.disabled = deploying;
    relabel(this._deploy, deploying ? 'Deploying…' : 'Deploy');
    this._deploy.setAttribute('aria-busy', String(deploying));
  }

  private _openMenu(): void {
    const menu = new Menu({ commands: this._commands });
    menu.addClass('vdk-run-menu');
    const args = { path: this._path() };
    for (const command of [
      REPAIR_COMMAND,
      RUN_FROM_COMMAND,
      RUN_ONLY_COMMAND
    ]) {
      menu.addItem({ command, args });
    }
    const box = this._more.getBoundingClientRect();
    menu.open(box.left, box.bottom);
  }

  /** `Deploy data job`, for the notebook's toolbar beside this widget. */
  readonly deployItem: Widget;
  private _jobPath = '';
  private _run: HTMLButtonElement;
  private _args: HTMLInputElement;
  private _status: HTMLButtonElement;
  private _more: HTMLButtonElement;
  private _stop: HTMLButtonElement;
  private _repair: HTMLButtonElement;
  private _report: HTMLButtonElement;
  private _deploy: HTMLButtonElement;
}

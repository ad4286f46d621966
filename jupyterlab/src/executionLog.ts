/**
 * A deployed job's execution logs in a JupyterLab tab: read-only, with search and VDK's step
 * lines marked. While the execution has not finished it asks again, soon after a change and
 * less often while nothing changes (up to MAX_DELAY_MS, so that a new line shows within 2 s),
 * never while the tab is hidden; at the end it shows the final status. Where the service keeps no logs it links its logs_url, or says
 * that there is none.
 */
import { Dialog, MainAreaWidget, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { element, statusBadge } from './jobsView';

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 1500;
/** Lines of vdk run where a step starts or ends (vdk-core's data_job log lines). */
const STEP_LINE =
  /\b(Processing step|Step \S+ (completed|failed|ended))|\bstep[_ ](started|finished)\b/i;

/** Asks, then cancels: true if cancelled (failures are shown in a dialog). */
export async function confirmCancel(
  team: string,
  job: string,
  execution: api.IExecution
): Promise<api.IExecution | null> {
  const answer = await showDialog({
    title: 'Cancel the execution?',
    body: `Execution ${execution.id} of ${job} is ${execution.status_text}. Cancel it?`,
    buttons: [
      Dialog.cancelButton({ label: 'Keep running' }),
      Dialog.warnButton({ label: 'Cancel execution' })
    ]
  });
  if (!answer.button.accept) {
    return null;
  }
  try {
    return (await api.cancelExecution(team, job, execution.id)).execution;
  } catch (error) {
    await showDialog({
      title: 'The execution was not cancelled',
      body: error instanceof Error ? error.message : String(error),
      buttons: [Dialog.okButton()]
    });
    return null;
  }
}

export class ExecutionLog extends Widget {
  constructor(
    readonly team: string,
    readonly job: string,
    readonly executionId: string
  ) {
    super();
    this.addClass('vdk-execution-log');
    this._search.type = 'search';
    this._search.className = 'jp-mod-styled vdk-log-search';
    this._search.placeholder = 'Search the logs';
    this._search.setAttribute('aria-label', 'Search the logs');
    this._search.onkeydown = event => event.stopPropagation();
    this._search.oninput = () => this._render();
    this._cancel.onclick = () => void this._cancelExecution();
    const bar = element('div', 'vdk-log-bar');
    bar.append(this._status, this._matches, this._search, this._cancel);
    this._lines.setAttribute('aria-label', 'Logs');
    this._lines.tabIndex = 0;
    this.node.append(bar, this._note, this._lines);
    void this._poll();
  }

  /** How many times the service was asked (for tests and the benchmark). */
  get requests(): number {
    return this._requests;
  }

  protected onAfterShow(): void {
    if (!this._finished && this._timer === null && !this._loading) {
      void this._poll();
    }
  }

  protected onAfterHide(): void {
    this._stop();
  }

  dispose(): void {
    this._stop();
    super.dispose();
  }

  private async _poll(): Promise<void> {
    this._stop();
    this._loading = true;
    let answer: api.IExecutionLogs;
    try {
      this._requests++;
      answer = await api.executionLogs(this.team, this.job, this.executionId);
    } catch (error) {
      this._note.textContent =
        error instanceof Error ? error.message : String(error);
      this._note.hidden = false;
      this._loading = false;
      this._schedule(false);
      return;
    }
    this._loading = false;
    if (this.isDisposed) {
      return;
    }
    const changed =
      answer.logs !== this._text ||
      answer.execution.status !== this._execution?.status;
    this._execution = answer.execution;
    this._finished = answer.execution.finished;
    this._status.replaceChildren(statusBadge(answer.execution));
    this._cancel.hidden = answer.execution.finished;
    this._showNote(answer);
    // A service that drops an ended execution's logs: what was shown stays.
    if (answer.logs !== this._text && answer.logs !== null) {
      this._text = answer.logs;
      this._render();
    }
    this._schedule(changed);
  }

  private _schedule(changed: boolean): void {
    if (this._finished || !this.isVisible || this.isDisposed) {
      return;
    }
    this._delay = changed
      ? FIRST_DELAY_MS
      : Math.min(this._delay * 2, MAX_DELAY_MS);
    this._timer = window.setTimeout(() => {
      this._timer = null;
      void this._poll();
    }, this._delay);
  }

  private _stop(): void {
    if (this._timer !== null) {
      window.clearTimeout(this._timer);
      this._timer = null;
    }
  }

  private _showNote(answer: api.IExecutionLogs): void {
    this._note.replaceChildren();
    this._note.hidden = answer.logs !== null;
    if (answer.logs !== null) {
      return;
    }
    const shown = this._text !== null;
    if (answer.logs_url) {
      const link = element('a', 'vdk-log-link', answer.logs_url);
      link.href = answer.logs_url;
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      this._note.append(
        shown
          ? 'The complete logs are kept elsewhere: '
          : 'The Control Service keeps these logs elsewhere: ',
        link
      );
      if (!this._opened && !shown) {
        this._opened = true;
        window.open(answer.logs_url, '_blank', 'noopener,noreferrer');
      }
    } else if (!shown) {
      this._note.textContent =
        'The Control Service has no logs of this execution and links none ' +
        `(it keeps them only while an execution runs). Try: vdk execute --logs -n ${this.job} -t ${this.team} --execution-id ${this.executionId}`;
    }
  }

  private _render(): void {
    const atEnd =
      this._lines.scrollTop + this._lines.clientHeight >=
      this._lines.scrollHeight - 4;
    const wanted = this._search.value.trim().toLowerCase();
    const lines = (this._text ?? '').split('\n');
    if (lines.length && lines[lines.length - 1] === '') {
      lines.pop();
    }
    let matches = 0;
    const items = lines.map(line => {
      const item = element('div', 'vdk-log-line', line || ' ');
      if (STEP_LINE.test(line)) {
        item.classList.add('vdk-log-step');
      }
      if (wanted && line.toLowerCase().includes(wanted)) {
        item.classList.add('vdk-log-match');
        matches++;
      }
      return item;
    });
    this._lines.replaceChildren(...items);
    this._matches.textContent = wanted
      ? `${matches} line${matches === 1 ? '' : 's'} match`
      : '';
    if (wanted) {
      this._lines.querySelector('.vdk-log-match')?.scrollIntoView({
        block: 'nearest'
      });
    } else if (atEnd) {
      this._lines.scrollTop = this._lines.scrollHeight;
    }
  }

  private async _cancelExecution(): Promise<void> {
    if (!this._execution) {
      return;
    }
    const after = await confirmCancel(this.team, this.job, this._execution);
    if (after) {
      void this._poll();
    }
  }

  private _status = element('span', 'vdk-log-status');
  private _matches = element('span', 'vdk-log-matches');
  private _search = document.createElement('input');
  private _cancel = element(
    'button',
    'jp-Button jp-mod-styled jp-mod-warn vdk-button vdk-cancel',
    'Cancel'
  );
  private _note = element('p', 'vdk-log-note');
  private _lines = element('div', 'vdk-log-lines');
  private _execution: api.IExecution | null = null;
  private _text: string | null = null;
  private _finished = false;
  private _loading = false;
  private _opened = false;
  private _delay = FIRST_DELAY_MS;
  private _timer: number | null = null;
  private _requests = 0;
}

export function executionLogWidget(
  team: string,
  job: string,
  executionId: string
): MainAreaWidget<ExecutionLog> {
  const widget = new MainAreaWidget({
    content: new ExecutionLog(team, job, executionId)
  });
  widget.id = `vdk-execution-log-${executionId}`;
  widget.title.label = `Logs: ${job}`;
  widget.title.caption = `Logs of execution ${executionId} of data job ${job} (team ${team})`;
  widget.title.closable = true;
  return widget;
}

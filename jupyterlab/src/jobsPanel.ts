/**
 * `Show data jobs`: a side panel with a team's deployed jobs (GET deployed-jobs), a selected
 * job's recent executions with their logs (in a tab) and Cancel, `Execute now` and
 * Enable/Disable (docs/deploy-api.md). It refreshes
 * on demand, and by itself every few seconds while the selected job's newest execution has not
 * finished, only while the panel is visible. Control Service errors show as one line in the panel.
 */
import { Notification } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { confirmCancel } from './executionLog';
import { JobSettings } from './jobSettings';
import { jobsLoaded } from './jobStatus';
import { element, executionItem, jobItem } from './jobsView';

export const JOBS_COMMAND = 'vdk:show-jobs';

/** How to set the Control Service from JupyterLab itself, without a terminal. */
export const NOT_CONFIGURED_HELP =
  'Without a terminal: run `!vdk set-default -u <url>` in a notebook cell (and `!vdk login` ' +
  'if the service needs it). The URL is saved in ~/.vdk.internal of the user running the ' +
  'Jupyter server, which reads it on every request: no restart is needed, press Refresh. ' +
  '(An environment variable VDK_CONTROL_SERVICE_REST_API_URL set before starting Jupyter ' +
  'also works, and wins.)';
const POLL_MS = 3000;

const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/** Opens an execution's logs in a tab. */
export type OpenLogs = (team: string, job: string, executionId: string) => void;

export class JobsPanel extends Widget {
  constructor(private readonly _openLogs: OpenLogs) {
    super();
    this.id = 'vdk-jobs-panel';
    this.addClass('vdk-jobs');
    this.title.caption = 'Deployed data jobs';
    const form = element('form', 'vdk-jobs-team');
    const label = element('label', 'vdk-jobs-team-label', 'Team');
    this._team.className = 'jp-mod-styled vdk-jobs-team-input';
    this._team.setAttribute('aria-label', 'Team');
    this._team.placeholder = 'team in config.ini';
    this._team.spellcheck = false;
    this._team.size = 10; // the sidebar is narrow; the field grows with it
    this._team.onkeydown = event => event.stopPropagation();
    label.append(this._team);
    const refresh = this._refresh;
    refresh.type = 'submit';
    form.append(label, refresh);
    form.onsubmit = event => {
      event.preventDefault();
      this.refresh();
    };
    this._error.setAttribute('role', 'alert');
    this._jobs.setAttribute('aria-label', 'Data jobs');
    this._executions.setAttribute('aria-label', 'Executions');
    this._execute.onclick = () => void this._executeNow();
    this._enable.onclick = () => void this._toggleEnabled();
    const actions = element('div', 'vdk-job-actions');
    actions.append(this._execute, this._enable);
    this._detail.setAttribute('aria-label', 'Executions of the selected job');
    this._detail.append(
      this._detailTitle,
      actions,
      this._executions,
      this._settings.node
    );
    this._loading.setAttribute('role', 'status');
    this._loading.hidden = true;
    this._help.hidden = true;
    this.node.append(
      element('h2', 'vdk-jobs-title', 'Deployed data jobs'),
      form,
      this._loading,
      this._error,
      this._help,
      this._note,
      this._jobs,
      this._detail
    );
    this._render();
  }

  /** Shows the jobs of `team`, or of the team in the config.ini of the job `path` is in. */
  async showJobsOf(by: { team: string } | { path: string }): Promise<void> {
    if ('team' in by) {
      this._team.value = by.team;
      return this.refresh();
    }
    const loaded = await this._load({ path: by.path }, true);
    if (loaded === 'not-in-job' && !this._team.value) {
      this._setError('');
      this._note.textContent =
        'Not in a data job folder: type a team and press Refresh.';
    }
  }

  /** Shows the jobs of `team` with `job` selected. */
  async showJob(team: string, job: string): Promise<void> {
    this._team.value = team;
    this._selected = job;
    return this.refresh();
  }

  /** Reloads the jobs of the team in the field, and the selected job's executions. */
  async refresh(): Promise<void> {
    const team = this._team.value.trim();
    if (!team) {
      this._setError(
        "Type a team (the [owner] team of a job's config.ini) and press Refresh."
      );
      return;
    }
    await this._load({ team }, false);
  }

  protected onAfterShow(): void {
    if (this._team.value.trim()) {
      void this.refresh();
    }
  }

  protected onAfterHide(): void {
    this._stopPolling();
  }

  dispose(): void {
    this._stopPolling();
    super.dispose();
  }

  /** Loads the job list; on failure says why (unless `quiet` and not in a job). */
  private async _load(
    by: { team: string } | { path: string },
    quiet: boolean
  ): Promise<'loaded' | 'not-in-job' | 'failed'> {
    const generation = ++this._generation;
    this._busy(true);
    try {
      const answer = await api.deployedJobs(by);
      if (generation !== this._generation || this.isDisposed) {
        return 'loaded';
      }
      this._team.value = answer.team;
      this._teamShown = answer.team;
      this._list = answer.jobs;
      jobsLoaded({ team: answer.team, jobs: answer.jobs });
      this._stale = false;
      this._setError('');
      this._note.textContent = answer.jobs.length
        ? `${answer.jobs.length} job${answer.jobs.length === 1 ? '' : 's'} of team ${answer.team} at ${answer.url}`
        : `Team ${answer.team} has no data jobs at ${answer.url}.`;
      if (
        this._selected &&
        !answer.jobs.some(job => job.name === this._selected)
      ) {
        this._selected = null;
      }
      this._render();
      await this._loadExecutions();
      return 'loaded';
    } catch (error) {
      const notInJob =
        error instanceof api.ApiError &&
        (error.kind === 'job' || error.kind === 'team');
      if (generation === this._generation && !this.isDisposed) {
        if (!(quiet && notInJob)) {
          this._setError(messageOf(error), error);
          this._markStale();
        }
      }
      return notInJob ? 'not-in-job' : 'failed';
    } finally {
      this._busy(false);
    }
  }

  private async _loadExecutions(): Promise<void> {
    this._stopPolling();
    const name = this._selected;
    if (!name) {
      this._recent = [];
      this._render();
      return;
    }
    const generation = this._generation;
    try {
      const answer = await api.executions(this._teamShown, name);
      if (
        generation !== this._generation ||
        name !== this._selected ||
        this.isDisposed
      ) {
        return;
      }
      this._recent = answer.executions;
      this._notifyEnded(name, answer.executions);
      const job = this._list.find(j => j.name === name);
      if (job && this._recent.length) {
        // Read after the list: an execution that ended in between is shown ended in both.
        job.last_execution = this._recent[0];
        jobsLoaded({ team: this._teamShown, jobs: this._list });
      }
      this._render();
      if (this._recent.length && !this._recent[0].finished && this.isVisible) {
        // Until the newest execution ends: the whole list too, for its "last execution".
        this._poll = window.setTimeout(() => void this.refresh(), POLL_MS);
      }
    } catch (error) {
      if (generation === this._generation && !this.isDisposed) {
        this._setError(messageOf(error), error);
        this._markStale();
      }
    }
  }

  /** A notification, in the panel's words, for each execution seen running that has ended. */
  private _notifyEnded(job: string, executions: api.IExecution[]): void {
    for (const execution of executions) {
      const key = `${this._teamShown}/${job}/${execution.id}`;
      if (!execution.finished) {
        this._active.add(key);
      } else if (this._active.delete(key)) {
        const message = `Data job ${job}: execution ${execution.id} ${execution.status_text}.`;
        const team = this._teamShown;
        const actions = [
          {
            label: 'Logs',
            caption: `Open the logs of execution ${execution.id} in a tab`,
            callback: () => this._openLogs(team, job, execution.id)
          }
        ];
        const kind = execution.status;
        if (kind === 'succeeded') {
          Notification.success(message, { autoClose: 8000, actions });
        } else if (kind === 'user_error' || kind === 'platform_error') {
          Notification.error(message, { autoClose: false, actions });
        } else {
          Notification.info(message, { autoClose: 8000, actions });
        }
      }
    }
  }

  /**
   * After a failed refresh: the rows shown are from before it, so they are marked so and offer
   * no action (an `Execute now` on a job that may be gone or changed would mislead).
   */
  private _markStale(): void {
    this._stopPolling();
    this._stale = this._list.length > 0;
    if (this._stale) {
      this._note.textContent = `Not refreshed: the ${this._list.length === 1 ? 'job' : 'jobs'} below ${this._list.length === 1 ? 'is' : 'are'} as last loaded, and may have changed.`;
    } else {
      this._note.textContent = '';
    }
    this._render();
  }

  private async _executeNow(): Promise<void> {
    const name = this._selected;
    if (!name) {
      return;
    }
    this._execute.disabled = true;
    await this._act(() => api.executeNow(this._teamShown, name));
  }

  /** Calls the service, then refreshes; a failure stays shown after the refresh. */
  private async _act(call: () => Promise<unknown>): Promise<void> {
    let failure = '';
    try {
      await call();
    } catch (error) {
      failure = messageOf(error);
    }
    await this.refresh();
    if (failure) {
      this._setError(failure);
    }
  }

  private async _toggleEnabled(): Promise<void> {
    const job = this._list.find(j => j.name === this._selected);
    if (!job || job.enabled === null) {
      return;
    }
    this._enable.disabled = true;
    await this._act(() =>
      api.setEnabled(this._teamShown, job.name, !job.enabled)
    );
  }

  private async _cancel(
    team: string,
    name: string,
    execution: api.IExecution
  ): Promise<void> {
    if (await confirmCancel(team, name, execution)) {
      await this.refresh();
    }
  }

  private _select(name: string): void {
    this._selected = this._selected === name ? null : name;
    this._recent = [];
    this._render();
    void this._loadExecutions();
  }

  private _stopPolling(): void {
    if (this._poll !== null) {
      window.clearTimeout(this._poll);
      this._poll = null;
    }
  }

  private _busy(busy: boolean): void {
    this.node.classList.toggle('vdk-jobs-loading', busy);
    this.node.setAttribute('aria-busy', String(busy));
    this._refresh.disabled = busy;
    this._refresh.textContent = busy ? 'Loading…' : 'Refresh';
    const team = this._team.value.trim();
    this._loading.textContent = team
      ? `Asking the Control Service for the jobs of team ${team}…`
      : 'Asking the Control Service for the jobs…';
    this._loading.hidden = !busy;
  }

  private _setError(message: string, error?: unknown): void {
    // One line: the server words Control Service failures so; a proxy's page is cut to its first.
    this._error.textContent = message.split('\n')[0];
    this._error.hidden = !message;
    const notConfigured =
      error instanceof api.ApiError && error.kind === 'not-configured';
    this._help.textContent = notConfigured ? NOT_CONFIGURED_HELP : '';
    this._help.hidden = !notConfigured;
  }

  private _render(): void {
    this._jobs.replaceChildren(
      ...this._list.map(job =>
        jobItem(job, job.name === this._selected, () => this._select(job.name))
      )
    );
    this._jobs.classList.toggle('vdk-stale', this._stale);
    this._jobs.setAttribute(
      'aria-label',
      this._stale ? 'Data jobs (not refreshed)' : 'Data jobs'
    );
    const job = this._stale
      ? undefined
      : this._list.find(j => j.name === this._selected);
    this._detail.hidden = !job;
    if (!job) {
      return;
    }
    this._detailTitle.textContent = `Executions of ${job.name}`;
    this._settings.show(job.team, job.name);
    const running = this._recent.length > 0 && !this._recent[0].finished;
    this._execute.disabled = !job.deployed || running;
    this._execute.title = job.deployed
      ? 'Start an execution now (as vdk execute --start)'
      : 'Deploy the job first';
    this._enable.hidden = job.enabled === null;
    this._enable.disabled = false;
    this._enable.textContent = job.enabled ? 'Disable' : 'Enable';
    this._enable.title = job.enabled
      ? 'Stop scheduled executions (as vdk deploy --disable)'
      : 'Run on its schedule again (as vdk deploy --enable)';
    this._executions.replaceChildren(
      ...(this._recent.length
        ? this._recent.map(execution =>
            executionItem(execution, {
              onLogs: e => this._openLogs(job.team, job.name, e.id),
              onCancel: e => void this._cancel(job.team, job.name, e)
            })
          )
        : [element('li', 'vdk-execution-none', 'No executions yet.')])
    );
  }

  private _team = document.createElement('input');
  private _refresh = element(
    'button',
    'jp-Button jp-mod-styled vdk-button',
    'Refresh'
  );
  private _loading = element('p', 'vdk-jobs-loading-note');
  private _help = element('p', 'vdk-jobs-help');
  private _stale = false;
  private _error = element('p', 'vdk-jobs-error');
  private _note = element('p', 'vdk-jobs-note');
  private _jobs = element('ul', 'vdk-jobs-list');
  private _detail = element('section', 'vdk-job-detail');
  private _detailTitle = element('h3', 'vdk-job-detail-title');
  private _execute = element(
    'button',
    'jp-Button jp-mod-styled jp-mod-accept vdk-button',
    'Execute now'
  );
  private _enable = element(
    'button',
    'jp-Button jp-mod-styled vdk-button',
    'Disable'
  );
  private _executions = element('ul', 'vdk-executions');
  private _settings = new JobSettings();
  private _active = new Set<string>();
  private _list: api.IDeployedJob[] = [];
  private _recent: api.IExecution[] = [];
  private _selected: string | null = null;
  private _teamShown = '';
  private _generation = 0;
  private _poll: number | null = null;
}

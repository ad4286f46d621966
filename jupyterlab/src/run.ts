/**
 * Running a data job from JupyterLab: save, start `vdk run` on the server, follow its progress
 * by long polling (the server answers as soon as something happens: no fixed delay), and land
 * on the result. Success or failure is the job's exit status, as the server reports it.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { clearCellErrors } from './cellError';
import { logWidget } from './logView';
import { JobMarkers } from './markers';
import { showDatabaseNotice } from './notices';
import { reportPath } from './reportDrive';
import { cellName, withDetails } from './messages';
import { landOnFailedCell, shortResult } from './result';

export const REPAIR_COMMAND = 'vdk:repair-job';

export type Phase =
  'running' | 'stopping' | 'succeeded' | 'failed' | 'stopped' | 'error';

/** What the toolbar of every notebook of the job shows about its current or last run. */
export interface IRunState {
  runId: string | null;
  job: api.IJob;
  /** The notebook the run was started from. */
  origin: string;
  phase: Phase;
  /** A few words for the toolbar's pill. */
  text: string;
  /** The whole of it, for the pill's tooltip. */
  detail: string;
  result: api.IRunResult | null;
  reports: api.IReportRef[];
  /** When the run started (ms since the epoch), for the report's tab. */
  started: number;
  /** Whether the user pressed Stop in this page. */
  stoppedByYou?: boolean;
}

export class RunController {
  constructor(
    private _app: JupyterFrontEnd,
    private _docManager: IDocumentManager,
    private _tracker: INotebookTracker,
    private _markers: (panel: NotebookPanel) => JobMarkers | undefined
  ) {}

  /** Emitted with the job folder path whenever a run of it changes. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  state(jobPath: string): IRunState | undefined {
    return this._states.get(jobPath);
  }

  isRunning(jobPath: string): boolean {
    const phase = this._states.get(jobPath)?.phase;
    return phase === 'running' || phase === 'stopping';
  }

  /**
   * Repair run: shows the plan of `vdk repair` for the job of `panel`'s notebook (what runs,
   * what is skipped, and why) and runs it on confirm. `selection` {} repairs the last run.
   */
  async repair(
    panel: NotebookPanel,
    args: Record<string, unknown> | null,
    selection: api.IRepairSelection = {}
  ): Promise<void> {
    const job = this._markers(panel)?.plan?.job;
    if (!job || this.isRunning(job.path)) {
      return this.run(panel, args, selection); // says why it cannot run
    }
    let plan: api.IRepairPlan;
    try {
      if (panel.context.model.dirty) {
        await panel.context.save(); // the plan compares the files as they will run
      }
      plan = (await api.repairPlan(panel.context.path, args, selection)).plan;
    } catch (error) {
      Notification.error(String((error as Error).message ?? error), {
        autoClose: false
      });
      return;
    }
    if (!plan.runs_anything) {
      Notification.info(plan.summary, { autoClose: 8000 });
      return;
    }
    const answer = await showDialog({
      title: `Repair data job ${job.name}`,
      body: planWidget(plan),
      buttons: [Dialog.cancelButton(), Dialog.okButton({ label: 'Run repair' })]
    });
    if (answer.button.accept) {
      await this.run(panel, args, selection);
    }
  }

  /**
   * Runs the job of `panel`'s notebook with `args` (already parsed and checked to be an object,
   * or null for none); with `repair`, as `vdk repair` with that selection. Returns once the
   * run has ended.
   */
  async run(
    panel: NotebookPanel,
    args: Record<string, unknown> | null,
    repair: api.IRepairSelection | null = null
  ): Promise<void> {
    const job = this._markers(panel)?.plan?.job;
    if (!job) {
      Notification.warning(
        `${panel.context.path} is not in a data job folder (a folder with config.ini): there is no job to run.`,
        { autoClose: 8000 }
      );
      return;
    }
    if (this.isRunning(job.path)) {
      Notification.warning(
        `Data job ${job.name} is already running: wait for it to end or stop it before running it again.`,
        { autoClose: 8000 }
      );
      return;
    }
    const state: IRunState = {
      runId: null,
      job,
      origin: panel.context.path,
      phase: 'running',
      text: 'Saving…',
      detail: `Saving ${panel.context.path} before the run`,
      result: null,
      reports: [],
      started: Date.now()
    };
    this._set(state);
    this._forJob(job.path, p => clearCellErrors(p.content));
    try {
      if (panel.context.model.dirty || !panel.context.contentsModel) {
        await panel.context.save();
      }
      state.text = repair ? 'Starting repair…' : 'Starting…';
      state.detail = repair
        ? `Starting vdk repair of data job ${job.name}`
        : `Starting vdk run of data job ${job.name}`;
      this._set(state);
      const started = await api.startRun(panel.context.path, args, repair);
      state.runId = started.run_id;
      showDatabaseNotice(started.job.database);
      await this._follow(state);
    } catch (error) {
      this._failed(state, error);
      this._notify(state, state.detail, 'error', []);
    }
  }

  /**
   * Follows a run of `job` that is still going on the server (started before the page was
   * loaded, or from another tab), so its progress and result show here too.
   */
  async resume(job: api.IJob, origin: string): Promise<void> {
    if (this._states.has(job.path) || this._asked.has(job.path)) {
      return;
    }
    this._asked.add(job.path);
    let runs: api.IRunSummary[];
    try {
      const answer = await api.listRuns(job.path);
      runs = answer.runs;
      for (const run of answer.interrupted ?? []) {
        const at = (epoch: number) => new Date(epoch * 1000).toLocaleString();
        Notification.warning(
          `The run of data job ${job.name} started ${at(run.started)} was stopped when ` +
            `the Jupyter server stopped (${at(run.stopped)}), as Stop stops a run: ` +
            'its report shows the cells it reached. Run it again to finish it.',
          { autoClose: false }
        );
      }
    } catch {
      return; // the markers already say when the server cannot be reached
    }
    const active = runs.find(r => !r.done && r.job.path === job.path);
    if (!active || this._states.has(job.path)) {
      return;
    }
    const state: IRunState = {
      runId: active.run_id,
      job,
      origin,
      phase: 'running',
      text: 'Running…',
      detail: `vdk run of data job ${job.name} is running`,
      result: null,
      reports: [],
      started: active.started * 1000
    };
    this._set(state);
    try {
      await this._follow(state);
    } catch (error) {
      this._failed(state, error);
    }
  }

  async stop(jobPath: string): Promise<void> {
    const state = this._states.get(jobPath);
    if (!state?.runId || !this.isRunning(jobPath)) {
      return;
    }
    state.phase = 'stopping';
    state.text = 'Stopping…';
    state.detail = `Stopping data job ${state.job.name} (as Ctrl-C), on your request`;
    state.stoppedByYou = true;
    this._set(state);
    try {
      await api.stopRun(state.runId);
    } catch (error) {
      // 409: it ended meanwhile; the progress loop brings the result either way.
      if (!(error instanceof api.ApiError && error.status === 409)) {
        Notification.error(String((error as Error).message ?? error), {
          autoClose: 8000
        });
      }
    }
  }

  /** Opens the executed notebook of the last run, the failing notebook's first. */
  async openReport(jobPath: string): Promise<void> {
    const state = this._states.get(jobPath);
    if (!state?.runId || state.reports.length === 0) {
      return;
    }
    const failed = state.result?.failed_cell?.path;
    const ref =
      state.reports.find(r => r.path === failed) ??
      state.reports.find(r => r.path === state.origin) ??
      state.reports[0];
    const widget = this._docManager.openOrReveal(
      reportPath(state.runId, ref.notebook),
      'Notebook',
      undefined,
      undefined,
      { shouldStart: false, canStart: false, autoStartDefault: false }
    );
    if (widget) {
      await widget.context.ready;
      // Which job, which run: reports of several runs and jobs can be open side by side. No
      // ':' or '/' in the label: JupyterLab takes a tab label with them as a bad file name.
      const at = new Date(state.started);
      const time = [at.getHours(), at.getMinutes(), at.getSeconds()]
        .map(n => String(n).padStart(2, '0'))
        .join('.');
      widget.title.label = `${state.job.name}, run report of ${time} (${ref.notebook})`;
      widget.title.caption = `Executed notebook of ${ref.step}, data job ${state.job.name}, run started ${new Date(state.started).toLocaleString()} (read-only)`;
      widget.addClass('vdk-report');
    }
  }

  openLog(jobPath: string): void {
    const state = this._states.get(jobPath);
    if (!state?.runId) {
      return;
    }
    const id = `vdk-log-${state.runId}`;
    const open = Array.from(this._app.shell.widgets('main')).find(
      w => w.id === id
    );
    if (open) {
      this._app.shell.activateById(id);
      return;
    }
    this._app.shell.add(logWidget(state.runId, state.job.name), 'main', {
      mode: 'split-bottom'
    });
  }

  private async _follow(state: IRunState): Promise<void> {
    const runId = state.runId as string;
    let after = 0;
    let failures = 0;
    for (;;) {
      let answer: api.IProgress;
      try {
        answer = await api.progress(runId, after);
        failures = 0;
      } catch (error) {
        if (
          ++failures >= 5 ||
          (error instanceof api.ApiError && error.status === 404)
        ) {
          throw error;
        }
        await new Promise(resolve => setTimeout(resolve, 500 * failures));
        continue;
      }
      for (const event of answer.events) {
        after = Math.max(after, event.seq);
        this._onEvent(state, event);
      }
      this._refreshLog(runId);
      if (answer.done && answer.result) {
        await this._finish(state, answer.result);
        return;
      }
    }
  }

  private _onEvent(state: IRunState, event: api.IRunEvent): void {
    if (event.type === 'step_started') {
      state.text = `Running ${event.step}`;
      state.detail = `Running data job ${state.job.name}: step ${event.step}`;
    } else if (event.type === 'cell_started') {
      const which = event.number
        ? cellName(event.number)
        : 'the injected parameters';
      state.text = `Running ${which}`;
      state.detail = `Running data job ${state.job.name}: ${event.step}, ${which} (${event.count} of the ${event.total} cells vdk run runs in it)`;
      this._markRunning(event);
    } else if (event.type === 'cell_finished') {
      this._markRunning(null);
    } else if (event.type === 'report' && event.path) {
      state.reports.push({
        step: event.step,
        path: event.path,
        notebook: event.notebook,
        file: event.file
      });
    } else {
      return;
    }
    this._set(state);
  }

  private async _finish(
    state: IRunState,
    result: api.IRunResult
  ): Promise<void> {
    this._markRunning(null);
    state.result = result;
    state.reports = result.reports.length ? result.reports : state.reports;
    state.phase = result.status;
    state.text = shortResult(result, state.stoppedByYou);
    state.detail =
      result.status === 'stopped' && state.stoppedByYou
        ? result.message.replace('was stopped', 'was stopped by you')
        : result.message;
    this._set(state);
    const jobPath = state.job.path;
    const actions: Notification.IAction[] = [];
    if (state.reports.length) {
      actions.push({
        label: 'Open run report',
        callback: () => void this.openReport(jobPath)
      });
    }
    actions.push({ label: 'Show log', callback: () => this.openLog(jobPath) });
    if (result.status !== 'succeeded') {
      actions.push({
        label: 'Repair run',
        callback: () =>
          void this._app.commands.execute(REPAIR_COMMAND, {
            path: state.origin
          })
      });
    }
    const kind =
      result.status === 'succeeded'
        ? 'success'
        : result.status === 'failed'
          ? 'error'
          : 'warning';
    this._notify(state, state.detail, kind, actions);
    if (result.failed_cell) {
      await landOnFailedCell(
        this._app,
        this._docManager,
        this._tracker,
        this._markers,
        result.failed_cell,
        result.status === 'stopped'
          ? state.stoppedByYou
            ? 'stopped by you'
            : 'stopped'
          : 'failed'
      );
    }
  }

  /**
   * The job's one notification: the result of its last run, updated in place by the next run's
   * result, so toasts never pile up. A success closes by itself.
   */
  private _notify(
    state: IRunState,
    message: string,
    kind: 'success' | 'error' | 'warning',
    actions: Notification.IAction[]
  ): void {
    const options = {
      autoClose: kind === 'success' ? 5000 : (false as const),
      actions: withDetails(message, actions)
    };
    const id = this._notices.get(state.job.path);
    const live =
      id !== undefined && Notification.manager.has(id)
        ? Notification.update({ id, message, type: kind, ...options })
        : false;
    if (!live) {
      this._notices.set(
        state.job.path,
        Notification.emit(message, kind, options)
      );
    }
  }

  /** Highlights the cell being run in an open editor of its notebook (null: none). */
  private _markRunning(event: api.ICellStarted | null): void {
    document
      .querySelectorAll('.vdk-running-cell')
      .forEach(n => n.classList.remove('vdk-running-cell'));
    if (
      !event?.path ||
      ((event.id ?? null) === null && (event.index ?? null) === null)
    ) {
      return;
    }
    const panel = this._tracker.find(p => p.context.path === event.path);
    const cell =
      panel && this._markers(panel)?.cellWidget(event.id, event.index);
    cell?.addClass('vdk-running-cell');
  }

  private _refreshLog(runId: string): void {
    const open = Array.from(this._app.shell.widgets('main')).find(
      w => w.id === `vdk-log-${runId}`
    );
    const content = (
      open as { content?: { refresh?: () => Promise<void> } } | undefined
    )?.content;
    void content?.refresh?.();
  }

  private _forJob(jobPath: string, fn: (panel: NotebookPanel) => void): void {
    this._tracker.forEach(panel => {
      if (this._markers(panel)?.plan?.job?.path === jobPath) {
        fn(panel);
      }
    });
  }

  /** The run could not be started or followed: the server's message, or what went wrong. */
  private _failed(state: IRunState, error: unknown): void {
    state.phase = 'error';
    state.detail =
      error instanceof api.ApiError ? error.message : String(error);
    state.text = 'Run error';
    this._set(state);
  }

  private _set(state: IRunState): void {
    this._states.set(state.job.path, state);
    this._changed.emit(state.job.path);
  }

  private _states = new Map<string, IRunState>();
  private _asked = new Set<string>();
  private _notices = new Map<string, string>();
  private _changed = new Signal<this, string>(this);
}

/** The plan as the dialog shows it: one line per step, run or skip, and why. */
function planWidget(plan: api.IRepairPlan): Widget {
  const node = document.createElement('div');
  node.className = 'vdk-repair-plan';
  const summary = document.createElement('p');
  summary.textContent = plan.summary;
  const table = document.createElement('table');
  for (const step of plan.steps) {
    const row = table.insertRow();
    row.className = `vdk-plan-${step.action}`;
    row.dataset.step = step.name;
    row.insertCell().textContent = step.action === 'run' ? 'run' : 'skip';
    row.insertCell().textContent = step.name;
    row.insertCell().textContent = step.reason;
  }
  const note = document.createElement('p');
  note.className = 'vdk-repair-note';
  note.textContent =
    'Skipped steps keep the data they wrote. Steps that run again should be safe to run twice.';
  node.append(summary, table, note);
  return new Widget({ node });
}

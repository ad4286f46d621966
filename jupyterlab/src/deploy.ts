/**
 * `Deploy data job`: uploads the job of a notebook to the Control Service through the server
 * (`POST deploy`, docs/deploy-api.md), which checks it as `vdk run` would first and uploads
 * nothing when it refuses. The job's notebooks with unsaved changes are saved first, with the
 * user's consent ("Save and deploy"), since the server deploys the files on disk. One deploy of
 * a job at a time: the command is disabled while it runs.
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import {
  ApiError,
  IDeployFiles,
  IDeployed,
  IJob,
  ISchedule,
  deploy,
  deployFiles,
  jobTeam,
  setJobTeam,
  teamProblem
} from './api';
import { lastTeam, rememberTeam } from './createJob';
import { askForm } from './form';
import { localTime, scheduleTooltip } from './jobsView';
import { NOT_CONFIGURED_HELP } from './jobsPanel';

/** A dialog body: `text` as it is (a refused notebook's message has several lines). */
function messageBody(text: string, className: string): Widget {
  const body = document.createElement('pre');
  body.className = className;
  body.textContent = text;
  return new Widget({ node: body });
}

/**
 * What is uploaded (the server's list, after .vdkignore and the built-in rules) and what is
 * left out, shown in the Deploy dialog above its fields.
 */
function filesElement(files: IDeployFiles): HTMLElement {
  const box = document.createElement('div');
  box.className = 'vdk-deploy-body';
  const heading = document.createElement('p');
  heading.textContent = `Files to upload (${files.files.length}; notebooks without outputs):`;
  const list = document.createElement('ul');
  list.className = 'vdk-deploy-files';
  for (const name of files.files) {
    const item = document.createElement('li');
    item.textContent = name;
    list.appendChild(item);
  }
  const leftOut = document.createElement('p');
  leftOut.className = 'vdk-deploy-left-out';
  leftOut.textContent = files.left_out.length
    ? `Left out (.vdkignore and the built-in rules): ${files.left_out.join(', ')}`
    : '';
  box.append(heading, list, leftOut, scheduleElement(files.schedule));
  return box;
}

/** config.ini's schedule in words, with its next run in the user's time zone. */
function scheduleElement(schedule: ISchedule | null): HTMLElement {
  const line = document.createElement('p');
  line.className = 'vdk-deploy-schedule';
  if (!schedule) {
    line.textContent =
      'No schedule ([job] schedule_cron of config.ini): it runs only when executed.';
  } else if (schedule.problem) {
    line.classList.add('vdk-mod-problem');
    line.textContent = `The schedule in config.ini is not valid: ${schedule.problem}`;
  } else {
    const next = schedule.next.length
      ? `next: ${localTime(schedule.next[0])}`
      : 'never runs: no date matches it';
    line.textContent = `Schedule: ${schedule.words} (${next}).`;
    line.title = scheduleTooltip(schedule.cron, schedule.next);
  }
  return line;
}

export class DeployController {
  constructor(
    private _tracker: INotebookTracker,
    private _showJobs: (team: string) => void
  ) {}

  /** Emitted with the job folder whenever a deploy of it starts or ends. */
  get changed(): ISignal<this, string> {
    return this._changed;
  }

  isDeploying(jobPath: string): boolean {
    return this._deploying.has(jobPath);
  }

  /** Asks for the reason, saves (with consent) and deploys the job; returns when done. */
  async deploy(job: IJob): Promise<void> {
    if (this._deploying.has(job.path)) {
      Notification.warning(`Data job ${job.name} is being deployed already.`, {
        autoClose: 6000
      });
      return;
    }
    const unsaved = this._unsaved(job);
    let files: IDeployFiles;
    try {
      files = await deployFiles(job.path);
    } catch (error) {
      await this._refused(job, error); // a link out of the job, a notebook that cannot be stripped
      return;
    }
    const reason = await this._askReason(job, unsaved, files); // modal: no second click meanwhile
    if (reason === null || this._deploying.has(job.path)) {
      return;
    }
    if (!(await this._writeTeam(job))) {
      return;
    }
    this._deploying.add(job.path);
    this._changed.emit(job.path);
    try {
      await this._deploy(job, reason, unsaved);
    } finally {
      this._deploying.delete(job.path);
      this._changed.emit(job.path);
    }
  }

  /** The job's open notebooks (those `vdk run` runs: at the folder's top) with unsaved changes. */
  private _unsaved(job: IJob): NotebookPanel[] {
    return this._tracker.filter(
      panel =>
        PathExt.dirname(panel.context.path) === job.path &&
        !!panel.context.model?.dirty
    );
  }

  /** The team and the reason, asked together; the team is shown as config.ini has it. */
  private async _askReason(
    job: IJob,
    unsaved: NotebookPanel[],
    files: IDeployFiles
  ): Promise<string | null> {
    const names = unsaved
      .map(panel => PathExt.basename(panel.context.path))
      .join(', ');
    const save = unsaved.length
      ? ` Unsaved changes in ${names} are saved first.`
      : '';
    let current: string | null = null;
    try {
      current = (await jobTeam(job.path)).team;
    } catch {
      // The deploy itself reports an unreadable config.ini.
    }
    let team = current ?? lastTeam();
    let reason = '';
    for (;;) {
      const answer = await askForm(
        `Deploy data job ${job.name}`,
        `Uploads ${job.path} to the Control Service, which runs it on its schedule.${save}`,
        [
          {
            name: 'team',
            label:
              'Team (the [owner] team of config.ini; a change is written there)',
            value: team,
            placeholder: 'data-team',
            check: teamProblem
          },
          {
            name: 'reason',
            label: 'Reason for this deployment',
            value: reason,
            placeholder: 'what changed, for the deployment history'
          }
        ],
        unsaved.length ? 'Save and deploy' : 'Deploy',
        filesElement(files)
      );
      if (answer === null) {
        return null;
      }
      team = answer.team;
      reason = answer.reason;
      const problem = teamProblem(team);
      if (problem) {
        Notification.warning(problem, { autoClose: 6000 });
      } else if (!reason) {
        Notification.warning('Give a reason: it is kept with the deployment.', {
          autoClose: 6000
        });
      } else {
        this._teams.set(job.path, { team, changed: team !== current });
        return reason;
      }
    }
  }

  /** Writes a changed team to config.ini before the deploy reads it; false if it failed. */
  private async _writeTeam(job: IJob): Promise<boolean> {
    const choice = this._teams.get(job.path);
    if (!choice) {
      return true;
    }
    rememberTeam(choice.team);
    if (!choice.changed) {
      return true;
    }
    try {
      await setJobTeam(job.path, choice.team);
      return true;
    } catch (error) {
      await this._refused(job, error);
      return false;
    }
  }

  private async _deploy(
    job: IJob,
    reason: string,
    unsaved: NotebookPanel[]
  ): Promise<void> {
    const deploying = (): string =>
      Notification.emit(`Deploying data job ${job.name}…`, 'in-progress', {
        autoClose: false
      });
    let progress = deploying();
    try {
      for (const panel of unsaved) {
        await panel.context.save();
      }
      const still = unsaved
        .filter(panel => panel.context.model.dirty)
        .map(panel => panel.context.path);
      let deployed: IDeployed;
      try {
        deployed = await deploy(job.path, reason, still, false);
      } catch (error) {
        if (!(error instanceof ApiError) || error.kind !== 'requirements') {
          throw error;
        }
        Notification.dismiss(progress);
        if (!(await this._offerRequirement(job, error.message))) {
          return;
        }
        progress = deploying();
        deployed = await deploy(job.path, reason, still, true);
      }
      const added = deployed.requirement_added
        ? ' (what it lacked added to requirements.txt)'
        : '';
      Notification.update({
        id: progress,
        type: 'success',
        message: `Deployed data job ${deployed.job} of team ${deployed.team}, version ${deployed.version.slice(0, 8)}${added}.`,
        autoClose: 20000,
        actions: [
          {
            label: 'Show data jobs',
            callback: () => this._showJobs(deployed.team)
          }
        ]
      });
    } catch (error) {
      Notification.dismiss(progress);
      await this._refused(job, error);
    }
  }

  private async _offerRequirement(
    job: IJob,
    message: string
  ): Promise<boolean> {
    const answer = await showDialog({
      title: `Deploy data job ${job.name}`,
      body: messageBody(message, 'vdk-deploy-message'),
      buttons: [
        Dialog.cancelButton(),
        Dialog.okButton({ label: 'Add vdk-jupyter and deploy' })
      ]
    });
    return answer.button.accept;
  }

  /** A refusal or failure, as the server words it: nothing was uploaded. */
  private async _refused(job: IJob, error: unknown): Promise<void> {
    let message = error instanceof ApiError ? error.message : String(error);
    const kind = error instanceof ApiError ? error.kind : null;
    if (kind === 'not-configured') {
      message += '\n\n' + NOT_CONFIGURED_HELP;
    }
    await showDialog({
      title: `Data job ${job.name} was not deployed`,
      body: messageBody(
        message,
        `vdk-deploy-message vdk-deploy-refused-${kind ?? 'error'}`
      ),
      buttons: [Dialog.okButton({ label: 'OK' })]
    });
  }

  private _deploying = new Set<string>();
  private _teams = new Map<string, { team: string; changed: boolean }>();
  private _changed = new Signal<this, string>(this);
}

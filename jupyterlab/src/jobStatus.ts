/**
 * The deployed job of a notebook, in its toolbar: deployed version and when, enabled or not, the
 * last execution's status and age, and "changed since deployed" when the notebook was saved after
 * the deployment. Read once when the notebook opens and again whenever the `Show data jobs`
 * panel loads that team's jobs (no polling of its own); hidden where the job is not deployed or
 * no Control Service is configured. A click shows the job in the panel.
 */
import { ISignal, Signal } from '@lumino/signaling';
import { Widget } from '@lumino/widgets';

import * as api from './api';
import { element, localTime, statusBadge } from './jobsView';

export interface IJobsLoaded {
  team: string;
  jobs: api.IDeployedJob[];
}

const loaded = new Signal<object, IJobsLoaded>({});

/** The panel tells every notebook's status item what it loaded. */
export function jobsLoaded(answer: IJobsLoaded): void {
  loaded.emit(answer);
}

export const jobsLoadedSignal: ISignal<object, IJobsLoaded> = loaded;

/** "5 min ago", "3 h ago", "2 days ago". */
export function age(iso: string | null, now = Date.now()): string {
  if (!iso) {
    return '';
  }
  const seconds = Math.max(0, (now - new Date(iso).getTime()) / 1000);
  if (seconds < 60) {
    return 'just now';
  }
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) {
    return `${minutes} min ago`;
  }
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} days ago`;
}

export class JobStatusItem extends Widget {
  constructor(
    private readonly _path: () => string,
    private readonly _modified: () => string | null,
    private readonly _open: (team: string, job: string) => void
  ) {
    super({ node: document.createElement('button') });
    this.addClass('vdk-job-status');
    this.node.className += ' jp-Button vdk-button';
    this.hide();
    this.node.onclick = event => {
      event.preventDefault();
      if (this._job) {
        this._open(this._job.team, this._job.name);
      }
    };
    jobsLoadedSignal.connect(this._onLoaded, this);
  }

  /** The job's folder name: its deployed name. */
  get jobName(): string {
    const parts = this._path().split('/');
    return parts.length > 1 ? parts[parts.length - 2] : '';
  }

  async refresh(): Promise<void> {
    try {
      const answer = await api.deployedJobs({ path: this._path() });
      this._onLoaded(this, answer);
    } catch {
      // Not in a job, no team or no Control Service: nothing to show in the toolbar.
      this.hide();
    }
  }

  dispose(): void {
    Signal.disconnectReceiver(this);
    super.dispose();
  }

  private _onLoaded(_: unknown, answer: IJobsLoaded): void {
    if (this.isDisposed) {
      return;
    }
    const job = answer.jobs.find(j => j.name === this.jobName);
    if (!job && this._job && this._job.team !== answer.team) {
      return; // another team's list
    }
    this._job = job && job.deployed ? job : null;
    this._render();
  }

  /** Shown again (the notebook was saved: changed since deployed or not). */
  rerender(): void {
    this._render();
  }

  private _render(): void {
    const job = this._job;
    if (!job) {
      this.hide();
      return;
    }
    const modified = this._modified();
    const changed =
      modified !== null &&
      job.deployed_date !== null &&
      new Date(modified).getTime() > new Date(job.deployed_date).getTime();
    // Compact in the toolbar (it is crowded); the details in the tooltip.
    const last = job.last_execution;
    const content: (string | Node)[] = [
      element(
        'span',
        'vdk-job-status-label',
        job.enabled ? 'deployed' : 'disabled'
      )
    ];
    if (last) {
      content.push(': ', statusBadge(last), ` ${age(last.start)}`);
    }
    if (changed) {
      content.push(' · ', element('span', 'vdk-job-changed', 'changed'));
    }
    this.node.replaceChildren(...content);
    this.node.dataset.status = last?.status ?? '';
    const deployed = job.deployed_date
      ? ` on ${new Date(job.deployed_date).toLocaleString()} (${age(job.deployed_date)})`
      : '';
    this.node.title = [
      `Data job ${job.name} (team ${job.team}): version ${(job.version ?? '?').slice(0, 7)} deployed${deployed}, ${job.enabled ? 'enabled' : 'disabled'}.`,
      job.schedule
        ? `Schedule: ${job.schedule_words ?? job.schedule}${job.schedule_next?.length ? `; next run ${localTime(job.schedule_next[0])}` : ''}.`
        : 'No schedule.',
      last
        ? `Last execution: ${last.status_text}, started ${age(last.start)}.`
        : 'Never executed.',
      changed ? 'This notebook changed since deployed.' : '',
      'Click: show the job in the jobs panel.'
    ]
      .filter(Boolean)
      .join('\n');
    this.show();
  }

  private _job: api.IDeployedJob | null = null;
}

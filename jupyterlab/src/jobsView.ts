/**
 * How the `Show data jobs` panel shows a job and an execution: one list item each, with the
 * status in `data-status` for styling (and tests).
 */
import * as api from './api';

export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = ''
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  node.className = className;
  node.textContent = text;
  return node;
}

function when(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : '';
}

export function duration(seconds: number | null): string {
  if (seconds === null) {
    return '';
  }
  if (seconds < 60) {
    return `${seconds.toFixed(seconds < 10 ? 1 : 0)} s`;
  }
  const minutes = Math.floor(seconds / 60);
  return minutes < 60
    ? `${minutes} min ${Math.round(seconds % 60)} s`
    : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** An execution's status as its word, coloured by `data-status` (style/base.css). */
export function statusBadge(execution: api.IExecution): HTMLSpanElement {
  const badge = element('span', 'vdk-status', execution.status_text);
  badge.dataset.status = execution.status ?? '';
  return badge;
}

/** "26/11/2026, 01:23:05 · 12 s · by manual/vdk-jupyter" (after the status word) */
function executionText(execution: api.IExecution): string {
  const parts = [when(execution.start), duration(execution.seconds)];
  if (execution.started_by) {
    parts.push(`by ${execution.started_by}`);
  }
  return parts.filter(Boolean).join(' · ');
}

function described(execution: api.IExecution, prefix = ''): HTMLSpanElement {
  const text = element('span', 'vdk-execution-text', prefix);
  const rest = executionText(execution);
  text.append(statusBadge(execution), rest ? ` · ${rest}` : '');
  return text;
}

/** A job of the list: its name selects it (`onSelect`). */
export function jobItem(
  job: api.IDeployedJob,
  selected: boolean,
  onSelect: () => void
): HTMLLIElement {
  const item = element('li', 'vdk-job');
  item.dataset.job = job.name;
  item.classList.toggle('vdk-selected', selected);
  const name = element('button', 'vdk-job-name', job.name);
  name.setAttribute('aria-pressed', String(selected));
  name.title = `Show the executions of ${job.name}`;
  name.onclick = onSelect;
  const enabled =
    job.enabled === null ? '' : job.enabled ? 'enabled' : 'disabled';
  const deployment = element(
    'span',
    'vdk-job-deployment',
    [
      job.deployed ? `deployment: ${job.deployment_status}` : 'not deployed',
      enabled
    ]
      .filter(Boolean)
      .join(' · ')
  );
  const schedule = element(
    'span',
    'vdk-job-schedule',
    job.schedule
      ? `schedule: ${job.schedule_words ?? job.schedule}`
      : 'no schedule'
  );
  if (job.schedule) {
    const next = job.schedule_next ?? [];
    schedule.textContent += ` · next: ${next.length ? localTime(next[0]) : 'never'}`;
    schedule.title = scheduleTooltip(job.schedule, next);
  }
  const last = job.last_execution
    ? described(job.last_execution, 'last: ')
    : element('span', 'vdk-execution-text', 'never executed');
  last.classList.add('vdk-job-last');
  last.dataset.status = job.last_execution?.status ?? '';
  item.append(name, deployment, schedule, last);
  return item;
}

export interface IExecutionActions {
  /** Opens the execution's logs in a tab. */
  onLogs: (execution: api.IExecution) => void;
  /** Asks, then cancels the execution (offered while it has not finished). */
  onCancel: (execution: api.IExecution) => void;
}

export function executionItem(
  execution: api.IExecution,
  actions: IExecutionActions
): HTMLLIElement {
  const item = element('li', 'vdk-execution');
  item.dataset.status = execution.status;
  item.dataset.execution = execution.id;
  item.append(described(execution));
  const buttons = element('span', 'vdk-execution-actions');
  const logs = element('button', 'jp-Button jp-mod-styled vdk-link', 'Logs');
  logs.title = 'Show the logs in a tab';
  logs.onclick = () => actions.onLogs(execution);
  buttons.append(logs);
  if (!execution.finished) {
    const cancel = element(
      'button',
      'jp-Button jp-mod-styled jp-mod-warn vdk-link vdk-cancel',
      'Cancel'
    );
    cancel.title = 'Cancel this execution (as vdk execute --cancel)';
    cancel.onclick = () => actions.onCancel(execution);
    buttons.append(cancel);
  }
  item.append(buttons);
  if (
    execution.message &&
    execution.finished &&
    execution.status !== 'succeeded'
  ) {
    item.title = execution.message;
  }
  return item;
}

/** A UTC time in the user's own time zone. */
export function localTime(iso: string): string {
  return new Date(iso).toLocaleString();
}

/** The cron text and the next runs in the user's time zone (the service schedules in UTC). */
export function scheduleTooltip(cron: string, next: string[]): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return next.length
    ? `Cron ${cron} (UTC). Next runs, your time (${zone}):\n${next.map(localTime).join('\n')}`
    : `Cron ${cron} (UTC): no date matches it, so it never runs.`;
}

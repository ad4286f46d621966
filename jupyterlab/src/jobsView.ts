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

/** "succeeded · 26/11/2026, 01:23:05 · 12 s · manual/vdk-jupyter" */
function executionText(execution: api.IExecution): string {
  const parts = [
    execution.status_text,
    when(execution.start),
    duration(execution.seconds)
  ];
  if (execution.started_by) {
    parts.push(`by ${execution.started_by}`);
  }
  return parts.filter(Boolean).join(' · ');
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
    job.schedule ? `schedule: ${job.schedule}` : 'no schedule'
  );
  const last = element(
    'span',
    'vdk-job-last',
    job.last_execution
      ? `last: ${executionText(job.last_execution)}`
      : 'never executed'
  );
  last.dataset.status = job.last_execution?.status ?? '';
  item.append(name, deployment, schedule, last);
  return item;
}

export function executionItem(execution: api.IExecution): HTMLLIElement {
  const item = element('li', 'vdk-execution');
  item.dataset.status = execution.status;
  item.append(element('span', 'vdk-execution-text', executionText(execution)));
  if (execution.logs_url) {
    const link = element('a', 'vdk-execution-logs', 'Logs');
    link.href = execution.logs_url;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    item.append(' ', link);
  }
  if (
    execution.message &&
    execution.finished &&
    execution.status !== 'succeeded'
  ) {
    item.title = execution.message;
  }
  return item;
}

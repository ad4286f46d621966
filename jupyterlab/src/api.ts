/**
 * The vdk-jupyter server API (docs/http-api.md), typed.
 *
 * Every call goes through ServerConnection so Jupyter's own token and XSRF handling apply; the
 * token is never read or logged here.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

/** The database local runs of a job use (run_events.Database, job/local_database.py). */
export interface IDatabase {
  type: string | null;
  file: string | null;
  default: boolean;
  message: string | null;
  /** "PostgreSQL at host:port/dbname", "SQLite file ..." (never a password). */
  label: string | null;
}

export interface IJob {
  name: string;
  path: string;
  database?: IDatabase;
}

export interface IPlanCell {
  index: number;
  id: string | null;
  number: number;
  position: number | null;
  sql: boolean;
  parameters: boolean;
  left_out: boolean;
  reason: string | null;
  why: string | null;
}

export interface IPlan {
  job: IJob | null;
  note: string | null;
  cells: IPlanCell[];
}

/*
 * The run events and a run's result: a one-to-one mirror of the Python module
 * src/vdk/plugin/notebook/job/run_events.py, which owns them (each TypedDict `Name` there is the
 * interface `IName` here, each status enum a union of its values, and IRunEvent the union of
 * the event kinds). tests/test_run_events_mirror.py fails when the two disagree.
 */

/** How a cell's run ended (the engine's CellStatus). */
export type CellStatus =
  'ok' | 'stopped' | 'timed-out' | 'interrupted' | 'expected-error' | 'failed';

/** How a step of the job ended. */
export type StepStatus =
  'succeeded' | 'failed' | 'not-runnable' | 'skipped' | 'interrupted';

/** How the whole run ended. */
export type RunStatus = 'succeeded' | 'failed' | 'stopped';

export interface ICellError {
  ename: string;
  evalue: string;
  line: number | null;
}

export interface IStepError {
  ename: string;
  evalue: string;
  /** What, where (with the user's own frames and the database's message) and what to do. */
  message: string;
  /** The whole traceback, library frames included (null when there is none). */
  traceback: string | null;
}

/** The cell a notebook step failed at; `index` is its place among all cells of the file. */
export interface ICellRef {
  number: number;
  index: number | null;
  id: string | null;
  line: number | null;
}

/** The cell of cell_started and cell_finished (null for the injected-parameters cell). */
export interface IEventCell {
  index: number | null;
  id: string | null;
  number: number | null;
  injected: boolean;
}

export interface IRunJob {
  name: string;
  path: string;
}

export interface IRunStarted {
  seq: number;
  type: 'run_started';
  time: number;
  job: IRunJob;
  arguments: Record<string, unknown> | null;
  /** null: `vdk run`; else `vdk repair` with this selection. */
  repair: Record<string, unknown> | null;
}

export interface IStepStarted {
  seq: number;
  type: 'step_started';
  time: number;
  step: string;
  step_type: string;
  path: string | null;
}

export interface ICellStarted extends IEventCell {
  seq: number;
  type: 'cell_started';
  time: number;
  step: string;
  path: string | null;
  count: number;
  total: number;
}

export interface ICellFinished extends IEventCell {
  seq: number;
  type: 'cell_finished';
  time: number;
  step: string;
  path: string | null;
  count: number;
  status: CellStatus;
  seconds: number;
  error: ICellError | null;
}

export interface IReport {
  seq: number;
  type: 'report';
  time: number;
  step: string;
  step_type: string;
  path: string | null;
  notebook: string;
  file: string;
}

export interface IStepFinished {
  seq: number;
  type: 'step_finished';
  time: number;
  step: string;
  step_type: string;
  path: string | null;
  status: StepStatus;
  error: IStepError | null;
  cell: ICellRef | null;
}

/** The job failed outside any step (its database unreachable before the first step, say). */
export interface IJobFailed {
  seq: number;
  type: 'job_failed';
  time: number;
  ename: string;
  message: string;
}

export interface IFailedStep {
  name: string;
  step_type: string;
  path: string | null;
  error: IStepError | null;
  status: StepStatus;
  cell: ICellRef | null;
}

export interface IFailedCell {
  path: string | null;
  step: string;
  index: number | null;
  id: string | null;
  number: number | null;
  line: number | null;
  status: CellStatus | StepStatus;
  ename: string | null;
  evalue: string | null;
  /** What, where (with the user's own frames and the database's message) and what to do. */
  message: string | null;
  /** The whole traceback, library frames included (null when there is none). */
  traceback: string | null;
}

export interface IReportRef {
  step: string;
  path: string | null;
  notebook: string;
  file: string;
}

export interface IRunResult {
  status: RunStatus;
  exit_code: number;
  seconds: number;
  message: string;
  failed_step: IFailedStep | null;
  failed_cell: IFailedCell | null;
  reports: IReportRef[];
  database: IDatabase;
}

export interface IRunFinished {
  seq: number;
  type: 'run_finished';
  time: number;
  result: IRunResult;
}

export type IRunEvent =
  | IRunStarted
  | IStepStarted
  | ICellStarted
  | ICellFinished
  | IReport
  | IStepFinished
  | IJobFailed
  | IRunFinished;

export interface IProgress {
  events: IRunEvent[];
  done: boolean;
  result: IRunResult | null;
}

export interface IRunSummary {
  run_id: string;
  job: IJob;
  done: boolean;
  status: string | null;
  started: number;
}

/** An error answer of the server: `message` is written for the user and shown as it is. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    /** What the user can do about it (the deploy endpoints' `kind`), where the server says. */
    readonly kind: string | null = null,
    /** The Control Service's HTTP status, where it answered. */
    readonly serviceStatus: number | null = null
  ) {
    super(message);
  }
}

const settings = ServerConnection.makeSettings();

/** Calls `<base_url>vdk-jupyter/<endpoint>`; JSON in and out unless `text` is asked for. */
export async function request<T>(
  endpoint: string,
  init: RequestInit & { json?: unknown } = {},
  text = false
): Promise<T> {
  const url = URLExt.join(settings.baseUrl, 'vdk-jupyter', endpoint);
  const { json, ...rest } = init;
  if (json !== undefined) {
    rest.body = JSON.stringify(json);
    rest.headers = { 'Content-Type': 'application/json' };
  }
  let response: Response;
  try {
    response = await ServerConnection.makeRequest(url, rest, settings);
  } catch (error) {
    if ((error as Error).name === 'AbortError') {
      throw error;
    }
    throw new ApiError(
      'The Jupyter server did not answer: is it still running?',
      0
    );
  }
  const body = await response.text();
  if (!response.ok) {
    let answer: { message?: string; kind?: string; service_status?: number } =
      {};
    try {
      answer = JSON.parse(body);
    } catch {
      // Not our JSON (a proxy's error page): the status line says enough.
    }
    throw new ApiError(
      answer.message ||
        `The server answered ${response.status} ${response.statusText}.`,
      response.status,
      answer.kind ?? null,
      answer.service_status ?? null
    );
  }
  return (text ? body : JSON.parse(body)) as T;
}

export function plan(
  path: string,
  notebook: unknown,
  signal: AbortSignal
): Promise<IPlan> {
  return request<IPlan>('plan', {
    method: 'POST',
    json: { path, notebook },
    signal
  });
}

/** Which steps a repair runs: {} repairs the last run (`vdk repair`). */
export interface IRepairSelection {
  from_step?: string;
  steps?: string[];
}

export interface IRepairPlan {
  job: string;
  repairs: string | null;
  summary: string;
  mode: 'repair' | 'from-step' | 'step';
  steps: { name: string; action: 'run' | 'skip'; reason: string }[];
  runs_anything: boolean;
}

export function startRun(
  path: string,
  args: Record<string, unknown> | null,
  repair: IRepairSelection | null = null
): Promise<{ run_id: string; job: IJob }> {
  const json: Record<string, unknown> = { path };
  if (args !== null) {
    json.arguments = args;
  }
  if (repair !== null) {
    json.repair = repair;
  }
  return request('runs', { method: 'POST', json });
}

/** What `vdk repair` would do, from the same Python function (job/run_record.py). */
export function repairPlan(
  path: string,
  args: Record<string, unknown> | null,
  repair: IRepairSelection = {}
): Promise<{ job: IJob; plan: IRepairPlan }> {
  const json: Record<string, unknown> = { path, repair };
  if (args !== null) {
    json.arguments = args;
  }
  return request('repair-plan', { method: 'POST', json });
}

export function progress(runId: string, after: number): Promise<IProgress> {
  return request<IProgress>(`runs/${encodeURIComponent(runId)}?after=${after}`);
}

/** A run the previous server stopped because it stopped (a hub culled or restarted it). */
export interface IInterruptedRun {
  run_id: string;
  job: IJob;
  started: number;
  stopped: number;
}

export function listRuns(
  path: string
): Promise<{ runs: IRunSummary[]; interrupted?: IInterruptedRun[] }> {
  return request(`runs?path=${encodeURIComponent(path)}`);
}

export function stopRun(runId: string): Promise<unknown> {
  return request(`runs/${encodeURIComponent(runId)}/stop`, { method: 'POST' });
}

export function runLog(runId: string): Promise<string> {
  return request<string>(`runs/${encodeURIComponent(runId)}/log`, {}, true);
}

export function report(runId: string, notebook: string): Promise<unknown> {
  return request(
    `runs/${encodeURIComponent(runId)}/report?notebook=${encodeURIComponent(notebook)}`
  );
}

export function createJob(
  parent: string,
  name: string,
  team: string
): Promise<{ job: IJob; notebook: string }> {
  return request('jobs', { method: 'POST', json: { parent, name, team } });
}

/** The [owner] team in the config.ini of the job `path` is in (null: none). */
export function jobTeam(
  path: string
): Promise<{ job: string; team: string | null }> {
  return request(`team?path=${encodeURIComponent(path)}`);
}

/** Writes `team` to the config.ini of the job `path` is in. */
export function setJobTeam(
  path: string,
  team: string
): Promise<{ team: string }> {
  return request('team', { method: 'POST', json: { path, team } });
}

/** The one job-name rule (job/template.py): what the Control Service and vdk-control-cli accept. */
export const JOB_NAME_RULE =
  "6 to 45 characters: lowercase letters, digits and '-', starting with a letter";

export function jobNameProblem(name: string): string {
  if (/^[a-z][a-z0-9-]{5,44}$/.test(name)) {
    return '';
  }
  return `A job name has ${JOB_NAME_RULE}${name.length && name.length < 6 ? ` ("${name}" has ${name.length})` : ''}.`;
}

export function teamProblem(team: string): string {
  return /^[A-Za-z0-9][A-Za-z0-9 _.-]{0,99}$/.test(team)
    ? ''
    : "A team has letters, digits, spaces, '.', '_' and '-', starting with a letter or digit.";
}

// ---- Deploying and the deployed jobs (docs/deploy-api.md) ----

export interface IDeployed {
  job: string;
  team: string;
  version: string;
  created: boolean;
  url: string;
  requirement_added: boolean;
  files: string[];
  message: string;
}

/** What a deploy of the job would upload (`GET deploy/files`), for the dialog to show. */
/** A cron schedule as the server reads it (deploy/schedule.py summary()). */
export interface ISchedule {
  cron: string;
  /** In words, times in UTC; null where the schedule is not valid. */
  words: string | null;
  /** What is wrong with it; null where it is valid. */
  problem: string | null;
  /** The next three runs (ISO 8601, UTC); [] for none. */
  next: string[];
}

export interface IDeployFiles {
  job: string;
  files: string[];
  left_out: string[];
  /** config.ini's schedule; null for none. */
  schedule: ISchedule | null;
}

export function deployFiles(path: string): Promise<IDeployFiles> {
  return request(`deploy/files?path=${encodeURIComponent(path)}`);
}

export interface IExecution {
  id: string;
  status: string;
  status_text: string;
  finished: boolean;
  type: string | null;
  start: string | null;
  end: string | null;
  seconds: number | null;
  started_by: string | null;
  logs_url?: string | null;
  message?: string | null;
}

export interface IDeployedJob {
  name: string;
  team: string;
  deployed: boolean;
  deployment_status: string;
  enabled: boolean | null;
  schedule: string | null;
  schedule_words?: string | null;
  schedule_next?: string[];
  version: string | null;
  deployed_by: string | null;
  deployed_date: string | null;
  last_execution: IExecution | null;
}

export function deploy(
  path: string,
  reason: string,
  unsaved: string[],
  addRequirement: boolean
): Promise<IDeployed> {
  return request('deploy', {
    method: 'POST',
    json: { path, reason, unsaved, add_requirement: addRequirement }
  });
}

/** The jobs of `team`, or of the team in the config.ini of the job that `path` is in. */
export function deployedJobs(
  by: { team: string } | { path: string }
): Promise<{ team: string; url: string; jobs: IDeployedJob[] }> {
  const query =
    'team' in by
      ? `team=${encodeURIComponent(by.team)}`
      : `path=${encodeURIComponent(by.path)}`;
  return request(`deployed-jobs?${query}`);
}

const jobEndpoint = (team: string, name: string): string =>
  `deployed-jobs/${encodeURIComponent(team)}/${encodeURIComponent(name)}`;

export function executions(
  team: string,
  name: string
): Promise<{ executions: IExecution[] }> {
  return request(`${jobEndpoint(team, name)}/executions`);
}

export function executeNow(
  team: string,
  name: string
): Promise<{ execution_id: string }> {
  return request(`${jobEndpoint(team, name)}/executions`, { method: 'POST' });
}

export function setEnabled(
  team: string,
  name: string,
  enabled: boolean
): Promise<unknown> {
  return request(`${jobEndpoint(team, name)}/deployment`, {
    method: 'PATCH',
    json: { enabled }
  });
}

export interface IExecutionLogs {
  execution: IExecution;
  logs: string | null;
  logs_url: string | null;
}

/** The execution and its logs (null where the service keeps none; then maybe a logs_url). */
export function executionLogs(
  team: string,
  name: string,
  id: string
): Promise<IExecutionLogs> {
  return request(
    `${jobEndpoint(team, name)}/executions/${encodeURIComponent(id)}/logs`
  );
}

/** Cancels a submitted or running execution (as `vdk execute --cancel`). */
export function cancelExecution(
  team: string,
  name: string,
  id: string
): Promise<{ execution: IExecution }> {
  return request(
    `${jobEndpoint(team, name)}/executions/${encodeURIComponent(id)}`,
    { method: 'DELETE' }
  );
}

export function jobProperties(
  team: string,
  name: string
): Promise<{ properties: Record<string, unknown> }> {
  return request(`${jobEndpoint(team, name)}/properties`);
}

/** Replaces all of the job's properties. */
export function setJobProperties(
  team: string,
  name: string,
  properties: Record<string, unknown>
): Promise<{ properties: Record<string, unknown> }> {
  return request(`${jobEndpoint(team, name)}/properties`, {
    method: 'PUT',
    json: { properties }
  });
}

/** The names of the job's secrets (never their values). */
export function secretNames(
  team: string,
  name: string
): Promise<{ names: string[] }> {
  return request(`${jobEndpoint(team, name)}/secrets`);
}

/** Sets (a string) or deletes (null) one secret; answers the names afterwards. */
export function setSecret(
  team: string,
  name: string,
  key: string,
  value: string | null
): Promise<{ names: string[] }> {
  const endpoint = `${jobEndpoint(team, name)}/secrets/${encodeURIComponent(key)}`;
  return value === null
    ? request(endpoint, { method: 'DELETE' })
    : request(endpoint, { method: 'PUT', json: { value } });
}

/**
 * The vdk-jupyter server API (src/vdk/plugin/notebook/jupyter/server/API.md), typed.
 *
 * Every call goes through ServerConnection so Jupyter's own token and XSRF handling apply; the
 * token is never read or logged here.
 */
import { URLExt } from '@jupyterlab/coreutils';
import { ServerConnection } from '@jupyterlab/services';

export interface IDatabase {
  type: string;
  file: string | null;
  default: boolean;
  message: string | null;
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

export interface IStepError {
  ename: string;
  evalue: string;
  message: string;
}

export interface IFailedCell {
  path: string;
  step: string;
  index: number | null;
  id: string | null;
  number: number | null;
  line: number | null;
  ename: string;
  evalue: string;
  message: string;
}

export interface IReportRef {
  step: string;
  path: string;
  notebook: string;
}

export interface IRunResult {
  status: 'succeeded' | 'failed' | 'stopped';
  exit_code: number | null;
  seconds: number;
  message: string;
  failed_step: { name: string; step_type: string; path: string; error: IStepError | null } | null;
  failed_cell: IFailedCell | null;
  reports: IReportRef[];
  database?: IDatabase;
}

export interface IRunEvent {
  seq: number;
  time: number;
  type: string;
  step?: string;
  step_type?: string;
  path?: string;
  index?: number | null;
  id?: string | null;
  number?: number | null;
  count?: number;
  total?: number;
  status?: string;
  error?: { ename: string; evalue: string; line?: number | null; message?: string } | null;
  notebook?: string;
  result?: IRunResult;
}

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
    readonly status: number
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
    let message = `The server answered ${response.status} ${response.statusText}.`;
    try {
      message = JSON.parse(body).message || message;
    } catch {
      // Not our JSON (a proxy's error page): the status line says enough.
    }
    throw new ApiError(message, response.status);
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

export function startRun(
  path: string,
  args: Record<string, unknown> | null
): Promise<{ run_id: string; job: IJob }> {
  const json: Record<string, unknown> = { path };
  if (args !== null) {
    json.arguments = args;
  }
  return request('runs', { method: 'POST', json });
}

export function progress(runId: string, after: number): Promise<IProgress> {
  return request<IProgress>(
    `runs/${encodeURIComponent(runId)}?after=${after}`
  );
}

export function listRuns(path: string): Promise<{ runs: IRunSummary[] }> {
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
  name: string
): Promise<{ job: IJob; notebook: string }> {
  return request('jobs', { method: 'POST', json: { parent, name } });
}

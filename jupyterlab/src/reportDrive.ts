/**
 * Run reports (the executed notebooks a run writes outside the server root) opened inside
 * JupyterLab, read-only: a contents drive whose `get` asks the server for the report of one run
 * (`GET runs/<id>/report`). Paths are `VdkRunReport:<run_id>/<notebook>`; nothing can be saved
 * there, so the user's own notebook is never overwritten by a report.
 */
import { Contents, ServerConnection } from '@jupyterlab/services';
import { ISignal, Signal } from '@lumino/signaling';

import { report } from './api';

export const REPORT_DRIVE = 'VdkRunReport';

export function reportPath(runId: string, notebook: string): string {
  return `${REPORT_DRIVE}:${runId}/${notebook}`;
}

function readOnly(): Promise<never> {
  return Promise.reject(
    new Error(
      'A run report is read-only: use File > Save Notebook As… to keep a copy.'
    )
  );
}

export class ReportDrive implements Contents.IDrive {
  readonly name = REPORT_DRIVE;
  readonly serverSettings = ServerConnection.makeSettings();

  get fileChanged(): ISignal<Contents.IDrive, Contents.IChangedArgs> {
    return this._fileChanged;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    this._disposed = true;
    Signal.clearData(this);
  }

  async get(
    localPath: string,
    options?: Contents.IFetchOptions
  ): Promise<Contents.IModel> {
    const slash = localPath.indexOf('/');
    const runId = localPath.slice(0, slash);
    const notebook = localPath.slice(slash + 1);
    const now = new Date().toISOString();
    const base = {
      name: notebook,
      path: localPath,
      created: now,
      last_modified: now,
      writable: false,
      mimetype: 'application/x-ipynb+json',
      size: undefined
    };
    if (slash <= 0 || !notebook) {
      // The drive's root or a run folder: an empty directory (the file browser never shows it).
      return {
        ...base,
        name: '',
        type: 'directory',
        format: 'json',
        content: []
      };
    }
    const content =
      options?.content === false ? null : await report(runId, notebook);
    return { ...base, type: 'notebook', format: 'json', content };
  }

  getDownloadUrl(): Promise<string> {
    return readOnly();
  }
  newUntitled(): Promise<Contents.IModel> {
    return readOnly();
  }
  delete(): Promise<void> {
    return readOnly();
  }
  rename(): Promise<Contents.IModel> {
    return readOnly();
  }
  save(): Promise<Contents.IModel> {
    return readOnly();
  }
  copy(): Promise<Contents.IModel> {
    return readOnly();
  }
  createCheckpoint(): Promise<Contents.ICheckpointModel> {
    return readOnly();
  }
  listCheckpoints(): Promise<Contents.ICheckpointModel[]> {
    return Promise.resolve([]);
  }
  restoreCheckpoint(): Promise<void> {
    return readOnly();
  }
  deleteCheckpoint(): Promise<void> {
    return readOnly();
  }

  private _fileChanged = new Signal<Contents.IDrive, Contents.IChangedArgs>(
    this
  );
  private _disposed = false;
}

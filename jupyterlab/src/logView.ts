/** The log of a run (`vdk run`'s output), one click away from its status. */
import { MainAreaWidget } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

import { ApiError, runLog } from './api';

export class RunLog extends Widget {
  constructor(readonly runId: string) {
    super();
    this.addClass('vdk-run-log');
    this._pre = document.createElement('pre');
    this.node.appendChild(this._pre);
    void this.refresh();
  }

  async refresh(): Promise<void> {
    try {
      const text = await runLog(this.runId);
      const atEnd =
        this.node.scrollTop + this.node.clientHeight >=
        this.node.scrollHeight - 4;
      this._pre.textContent = text;
      if (atEnd) {
        this.node.scrollTop = this.node.scrollHeight;
      }
    } catch (error) {
      this._pre.textContent =
        error instanceof ApiError ? error.message : String(error);
    }
  }

  private _pre: HTMLPreElement;
}

export function logWidget(
  runId: string,
  jobName: string
): MainAreaWidget<RunLog> {
  const widget = new MainAreaWidget({ content: new RunLog(runId) });
  widget.id = `vdk-log-${runId}`;
  widget.title.label = `Log: ${jobName}`;
  widget.title.caption = `Output of vdk run for data job ${jobName} (run ${runId})`;
  widget.title.closable = true;
  return widget;
}

/**
 * What a finished run shows: its result in a few words for the toolbar, and, when a notebook
 * cell failed, that cell brought into view with its error.
 */
import { JupyterFrontEnd } from '@jupyterlab/application';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';

import * as api from './api';
import { showCellError } from './cellError';
import { JobMarkers } from './markers';

/** The result in a few words for the toolbar (the full message is its tooltip). */
export function shortResult(result: api.IRunResult): string {
  const cell = result.failed_cell;
  const step = result.failed_step;
  if (result.status === 'succeeded') {
    return `Succeeded in ${result.seconds.toFixed(1)} s`;
  } else if (result.status === 'stopped') {
    return `Stopped after ${result.seconds.toFixed(1)} s`;
  } else if (cell) {
    return `Failed at ${cell.step}, cell ${cell.number}: ${cell.ename}`;
  } else if (step) {
    return `Failed at ${step.name}${step.error ? ': ' + step.error.ename : ''}`;
  }
  return `Failed (exit code ${result.exit_code})`;
}

/**
 * Brings the failing notebook to the front (opening it if needed), scrolls to the failing cell
 * and shows the error there.
 */
export async function landOnFailedCell(
  app: JupyterFrontEnd,
  docManager: IDocumentManager,
  tracker: INotebookTracker,
  markers: (panel: NotebookPanel) => JobMarkers | undefined,
  failure: api.IFailedCell
): Promise<void> {
  const path = failure.path;
  if (!path) {
    return; // a notebook outside the server root: nothing to open
  }
  let panel = tracker.find(p => p.context.path === path);
  if (!panel) {
    const opened = docManager.openOrReveal(path);
    panel = opened instanceof NotebookPanel ? opened : undefined;
  }
  if (!panel) {
    return;
  }
  await panel.context.ready;
  await panel.revealed;
  app.shell.activateById(panel.id);
  const cell = markers(panel)?.cellWidget(failure.id, failure.index);
  if (cell) {
    await showCellError(panel.content, cell, failure);
  }
}

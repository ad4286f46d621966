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
import { cellName } from './messages';

/** The result in a few words for the toolbar's pill (the full message is its tooltip). */
export function shortResult(
  result: api.IRunResult,
  stoppedByYou = false
): string {
  const cell = result.failed_cell;
  const step = result.failed_step;
  if (result.status === 'succeeded') {
    return `Succeeded, ${result.seconds.toFixed(1)} s`;
  } else if (result.status === 'stopped') {
    return stoppedByYou ? 'Stopped by you' : 'Stopped';
  } else if (cell?.number) {
    return `Failed: ${cellName(cell.number)}`;
  } else if (step) {
    return `Failed: ${step.name}`;
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
  failure: api.IFailedCell,
  how: 'failed' | 'stopped' | 'stopped by you' = 'failed'
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
    await showCellError(panel.content, cell, failure, how);
  }
}

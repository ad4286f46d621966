/**
 * The error of a failed run shown AT the failing cell: the cell is scrolled into view,
 * highlighted, and carries a box with the error type, message and line (a node inside the
 * cell's own DOM, so it moves and scrolls with the cell).
 */
import { Cell } from '@jupyterlab/cells';
import { Notebook } from '@jupyterlab/notebook';

import { IFailedCell } from './api';
import { cellName } from './messages';

const FAILED_CLASS = 'vdk-failed-cell';
const BOX_CLASS = 'vdk-cell-error';

export function clearCellErrors(notebook: Notebook): void {
  for (const widget of notebook.widgets) {
    widget.removeClass(FAILED_CLASS);
    widget.node
      .querySelectorAll(`:scope > .${BOX_CLASS}`)
      .forEach(n => n.remove());
  }
}

export async function showCellError(
  notebook: Notebook,
  cell: Cell,
  failure: IFailedCell,
  how: 'failed' | 'stopped' | 'stopped by you' = 'failed'
): Promise<void> {
  clearCellErrors(notebook);
  cell.addClass(FAILED_CLASS);
  const box = document.createElement('div');
  box.className = BOX_CLASS;
  box.setAttribute('role', 'alert');
  const head = document.createElement('div');
  head.className = 'vdk-cell-error-head';
  box.dataset.how = how;
  const where = failure.line ? `, line ${failure.line}` : '';
  const name = failure.number ? cellName(failure.number) : 'this cell';
  head.textContent =
    how === 'failed'
      ? `vdk run failed here (${name}${where}): ${failure.ename}: ${failure.evalue}`
      : `vdk run was ${how} here (${name}${where}); the cells after it did not run.`;
  const close = document.createElement('button');
  close.className = 'vdk-cell-error-close';
  close.textContent = '×';
  close.title = 'Hide this error';
  close.onclick = () => {
    box.remove();
    cell.removeClass(FAILED_CLASS);
  };
  head.appendChild(close);
  box.appendChild(head);
  if (failure.message && how === 'failed') {
    // What the user wrote: the error, where, their own frames and the database's message.
    const detail = document.createElement('pre');
    detail.className = 'vdk-cell-error-detail';
    detail.textContent = failure.message;
    box.appendChild(detail);
  }
  if (failure.traceback) {
    // Every frame, library code included: one click away, as IPython hides its own frames.
    const full = document.createElement('details');
    full.className = 'vdk-cell-error-full';
    const summary = document.createElement('summary');
    summary.textContent = 'Full traceback';
    const text = document.createElement('pre');
    text.className = 'vdk-cell-error-detail';
    text.textContent = failure.traceback;
    full.append(summary, text);
    box.appendChild(full);
  }
  // After the input, before the outputs: the error reads as the cell's own result.
  const input = cell.node.querySelector(':scope > .jp-Cell-inputWrapper');
  cell.node.insertBefore(box, input ? input.nextSibling : null);
  const index = notebook.widgets.indexOf(cell);
  if (index >= 0) {
    notebook.activeCellIndex = index;
    await notebook.scrollToCell(cell, 'center');
  }
  box.scrollIntoView({ block: 'nearest' });
}

/**
 * The error of a failed run shown AT the failing cell: the cell is scrolled into view,
 * highlighted, and carries a box with the error type, message and line (a node inside the
 * cell's own DOM, so it moves and scrolls with the cell).
 */
import { Cell } from '@jupyterlab/cells';
import { Notebook } from '@jupyterlab/notebook';

import { IFailedCell } from './api';

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
  failure: IFailedCell
): Promise<void> {
  clearCellErrors(notebook);
  cell.addClass(FAILED_CLASS);
  const box = document.createElement('div');
  box.className = BOX_CLASS;
  box.setAttribute('role', 'alert');
  const head = document.createElement('div');
  head.className = 'vdk-cell-error-head';
  const where = failure.line ? ` (line ${failure.line})` : '';
  head.textContent = `vdk run failed here: ${failure.ename}: ${failure.evalue}${where}`;
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
  if (failure.message) {
    const detail = document.createElement('pre');
    detail.className = 'vdk-cell-error-detail';
    detail.textContent = failure.message;
    box.appendChild(detail);
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

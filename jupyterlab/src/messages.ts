/**
 * How the extension words what users read in more than one place: the name of a cell, and long
 * notification texts (JupyterLab cuts a notification to 140 characters, in the toast and in the
 * notification centre alike, so the whole text is one click away).
 */
import { Dialog, Notification, showDialog } from '@jupyterlab/apputils';
import { Widget } from '@lumino/widgets';

/** JupyterLab's limit: a longer message is cut with "…". */
export const NOTIFICATION_LIMIT = 140;

/**
 * The one name of a cell everywhere (markers, errors, status, log, report, CLI): its number
 * among the notebook's code cells, counted from 1 at the top, left-out cells included and
 * markdown cells not counted. The Python side words it the same (engine/cells.py cell_label).
 */
export function cellName(number: number): string {
  return `code cell ${number}`;
}

/** `actions` and, for a message JupyterLab would cut, `Details` showing all of it. */
export function withDetails(
  message: string,
  actions: Notification.IAction[] = []
): Notification.IAction[] {
  if (message.length <= NOTIFICATION_LIMIT) {
    return actions;
  }
  return [
    ...actions,
    {
      label: 'Details',
      caption: 'The whole message',
      callback: event => {
        event.preventDefault(); // keep the notification open
        void showMessage('vdk-jupyter', message);
      }
    }
  ];
}

/** A dialog with `text` as it is (several lines, wrapped, selectable). */
export async function showMessage(title: string, text: string): Promise<void> {
  const body = document.createElement('pre');
  body.className = 'vdk-deploy-message vdk-message';
  body.textContent = text;
  await showDialog({
    title,
    body: new Widget({ node: body }),
    buttons: [Dialog.okButton({ label: 'OK' })]
  });
}

/**
 * `Create data job`: a new job folder from the `vdk start-jupyter --new` template, made by the
 * server (`POST jobs`), in the folder the file browser shows (or the folder right-clicked).
 * Nothing is added to any other notebook.
 */
import { InputDialog, Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';

import { ApiError, createJob } from './api';
import { showDatabaseNotice } from './notices';

export const CREATE_COMMAND = 'vdk:create-job';

/** The folder to create in: a folder selected in the file browser, else the one it shows. */
function parentFolder(browser: IDefaultFileBrowser): string {
  const selected = Array.from(browser.selectedItems());
  if (selected.length === 1 && selected[0].type === 'directory') {
    return selected[0].path;
  }
  return browser.model.path;
}

export async function createDataJob(
  browser: IDefaultFileBrowser,
  docManager: IDocumentManager,
  fromContextMenu: boolean
): Promise<void> {
  const parent = fromContextMenu ? parentFolder(browser) : browser.model.path;
  let name: string | null = '';
  for (;;) {
    const answer = await InputDialog.getText({
      title: 'Create data job',
      label: `A new data job folder in ${parent || 'the server root'}. Job name (lowercase letters, digits and -, starting with a letter):`,
      placeholder: 'daily-sales',
      text: name ?? '',
      okLabel: 'Create'
    });
    name = answer.value;
    if (!answer.button.accept || !name) {
      return;
    }
    try {
      const created = await createJob(parent, name.trim());
      showDatabaseNotice(created.job.database);
      await browser.model.refresh();
      docManager.openOrReveal(created.notebook);
      Notification.success(
        `Created data job ${created.job.name} in ${created.job.path}.`,
        { autoClose: 5000 }
      );
      return;
    } catch (error) {
      const message = error instanceof ApiError ? error.message : String(error);
      Notification.error(message, { autoClose: 10000 });
      if (!(error instanceof ApiError) || error.status !== 400) {
        return;
      }
      // A bad name: ask again with the name as typed, the error beside it.
    }
  }
}

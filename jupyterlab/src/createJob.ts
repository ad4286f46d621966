/**
 * `Create data job`: a new job folder from the `vdk start-jupyter --new` template, made by the
 * server (`POST jobs`), in the folder the file browser shows (or the folder right-clicked).
 * Nothing is added to any other notebook.
 */
import { Notification } from '@jupyterlab/apputils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';

import {
  ApiError,
  JOB_NAME_RULE,
  createJob,
  jobNameProblem,
  teamProblem
} from './api';
import { askForm } from './form';
import { withDetails } from './messages';
import { showDatabaseNotice } from './notices';

export const CREATE_COMMAND = 'vdk:create-job';

/** The team typed last, offered for the next job (this browser only). */
const LAST_TEAM = 'vdk-jupyter:last-team';

export function lastTeam(): string {
  try {
    return window.localStorage.getItem(LAST_TEAM) ?? '';
  } catch {
    return '';
  }
}

export function rememberTeam(team: string): void {
  try {
    window.localStorage.setItem(LAST_TEAM, team);
  } catch {
    // Storage disabled: the team is simply not offered next time.
  }
}

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
  let name = '';
  let team = lastTeam();
  for (;;) {
    const answer = await askForm(
      'Create data job',
      `A new data job folder in ${parent || 'the server root'}, with config.ini, requirements.txt and a first notebook.`,
      [
        {
          name: 'name',
          label: `Job name (${JOB_NAME_RULE})`,
          value: name,
          placeholder: 'daily-sales',
          check: jobNameProblem
        },
        {
          name: 'team',
          label:
            'Team that owns the job in the Control Service (config.ini [owner] team)',
          value: team,
          placeholder: 'data-team',
          check: teamProblem
        }
      ],
      'Create'
    );
    if (answer === null) {
      return;
    }
    name = answer.name;
    team = answer.team;
    const problem = jobNameProblem(name) || teamProblem(team);
    if (problem) {
      Notification.error(problem, { autoClose: 10000 });
      continue; // ask again with what was typed
    }
    try {
      const created = await createJob(parent, name, team);
      rememberTeam(team);
      showDatabaseNotice(created.job.database);
      await browser.model.refresh();
      const widget = docManager.openOrReveal(created.notebook);
      if (widget) {
        // The kernel's metadata makes the new notebook "changed" at once: saved, so that nothing
        // (Deploy's "Save and deploy") asks to save a notebook the user never edited.
        await widget.context.ready;
        await (widget as { sessionContext?: { ready: Promise<void> } })
          .sessionContext?.ready;
        if (widget.context.model.dirty) {
          await widget.context.save();
        }
      }
      Notification.success(
        `Created data job ${created.job.name} in ${created.job.path}.`,
        { autoClose: 5000 }
      );
      return;
    } catch (error) {
      const message = error instanceof ApiError ? error.message : String(error);
      Notification.error(message, {
        autoClose: 10000,
        actions: withDetails(message)
      });
      if (!(error instanceof ApiError) || error.status !== 400) {
        return;
      }
      // A bad name: ask again with the name as typed, the error beside it.
    }
  }
}

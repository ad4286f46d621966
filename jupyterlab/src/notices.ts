/**
 * The one-time notice that local runs use an embedded SQLite file because the job and the
 * environment name no database (the server decides and words it; see docs/http-api.md `database`).
 */
import { Notification } from '@jupyterlab/apputils';

import { IDatabase } from './api';
import { withDetails } from './messages';

const KEY = 'vdk-jupyter:database-notices';

/** Messages already shown in this browser (they name the job and its file). */
function shown(): string[] {
  try {
    return JSON.parse(window.localStorage.getItem(KEY) ?? '[]');
  } catch {
    return [];
  }
}

export function showDatabaseNotice(
  database: IDatabase | undefined | null
): void {
  const message = database?.default ? database.message : null;
  const seen = shown();
  if (!message || seen.includes(message)) {
    return;
  }
  try {
    window.localStorage.setItem(
      KEY,
      JSON.stringify([...seen, message].slice(-50))
    );
  } catch {
    // Storage full or disabled: the notice may show again next time, which is harmless.
  }
  // Longer than JupyterLab shows in a notification: its whole text is one click away.
  Notification.info(message, {
    autoClose: 15000,
    actions: withDetails(message)
  });
}

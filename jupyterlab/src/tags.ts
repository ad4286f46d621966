/**
 * Marking cells with standard tags only (`non-vdk`, `parameters`), so a notebook marked here
 * still runs the same with `vdk run`, papermill or plain Jupyter, without this extension.
 */
import { ICellModel } from '@jupyterlab/cells';
import { INotebookTracker, Notebook } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';

export const LEAVE_OUT_TAG = 'non-vdk';
export const PARAMETERS_TAG = 'parameters';

export function tagsOf(model: ICellModel): string[] {
  const tags = model.getMetadata('tags');
  return Array.isArray(tags) ? (tags as string[]) : [];
}

function setTags(model: ICellModel, tags: string[]): void {
  if (tags.length) {
    model.setMetadata('tags', tags);
  } else {
    model.deleteMetadata('tags');
  }
}

function addTag(model: ICellModel, tag: string): void {
  const tags = tagsOf(model);
  if (!tags.includes(tag)) {
    setTags(model, [...tags, tag]);
  }
}

function removeTag(model: ICellModel, tag: string): void {
  const tags = tagsOf(model);
  if (tags.includes(tag)) {
    setTags(
      model,
      tags.filter(t => t !== tag)
    );
  }
}

/** The code cells a command acts on: the selected ones, or the active one. */
function targetCells(notebook: Notebook): ICellModel[] {
  const selected = notebook.widgets.filter(w => notebook.isSelectedOrActive(w));
  return selected.map(w => w.model).filter(m => m.type === 'code');
}

export const CommandIDs = {
  leaveOut: 'vdk:leave-cell-out',
  include: 'vdk:include-cell',
  parameters: 'vdk:mark-parameters'
};

export function addTagCommands(
  commands: CommandRegistry,
  tracker: INotebookTracker,
  icons: Record<string, LabIcon>
): void {
  const cells = (): ICellModel[] =>
    tracker.currentWidget ? targetCells(tracker.currentWidget.content) : [];
  const anyTagged = (tag: string): boolean =>
    cells().some(m => tagsOf(m).includes(tag));
  // By id: a toolbar button re-reads its command's state only when its own id is named.
  const notify = (): void =>
    Object.values(CommandIDs).forEach(id => commands.notifyCommandChanged(id));

  commands.addCommand(CommandIDs.leaveOut, {
    label: 'Leave cell out of the job',
    caption: `Tag the cell "${LEAVE_OUT_TAG}": vdk run leaves it out, Jupyter still runs it`,
    isEnabled: () => cells().length > 0,
    isVisible: () =>
      cells().length > 0 &&
      !cells().every(m => tagsOf(m).includes(LEAVE_OUT_TAG)),
    icon: icons[CommandIDs.leaveOut],
    execute: () => {
      cells().forEach(m => addTag(m, LEAVE_OUT_TAG));
      notify();
    }
  });
  commands.addCommand(CommandIDs.include, {
    label: 'Include cell in the job',
    caption: `Remove the tag "${LEAVE_OUT_TAG}": vdk run runs the cell`,
    isEnabled: () => anyTagged(LEAVE_OUT_TAG),
    isVisible: () => anyTagged(LEAVE_OUT_TAG),
    icon: icons[CommandIDs.include],
    execute: () => {
      cells().forEach(m => removeTag(m, LEAVE_OUT_TAG));
      notify();
    }
  });
  commands.addCommand(CommandIDs.parameters, {
    label: 'Mark cell as parameters',
    caption: `Tag the cell "${PARAMETERS_TAG}": job arguments are injected after it (one such cell per notebook)`,
    icon: icons[CommandIDs.parameters],
    isEnabled: () => cells().length === 1,
    execute: () => {
      const notebook = tracker.currentWidget?.content;
      const target = notebook?.activeCell?.model;
      if (!notebook || !target || target.type !== 'code') {
        return;
      }
      // papermill's convention: one parameters cell; the tag moves to the marked cell.
      for (const widget of notebook.widgets) {
        if (widget.model !== target) {
          removeTag(widget.model, PARAMETERS_TAG);
        }
      }
      addTag(target, PARAMETERS_TAG);
      notify();
    }
  });
  // Toolbar buttons and menus follow the active cell.
  tracker.activeCellChanged.connect(notify);
  tracker.selectionChanged.connect(notify);
}

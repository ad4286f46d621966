/**
 * Marking cells with standard tags only (`non-vdk`, `parameters`), so a notebook marked here
 * still runs the same with `vdk run`, papermill or plain Jupyter, without this extension.
 */
import { ICellModel } from '@jupyterlab/cells';
import { INotebookTracker, Notebook } from '@jupyterlab/notebook';
import { LabIcon } from '@jupyterlab/ui-components';
import { CommandRegistry } from '@lumino/commands';

import { IPlanCell } from './api';

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
  parameters: 'vdk:mark-parameters',
  unmarkParameters: 'vdk:unmark-parameters'
};

/** The `# non-vdk` / `%%non-vdk` first line that leaves a cell out (engine/cells.py). */
const MARKER_LINE = /^\s*(%%\s*non-vdk|#\s*non-vdk)\s*$/;

/** The cell's source without its non-vdk first line (the first non-blank line). */
export function withoutMarkerLine(source: string): string {
  const lines = source.split('\n');
  const first = lines.findIndex(line => line.trim() !== '');
  if (first < 0 || !MARKER_LINE.test(lines[first])) {
    return source;
  }
  lines.splice(first, 1);
  return lines.join('\n');
}

export function addTagCommands(
  commands: CommandRegistry,
  tracker: INotebookTracker,
  icons: Record<string, LabIcon>,
  planOf: (model: ICellModel) => IPlanCell | undefined
): void {
  const cells = (): ICellModel[] =>
    tracker.currentWidget ? targetCells(tracker.currentWidget.content) : [];
  const anyTagged = (tag: string): boolean =>
    cells().some(m => tagsOf(m).includes(tag));
  const byMarkerLine = (m: ICellModel): boolean =>
    planOf(m)?.reason === 'marker';
  /** Left out by the tag or by a marker line: what Include can undo. */
  const leftOutHere = (m: ICellModel): boolean =>
    tagsOf(m).includes(LEAVE_OUT_TAG) || byMarkerLine(m);
  // By id: a toolbar button re-reads its command's state only when its own id is named.
  const notify = (): void =>
    Object.values(CommandIDs).forEach(id => commands.notifyCommandChanged(id));

  commands.addCommand(CommandIDs.leaveOut, {
    label: 'Leave cell out of the job',
    caption: `Tag the cell "${LEAVE_OUT_TAG}": vdk run leaves it out, Jupyter still runs it`,
    isEnabled: () => cells().length > 0,
    // Not for cells already left out, by the tag or by a `%%non-vdk` first line.
    isVisible: () => cells().some(m => !leftOutHere(m)),
    icon: icons[CommandIDs.leaveOut],
    execute: () => {
      cells().forEach(m => addTag(m, LEAVE_OUT_TAG));
      notify();
    }
  });
  commands.addCommand(CommandIDs.include, {
    label: () =>
      cells().some(byMarkerLine)
        ? 'Include cell in the job (removes its non-vdk first line)'
        : 'Include cell in the job',
    caption: `Remove the tag "${LEAVE_OUT_TAG}", or the cell's "%%non-vdk" / "# non-vdk" first line: vdk run runs the cell`,
    isEnabled: () => cells().some(leftOutHere),
    isVisible: () => cells().some(leftOutHere),
    icon: icons[CommandIDs.include],
    execute: () => {
      for (const m of cells()) {
        removeTag(m, LEAVE_OUT_TAG);
        if (byMarkerLine(m)) {
          m.sharedModel.setSource(withoutMarkerLine(m.sharedModel.getSource()));
        }
      }
      notify();
    }
  });
  commands.addCommand(CommandIDs.parameters, {
    label: 'Mark cell as parameters',
    caption: `Tag the cell "${PARAMETERS_TAG}": job arguments are injected after it (one such cell per notebook)`,
    icon: icons[CommandIDs.parameters],
    isEnabled: () => cells().length === 1,
    isVisible: () => cells().length === 1 && !anyTagged(PARAMETERS_TAG),
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
  commands.addCommand(CommandIDs.unmarkParameters, {
    label: 'Unmark parameters cell',
    caption: `Remove the tag "${PARAMETERS_TAG}": job arguments are no longer injected after the cell`,
    isEnabled: () => anyTagged(PARAMETERS_TAG),
    isVisible: () => anyTagged(PARAMETERS_TAG),
    execute: () => {
      cells().forEach(m => removeTag(m, PARAMETERS_TAG));
      notify();
    }
  });
  // Toolbar buttons and menus follow the active cell.
  tracker.activeCellChanged.connect(notify);
  tracker.selectionChanged.connect(notify);
}

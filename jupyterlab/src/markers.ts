/**
 * The markers beside each code cell: its name (`cell 5`, the same number every message of
 * vdk-jupyter and vdk run uses) and what `vdk run` does with it (`SQL`, `parameters`, `left out`).
 *
 * The decision is the server's (`POST plan`, the same Python code `vdk run` uses): this module
 * only sends the notebook as it is in the editor, unsaved edits included, and draws the answer.
 * It asks again on every content change (source, tags, cells added or moved), debounced a
 * little, and cancels a request that a newer change made stale.
 */
import { Cell, ICellModel } from '@jupyterlab/cells';
import { NotebookPanel } from '@jupyterlab/notebook';
import { IDisposable } from '@lumino/disposable';
import { ISignal, Signal } from '@lumino/signaling';

import { ApiError, IPlan, IPlanCell, plan } from './api';
import { cellName } from './messages';

const DEBOUNCE_MS = 50;
const MARKER_CLASS = 'vdk-marker';
const CELL_CLASS = 'vdk-job-cell';

/** What is sent: the editor's notebook without outputs (they never change the decision). */
function planBody(panel: NotebookPanel): unknown | null {
  const model = panel.model;
  if (!model) {
    return null;
  }
  const nb = model.toJSON() as { cells: Record<string, unknown>[] };
  nb.cells = nb.cells.map(cell =>
    cell.cell_type === 'code'
      ? { ...cell, outputs: [], execution_count: null }
      : { ...cell, attachments: undefined }
  );
  return nb;
}

/** The marker's two lines: the cell's one name (see messages.ts), and what it is, if special. */
export function markerText(cell: IPlanCell): [string, string] {
  const name = `cell ${cell.number}`;
  if (cell.left_out) {
    return [name, 'left out'];
  }
  return [name, cell.sql ? 'SQL' : cell.parameters ? 'parameters' : ''];
}

export class JobMarkers implements IDisposable {
  constructor(readonly panel: NotebookPanel) {
    void panel.context.ready.then(() => {
      if (this.isDisposed) {
        return;
      }
      panel.model?.contentChanged.connect(this._schedule, this);
      panel.context.pathChanged.connect(this._schedule, this);
      this._refresh();
    });
  }

  /** The last answer of the server for this notebook (null before the first one). */
  get plan(): IPlan | null {
    return this._plan;
  }

  /** Emitted after markers were drawn from a new answer. */
  get planChanged(): ISignal<this, IPlan> {
    return this._planChanged;
  }

  get isDisposed(): boolean {
    return this._disposed;
  }

  dispose(): void {
    if (this._disposed) {
      return;
    }
    this._disposed = true;
    window.clearTimeout(this._timer);
    this._controller?.abort();
    Signal.clearData(this);
  }

  /** What the last answer says of the cell of `model` (undefined: none, or not a job cell). */
  planOf(model: ICellModel): IPlanCell | undefined {
    if (!this._plan?.job) {
      return undefined;
    }
    const index = this.panel.content.widgets.findIndex(w => w.model === model);
    return this._plan.cells.find(c => c.index === index);
  }

  /** The cell widget a plan entry or a run event names: by id first, then by index. */
  cellWidget(
    id: string | null | undefined,
    index: number | null | undefined
  ): Cell | null {
    const widgets = this.panel.content.widgets;
    if (id) {
      const byId = widgets.find(w => w.model.id === id);
      if (byId) {
        return byId;
      }
    }
    return index !== null && index !== undefined
      ? (widgets[index] ?? null)
      : null;
  }

  private _schedule(): void {
    window.clearTimeout(this._timer);
    this._timer = window.setTimeout(() => this._refresh(), DEBOUNCE_MS);
  }

  private _refresh(): void {
    const body = planBody(this.panel);
    if (body === null) {
      return;
    }
    const path = this.panel.context.path;
    const key = path + '\n' + JSON.stringify(body);
    if (key === this._lastKey) {
      return; // outputs or execution counts changed: the decision cannot have.
    }
    this._lastKey = key;
    this._controller?.abort();
    const controller = new AbortController();
    this._controller = controller;
    plan(path, body, controller.signal).then(
      answer => {
        if (!controller.signal.aborted && !this._disposed) {
          this._draw(answer);
        }
      },
      error => {
        if (controller.signal.aborted || this._disposed) {
          return;
        }
        this._lastKey = ''; // ask again on the next change
        this._drawError(
          error instanceof ApiError ? error.message : String(error)
        );
      }
    );
  }

  private _draw(answer: IPlan): void {
    this._plan = answer;
    const byIndex = new Map(answer.cells.map(c => [c.index, c]));
    this.panel.content.widgets.forEach((widget, index) => {
      const entry = answer.job ? byIndex.get(index) : undefined;
      this._mark(widget, entry);
    });
    this.panel.node.classList.toggle('vdk-job-notebook', answer.job !== null);
    this.panel.node.dataset.vdkPlanned = String(Date.now());
    this._planChanged.emit(answer);
  }

  private _drawError(message: string): void {
    // The markers would be stale: say so on each of them instead of showing old positions.
    for (const widget of this.panel.content.widgets) {
      const node = widget.node.querySelector(`.${MARKER_CLASS}`);
      if (node) {
        node.textContent = '?';
        node.setAttribute(
          'title',
          `vdk-jupyter could not work out the run order: ${message}`
        );
      }
    }
  }

  private _mark(widget: Cell, entry: IPlanCell | undefined): void {
    let node = widget.node.querySelector<HTMLElement>(
      `:scope > .${MARKER_CLASS}`
    );
    if (!entry) {
      node?.remove();
      widget.removeClass(CELL_CLASS);
      return;
    }
    if (!node) {
      node = document.createElement('div');
      node.className = MARKER_CLASS;
      widget.node.appendChild(node);
    }
    widget.addClass(CELL_CLASS);
    const [name, kind] = markerText(entry);
    const kindNode = document.createElement('span');
    kindNode.className = 'vdk-marker-kind';
    kindNode.textContent = kind;
    node.replaceChildren(
      Object.assign(document.createElement('span'), {
        className: 'vdk-marker-name',
        textContent: name
      }),
      kindNode
    );
    kindNode.hidden = !kind;
    node.classList.toggle('vdk-marker-left-out', entry.left_out);
    node.classList.toggle('vdk-marker-sql', entry.sql);
    node.classList.toggle('vdk-marker-parameters', entry.parameters);
    node.dataset.position =
      entry.position === null ? '' : String(entry.position);
    node.setAttribute('title', markerTitle(entry));
  }

  private _plan: IPlan | null = null;
  private _planChanged = new Signal<this, IPlan>(this);
  private _timer = 0;
  private _controller: AbortController | null = null;
  private _lastKey = '';
  private _disposed = false;
}

function markerTitle(entry: IPlanCell): string {
  if (entry.left_out) {
    return `${cellName(entry.number)}: vdk run leaves it out (${entry.reason})${entry.why ? ': ' + entry.why : ''}`;
  }
  const what = entry.sql ? ', a %%vdksql cell' : '';
  const params = entry.parameters
    ? '. The parameters cell (tag "parameters"): job arguments are injected after it, replacing its defaults. Right-click: Unmark parameters cell.'
    : '';
  return `${cellName(entry.number)}${what}: vdk run runs it ${ordinal(entry.position ?? 0)} in this notebook${params}`;
}

function ordinal(n: number): string {
  const suffix =
    n % 100 >= 11 && n % 100 <= 13
      ? 'th'
      : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${suffix}`;
}

/**
 * vdk-jupyter's JupyterLab extension: wires the parts together (markers, tag commands, running
 * a job, run reports, creating a job). Menus, the cell toolbar and context menus are declared
 * in schema/plugin.json, as JupyterLab's own extensions do.
 */
import {
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette, Notification } from '@jupyterlab/apputils';
import { PathExt } from '@jupyterlab/coreutils';
import { IDocumentManager } from '@jupyterlab/docmanager';
import { IDefaultFileBrowser } from '@jupyterlab/filebrowser';
import { ILauncher } from '@jupyterlab/launcher';
import { INotebookTracker, NotebookPanel } from '@jupyterlab/notebook';
import { runIcon, stopIcon } from '@jupyterlab/ui-components';
import { ReadonlyPartialJSONObject } from '@lumino/coreutils';

import { CREATE_COMMAND, createDataJob } from './createJob';
import { IRepairSelection } from './api';
import { DeployController } from './deploy';
import { includeIcon, leaveOutIcon, parametersIcon, vdkIcon } from './icons';
import { executionLogWidget } from './executionLog';
import { JOBS_COMMAND, JobsPanel } from './jobsPanel';
import { JobStatusItem } from './jobStatus';
import { JobMarkers } from './markers';
import { showDatabaseNotice } from './notices';
import { REPORT_DRIVE, ReportDrive } from './reportDrive';
import { REPAIR_COMMAND, RunController } from './run';
import { CommandIDs as TagCommands, addTagCommands } from './tags';
import {
  DEPLOY_COMMAND,
  RUN_COMMAND,
  RUN_FROM_COMMAND,
  RUN_ONLY_COMMAND,
  VdkToolbar
} from './toolbar';

const CommandIDs = {
  run: RUN_COMMAND,
  repair: REPAIR_COMMAND,
  runFrom: RUN_FROM_COMMAND,
  runOnly: RUN_ONLY_COMMAND,
  stop: 'vdk:stop-job',
  report: 'vdk:open-report',
  log: 'vdk:show-log',
  create: CREATE_COMMAND,
  deploy: DEPLOY_COMMAND,
  jobs: JOBS_COMMAND
};

function activate(
  app: JupyterFrontEnd,
  tracker: INotebookTracker,
  docManager: IDocumentManager,
  browser: IDefaultFileBrowser,
  palette: ICommandPalette | null,
  launcher: ILauncher | null
): void {
  const { commands } = app;
  // By id: toolbar buttons re-read their command's state only when their own id is named.
  const notifyAll = (): void =>
    [...Object.values(CommandIDs), ...Object.values(TagCommands)].forEach(id =>
      commands.notifyCommandChanged(id)
    );
  app.serviceManager.contents.addDrive(new ReportDrive());
  const markers = new Map<NotebookPanel, JobMarkers>();
  const toolbars = new Map<NotebookPanel, VdkToolbar>();
  const runs = new RunController(app, docManager, tracker, panel =>
    markers.get(panel)
  );
  let jobsPanel: JobsPanel | null = null;
  /** The side panel, made on first use and put back after the user closed it. */
  const showJobs = (
    by: { team: string } | { path: string },
    job?: string
  ): void => {
    if (!jobsPanel || jobsPanel.isDisposed) {
      jobsPanel = new JobsPanel((team, job, executionId) => {
        const id = `vdk-execution-log-${executionId}`;
        const open = [...app.shell.widgets('main')].find(w => w.id === id);
        if (open) {
          app.shell.activateById(id);
          return;
        }
        app.shell.add(executionLogWidget(team, job, executionId), 'main');
      });
      jobsPanel.title.icon = vdkIcon;
      app.shell.add(jobsPanel, 'right', { rank: 700 });
    }
    app.shell.activateById(jobsPanel.id);
    if (job && 'team' in by) {
      void jobsPanel.showJob(by.team, job);
    } else {
      void jobsPanel.showJobsOf(by);
    }
  };
  const deploys = new DeployController(tracker, team => showJobs({ team }));

  tracker.widgetAdded.connect((_, panel) => {
    if (panel.context.path.startsWith(REPORT_DRIVE + ':')) {
      return; // a run report: read-only, no job of its own
    }
    const marker = new JobMarkers(panel);
    const toolbar = new VdkToolbar(
      commands,
      runs,
      deploys,
      () => panel.context.path
    );
    markers.set(panel, marker);
    toolbars.set(panel, toolbar);
    if (!panel.toolbar.insertAfter('cellType', 'vdk', toolbar)) {
      panel.toolbar.addItem('vdk', toolbar);
    }
    panel.toolbar.insertAfter('vdk', 'vdk-deploy', toolbar.deployItem);
    const jobStatus = new JobStatusItem(
      () => panel.context.path,
      () => panel.context.contentsModel?.last_modified ?? null,
      (team, job) => showJobs({ team }, job)
    );
    panel.toolbar.insertAfter('vdk-deploy', 'vdk-job-status', jobStatus);
    panel.context.fileChanged.connect(() => jobStatus.rerender());
    let statusAsked = false;
    marker.planChanged.connect((_, plan) => {
      toolbar.onPlan(plan);
      showDatabaseNotice(plan.job?.database);
      if (plan.job) {
        void runs.resume(plan.job, panel.context.path);
        if (!statusAsked) {
          statusAsked = true;
          void jobStatus.refresh();
        }
      }
      notifyAll();
    });
    panel.disposed.connect(() => {
      marker.dispose();
      markers.delete(panel);
      toolbars.delete(panel);
    });
  });

  /** The notebook a command is for: the one named by `path`, else the current one. */
  const panelFor = (args: ReadonlyPartialJSONObject): NotebookPanel | null => {
    const path = args.path as string | undefined;
    const panel = path
      ? tracker.find(p => p.context.path === path)
      : tracker.currentWidget;
    return panel ?? null;
  };
  const jobOf = (args: ReadonlyPartialJSONObject): string | null => {
    const panel = panelFor(args);
    return (panel && markers.get(panel)?.plan?.job?.path) ?? null;
  };
  /** Whether the command's notebook is in a job, and `test` holds for that job's folder. */
  const jobIs = (
    args: ReadonlyPartialJSONObject,
    test: (job: string) => boolean
  ): boolean => {
    const job = jobOf(args);
    return job !== null && test(job);
  };

  commands.addCommand(CommandIDs.run, {
    label: 'Run data job',
    caption: 'Save the notebook and run its data job with vdk run',
    icon: runIcon,
    isEnabled: args => jobOf(args) !== null,
    execute: async args => {
      const panel = panelFor(args);
      const toolbar = panel && toolbars.get(panel);
      if (!panel || !toolbar) {
        Notification.warning('Open a notebook of a data job to run the job.', {
          autoClose: 6000
        });
        return;
      }
      const parsed = toolbar.arguments();
      if ('error' in parsed) {
        Notification.error(parsed.error, { autoClose: 10000 });
        return;
      }
      await runs.run(panel, parsed.value);
    }
  });
  /** The notebook, its toolbar and parsed arguments, or null after saying what is wrong. */
  const runInputs = (
    args: ReadonlyPartialJSONObject
  ): {
    panel: NotebookPanel;
    value: Record<string, unknown> | null;
  } | null => {
    const panel = panelFor(args);
    const toolbar = panel && toolbars.get(panel);
    if (!panel || !toolbar) {
      Notification.warning('Open a notebook of a data job to run the job.', {
        autoClose: 6000
      });
      return null;
    }
    const parsed = toolbar.arguments();
    if ('error' in parsed) {
      Notification.error(parsed.error, { autoClose: 10000 });
      return null;
    }
    return { panel, value: parsed.value };
  };
  /** A notebook at the top level of its job folder: a step of the job, by its file name. */
  const stepOf = (args: ReadonlyPartialJSONObject): string | null => {
    const panel = panelFor(args);
    const job = jobOf(args);
    return panel && job !== null && PathExt.dirname(panel.context.path) === job
      ? PathExt.basename(panel.context.path)
      : null;
  };
  commands.addCommand(CommandIDs.repair, {
    label: 'Repair run',
    caption:
      'Run the data job again from the step that failed or changed, skipping the steps before it (vdk repair); shows the plan first',
    isEnabled: args => jobIs(args, job => !runs.isRunning(job)),
    execute: async args => {
      const inputs = runInputs(args);
      if (inputs) {
        await runs.repair(inputs.panel, inputs.value);
      }
    }
  });
  // Run from / run only this notebook: `vdk repair` with a step selection made of this one.
  const addStepCommand = (
    id: string,
    label: string,
    caption: string,
    selection: (step: string) => IRepairSelection
  ) =>
    commands.addCommand(id, {
      label,
      caption,
      isEnabled: args =>
        stepOf(args) !== null && jobIs(args, job => !runs.isRunning(job)),
      execute: async args => {
        const inputs = runInputs(args);
        const step = stepOf(args);
        if (inputs && step) {
          await runs.run(inputs.panel, inputs.value, selection(step));
        }
      }
    });
  addStepCommand(
    CommandIDs.runFrom,
    'Run from this notebook',
    'Run this notebook and every step after it; the steps before it are skipped (vdk repair --from-step)',
    step => ({ from_step: step })
  );
  addStepCommand(
    CommandIDs.runOnly,
    'Run this notebook only',
    'Run only this notebook as a step of its data job, with its job_input and arguments (vdk repair --step)',
    step => ({ steps: [step] })
  );
  commands.addCommand(CommandIDs.stop, {
    label: 'Stop data job',
    caption:
      'Stop the running data job (as Ctrl-C); its report is still written',
    icon: stopIcon,
    isEnabled: args => jobIs(args, job => runs.isRunning(job)),
    execute: args => runs.stop(jobOf(args) ?? '')
  });
  commands.addCommand(CommandIDs.report, {
    label: 'Open run report',
    caption: 'Open the executed notebook of the last run (read-only)',
    isEnabled: args => !!runs.state(jobOf(args) ?? '')?.reports.length,
    execute: args => runs.openReport(jobOf(args) ?? '')
  });
  commands.addCommand(CommandIDs.log, {
    label: 'Show run log',
    caption: 'Show the output of vdk run for the last run',
    isEnabled: args => !!runs.state(jobOf(args) ?? '')?.runId,
    execute: args => runs.openLog(jobOf(args) ?? '')
  });
  commands.addCommand(CommandIDs.create, {
    label: 'Create data job',
    caption:
      'Create a data job folder (config.ini, requirements.txt, a notebook)',
    icon: vdkIcon,
    execute: args => createDataJob(browser, docManager, !!args.fromContextMenu)
  });
  commands.addCommand(CommandIDs.deploy, {
    label: 'Deploy data job',
    caption:
      'Deploy the data job of the notebook to the Control Service, as vdk deploy does',
    icon: vdkIcon,
    isEnabled: args => jobIs(args, job => !deploys.isDeploying(job)),
    execute: async args => {
      const panel = panelFor(args);
      const job = panel && markers.get(panel)?.plan?.job;
      if (!job) {
        Notification.warning(
          'Open a notebook of a data job to deploy the job.',
          { autoClose: 6000 }
        );
        return;
      }
      await deploys.deploy(job);
    }
  });
  commands.addCommand(CommandIDs.jobs, {
    label: 'Show data jobs',
    caption: "The team's deployed data jobs and their executions",
    execute: args => {
      const team = args.team as string | undefined;
      // The team of the job being worked on: the current notebook's, else the file browser's folder.
      showJobs(
        team
          ? { team }
          : { path: tracker.currentWidget?.context.path ?? browser.model.path }
      );
    }
  });
  runs.changed.connect(notifyAll);
  deploys.changed.connect(notifyAll);

  addTagCommands(
    commands,
    tracker,
    {
      [TagCommands.leaveOut]: leaveOutIcon,
      [TagCommands.include]: includeIcon,
      [TagCommands.parameters]: parametersIcon
    },
    model => {
      const panel = tracker.currentWidget;
      return panel ? markers.get(panel)?.planOf(model) : undefined;
    }
  );

  if (launcher) {
    // The first thing a newcomer sees: a card beside the new notebook and console cards.
    launcher.add({ command: CommandIDs.create, category: 'VDK', rank: 1 });
  }

  if (palette) {
    const category = 'VDK';
    for (const command of [
      ...Object.values(CommandIDs),
      ...Object.values(TagCommands)
    ]) {
      palette.addItem({ command, category });
    }
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'vdk-jupyter:plugin',
  description:
    'VDK data jobs in JupyterLab: run order markers, Run data job, run reports.',
  autoStart: true,
  requires: [INotebookTracker, IDocumentManager, IDefaultFileBrowser],
  optional: [ICommandPalette, ILauncher],
  activate
};

export default plugin;

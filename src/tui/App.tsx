import { userInfo } from 'node:os';
import { Box, Text, useApp, useInput } from 'ink';
import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { isTerminal } from '../shared/metadata-schema.js';
import { listPipelineNames, loadPipeline } from '../workspace/pipeline-files.js';
import { runDir, stageLogPath } from '../workspace/layout.js';
import { failedStage } from '../shared/derive-run.js';
import { toPipeError } from '../shared/errors.js';
import { ErrorPanel } from './components/ErrorPanel.js';
import { EntityList } from './components/EntityList.js';
import { EntityView } from './components/EntityView.js';
import { useEntityContent } from './hooks/use-entity-content.js';
import { entityPath } from '../workspace/entity-files.js';
import type { Entity, RunMetadata } from '../shared/metadata-schema.js';
import { Footer } from './components/Footer.js';
import { Header } from './components/Header.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { LogPane } from './components/LogPane.js';
import { ParamsFormView } from './components/ParamsFormView.js';
import { Picker } from './components/Picker.js';
import { RunDetail } from './components/RunDetail.js';
import { RunList } from './components/RunList.js';
import { StatsView } from './components/StatsView.js';
import { useBell } from './hooks/use-bell.js';
import { useCommands } from './hooks/use-commands.js';
import { useStageStats } from './hooks/use-stage-stats.js';
import { useLogView } from './hooks/use-log-view.js';
import { useNow } from './hooks/use-now.js';
import { useRuns } from './hooks/use-runs.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { entryId } from './run-entries.js';
import { type UiAction, filterPipelines, initialUi, uiReducer } from './ui-state.js';
import { type KeyContext, handleKeys } from './keymap.js';
import { layout } from './layout.js';

export interface AppProps {
  workspace: string;
  /** Start a daemon when none answers. */
  startDaemon?: boolean;
  /** Ring the terminal bell when a run fails or waits for approval. */
  bell?: boolean;
}

// The root: wires the runs, the keys and the layout to display-only components.
export function App({ workspace, startDaemon = true, bell = false }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const runs = useRuns({ workspace, startDaemon });
  useBell(runs.entries, bell);
  const [ui, dispatch] = useReducer(uiReducer, initialUi);
  const [pipelines, setPipelines] = useState<string[]>([]);
  const note = useCallback((text: string) => dispatch({ type: 'note', note: text }), []);
  const send = useCommands(runs.client, note);

  const ids = runs.entries.map(entryId);
  const selectedId = ui.selectedId && ids.includes(ui.selectedId) ? ui.selectedId : (ids[0] ?? null);
  const entry = runs.entries.find((e) => entryId(e) === selectedId) ?? null;
  const run = entry?.ok ? entry.run : null;
  const stageIndex = run ? Math.min(ui.stage ?? run.current_state.stage, run.stages.length - 1) : 0;
  const stage = run?.stages[stageIndex] ?? null;
  const moving = runs.entries.some((e) => e.ok && !isTerminal(e.run.status));
  const now = useNow(moving);
  const failed = run && (run.status === 'failed' || run.status === 'interrupted' || run.status === 'cancelled') && run.error ? run : null;
  const box = layout({ rows, entries: runs.entries.length, stages: run?.stages.length ?? 0, failed: failed !== null, showLog: ui.showLog, note: ui.note !== null });

  const logFile = stage && selectedId ? safeLogPath(workspace, selectedId, stage) : null;
  const broken = failed ? failedStage(failed) : null;
  const errorLog = broken && selectedId ? safeLogPath(workspace, selectedId, broken) : null;
  const log = useLogView(logFile, box.log, columns, ui.logTop, ui.showLog);
  const errorLines = useLogView(errorLog, box.errorLog, columns - 4, null, failed !== null).lines;

  // Loaded at start (so fast typing after n finds them) and again each time the picker opens.
  const pickerOpen = ui.overlay === 'picker';
  useEffect(() => {
    let live = true;
    void listPipelineNames(workspace).then((list) => live && setPipelines(list.map((p) => p.name)));
    return () => {
      live = false;
    };
  }, [pickerOpen, workspace]);
  const matches = filterPipelines(pipelines, ui.query);
  const entity = ui.overlay === 'entity' && run ? (run.entities[ui.pick] ?? null) : null;
  const stats = useStageStats(workspace, run?.pipeline ?? null, run?.stages.map((s) => s.id) ?? [], ui.overlay === 'stats');
  const entityText = useEntityContent(entity && run ? safeEntityPath(workspace, run, entity) : null, entity);

  // The key handler reads the newest render's values through a ref: Ink may call a handler registered by an
  // earlier render (its effects flush after the frame), and a stale one would act on an old screen.
  const latest = useRef({ ui, send, page: log.page, logFile, context: {} as KeyContext });
  latest.current = {
    ui,
    send,
    page: log.page,
    logFile,
    context: { ids, selectedId, stageCount: run?.stages.length ?? 0, stageIndex, entityCount: run?.entities.length ?? 0, pipelines, user: userInfo().username },
  };
  useInput((input, key) => {
    const { actions, effects, state } = handleKeys(latest.current.ui, input, key, latest.current.context);
    // Later keys of the same burst must see this state, before React renders it.
    latest.current = { ...latest.current, ui: state };
    for (const action of actions) dispatch(action);
    for (const effect of effects) {
      if (effect.type === 'exit') exit();
      else if (effect.type === 'command') latest.current.send(effect.body, effect.done);
      else if (effect.type === 'open-form') void openForm(workspace, effect.pipeline).then((form) => dispatch(form), (error: unknown) => note(`${toPipeError(error).code}: ${toPipeError(error).message}`));
      else {
        // The answer applies only to the log it was asked of, should the selection move meanwhile.
        const file = latest.current.logFile;
        void latest.current.page(effect.move).then((top) => latest.current.logFile === file && dispatch({ type: 'log-top', top }));
      }
    }
  });

  return (
    <Box flexDirection="column" width={columns}>
      <Header workspace={workspace} />
      {ui.overlay === 'help' ? <HelpOverlay /> : null}
      {ui.overlay === 'picker' ? <Picker matches={matches} query={ui.query} pick={ui.pick} /> : null}
      {ui.overlay === 'params' && ui.form ? <ParamsFormView form={ui.form} pick={ui.pick} width={columns} /> : null}
      {ui.overlay === 'entities' && run ? <EntityList entities={run.entities} pick={ui.pick} height={Math.max(3, rows - 5)} width={columns} /> : null}
      {ui.overlay === 'entity' && entity ? <EntityView title={`${entity.filename} (${entity.type})`} text={entityText} height={Math.max(3, rows - 4)} width={columns} /> : null}
      {ui.overlay === 'stats' && run ? <StatsView run={run} stats={stats} width={columns} now={now} /> : null}
      {ui.overlay === 'confirm-cancel' ? <Text>{`Cancel run ${selectedId}? y to confirm, any other key to keep it`}</Text> : null}
      {ui.overlay === null || ui.overlay === 'confirm-cancel' ? (
        <>
          <RunList entries={runs.entries} selectedId={selectedId} height={box.list} width={columns} now={now} />
          {run ? <Box marginTop={1}><RunDetail run={run} stage={stageIndex} entityRows={box.entities} width={columns} now={now} /></Box> : null}
          {entry && !entry.ok ? <Text>{`${entry.runId}: ${entry.error.code}: ${entry.error.message}`}</Text> : null}
          {failed && selectedId ? <ErrorPanel run={failed} runDir={runDir(workspace, selectedId)} logLines={errorLines} width={columns} /> : null}
          {ui.showLog && stage ? <LogPane title={`log: ${stage.id}`} lines={log.lines} follow={ui.logTop === null} /> : null}
          {runs.circuits.filter((c) => c.open_until).map((c) => (
            <Text key={c.key}>{`circuit ${c.key} open until ${c.open_until?.slice(11, 19)}`}</Text>
          ))}
        </>
      ) : null}
      <Footer connection={runs.connection} note={ui.note} width={columns} />
    </Box>
  );
}

// A corrupt record names no path: it is then shown as unreadable instead.
function safeEntityPath(workspace: string, run: RunMetadata, entity: Entity): string | null {
  try {
    return entityPath(workspace, run, entity);
  } catch {
    return null;
  }
}

// A stage id that could not name a log (a corrupt record) shows no log rather than reading elsewhere.
function safeLogPath(workspace: string, runId: string, stage: { index: number; id: string }): string | null {
  try {
    return stageLogPath(workspace, runId, stage);
  } catch {
    return null;
  }
}

// The picked pipeline's params with their defaults, for the form the picker's Tab opens.
async function openForm(workspace: string, pipeline: string): Promise<UiAction> {
  const { spec } = await loadPipeline(workspace, pipeline);
  const fields = Object.entries(spec.params).map(([name, p]) => ({ name, value: p.default === undefined ? '' : String(p.default), description: p.description ?? null }));
  return { type: 'form', form: { pipeline, fields } };
}

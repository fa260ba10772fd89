import { userInfo } from 'node:os';
import { Box, Text, useApp, useInput } from 'ink';
import { useCallback, useReducer, useRef } from 'react';
import { runDir } from '../workspace/layout.js';
import { EntityList } from './components/EntityList.js';
import { EntityView } from './components/EntityView.js';
import { ErrorPanel } from './components/ErrorPanel.js';
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
import { useEntityContent } from './hooks/use-entity-content.js';
import { useLogView } from './hooks/use-log-view.js';
import { useNow } from './hooks/use-now.js';
import { useParamsForm, usePipelines } from './hooks/use-pipelines.js';
import { useRuns } from './hooks/use-runs.js';
import { useStageStats } from './hooks/use-stage-stats.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { type KeyContext, handleKeys } from './keymap.js';
import { layout } from './layout.js';
import { keyContext, select, shownFiles } from './selectors.js';
import { filterPipelines, initialUi, uiReducer } from './ui-state.js';

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
  const note = useCallback((text: string) => dispatch({ type: 'note', note: text }), []);
  const send = useCommands(runs.client, note);
  const pipelines = usePipelines(workspace, ui.overlay === 'picker');
  const openForm = useParamsForm(workspace, dispatch, note);

  const view = select(runs.entries, ui);
  const { selectedId, entry, run, stage, stageIndex, failed, entity } = view;
  const files = shownFiles(workspace, view);
  const now = useNow(view.moving);
  const box = layout({ rows, entries: runs.entries.length, stages: run?.stages.length ?? 0, failed: failed !== null, showLog: ui.showLog, note: ui.note !== null });
  const log = useLogView(files.log, box.log, columns, ui.logTop, ui.showLog);
  const errorLines = useLogView(files.errorLog, box.errorLog, columns - 4, null, failed !== null).lines;
  const matches = filterPipelines(pipelines, ui.query);
  const stats = useStageStats(workspace, run?.pipeline ?? null, run?.stages.map((s) => s.id) ?? [], ui.overlay === 'stats');
  const entityText = useEntityContent(files.entity, entity);

  // The key handler reads the newest render's values through a ref: Ink may call a handler registered by an
  // earlier render (its effects flush after the frame), and a stale one would act on an old screen.
  const latest = useRef({ ui, send, page: log.page, logFile: files.log, context: {} as KeyContext });
  latest.current = { ui, send, page: log.page, logFile: files.log, context: keyContext(view, pipelines, userInfo().username) };
  useInput((input, key) => {
    const { actions, effects, state } = handleKeys(latest.current.ui, input, key, latest.current.context);
    // Later keys of the same burst must see this state, before React renders it.
    latest.current = { ...latest.current, ui: state };
    for (const action of actions) dispatch(action);
    for (const effect of effects) {
      if (effect.type === 'exit') exit();
      else if (effect.type === 'command') latest.current.send(effect.body, effect.done);
      else if (effect.type === 'open-form') openForm(effect.pipeline);
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

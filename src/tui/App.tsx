import path from 'node:path';
import { userInfo } from 'node:os';
import { Box, Text, useApp, useInput } from 'ink';
import { useCallback, useEffect, useReducer, useState } from 'react';
import { isTerminal } from '../shared/metadata-schema.js';
import { listPipelineNames } from '../daemon/pipeline-files.js';
import { runDir } from '../daemon/run-store.js';
import { ErrorPanel } from './components/ErrorPanel.js';
import { Footer } from './components/Footer.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { LogPane } from './components/LogPane.js';
import { Picker } from './components/Picker.js';
import { RunDetail } from './components/RunDetail.js';
import { RunList } from './components/RunList.js';
import { useCommands } from './hooks/use-commands.js';
import { useLogTail } from './hooks/use-log-tail.js';
import { useNow } from './hooks/use-now.js';
import { useRuns } from './hooks/use-runs.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { entryId } from './run-entries.js';
import { filterPipelines, initialUi, uiReducer } from './ui-state.js';
import { layout } from './layout.js';

export interface AppProps {
  workspace: string;
  /** Start a daemon when none answers. */
  startDaemon?: boolean;
}

// The root: wires the runs, the keys and the layout to display-only components.
export function App({ workspace, startDaemon = true }: AppProps) {
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize();
  const runs = useRuns({ workspace, startDaemon });
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

  const logFile = run && stage && selectedId ? path.join(runDir(workspace, selectedId), `logs/${String(stage.index).padStart(2, '0')}_${stage.id}.log`) : null;
  const failedStage = failed?.stages.find((s) => s.error && s.status !== 'succeeded' && s.status !== 'skipped') ?? null;
  const errorLog = failed && failedStage && selectedId ? path.join(runDir(workspace, selectedId), `logs/${String(failedStage.index).padStart(2, '0')}_${failedStage.id}.log`) : null;
  const logLines = useLogTail(logFile, box.log, columns, ui.follow ? 0 : ui.scroll, ui.showLog);
  const errorLines = useLogTail(errorLog, box.errorLog, columns - 4, 0, failed !== null);

  useEffect(() => {
    if (ui.overlay === 'picker') void listPipelineNames(workspace).then((list) => setPipelines(list.map((p) => p.name)));
  }, [ui.overlay, workspace]);
  const matches = filterPipelines(pipelines, ui.query);

  useInput((input, key) => {
    if (ui.overlay === 'help') return dispatch({ type: 'overlay', overlay: null });
    if (ui.overlay === 'confirm-cancel') {
      dispatch({ type: 'overlay', overlay: null });
      if (input === 'y' && selectedId) send({ command: 'cancel', run_id: selectedId }, 'cancelled');
      return;
    }
    if (ui.overlay === 'picker') {
      if (key.escape) return dispatch({ type: 'overlay', overlay: null });
      if (key.upArrow || key.downArrow) return dispatch({ type: 'pick', delta: key.upArrow ? -1 : 1, count: matches.length });
      if (key.return) {
        const name = matches[ui.pick];
        dispatch({ type: 'overlay', overlay: null });
        if (name) send({ command: 'run', pipeline: name, params: {} }, `started ${name}`);
        return;
      }
      if (key.backspace || key.delete) return dispatch({ type: 'query', query: ui.query.slice(0, -1) });
      if (input && !key.ctrl && !key.meta) dispatch({ type: 'query', query: ui.query + input });
      return;
    }
    if (input === 'q') return exit();
    if (input === 'j' || key.downArrow) return dispatch({ type: 'move', delta: 1, ids });
    if (input === 'k' || key.upArrow) return dispatch({ type: 'move', delta: -1, ids });
    if (key.leftArrow || input === 'h') return dispatch({ type: 'stage', delta: -1, count: run?.stages.length ?? 0, current: stageIndex });
    if (key.rightArrow) return dispatch({ type: 'stage', delta: 1, count: run?.stages.length ?? 0, current: stageIndex });
    if (key.return) return dispatch({ type: 'toggle-log' });
    if (input === 'l') return dispatch({ type: 'toggle-log' });
    if (input === 'f') return dispatch({ type: 'toggle-follow' });
    if (key.pageUp) return dispatch({ type: 'scroll', lines: box.log });
    if (key.pageDown) return dispatch({ type: 'scroll', lines: -box.log });
    if (input === '?') return dispatch({ type: 'overlay', overlay: 'help' });
    if (input === 'n') return dispatch({ type: 'overlay', overlay: 'picker' });
    if (!selectedId) return;
    if (input === 'c') return dispatch({ type: 'overlay', overlay: 'confirm-cancel' });
    if (input === 'r') return send({ command: 'resume', run_id: selectedId }, 'resumed');
    if (input === 'a') return send({ command: 'approve', run_id: selectedId, by: userInfo().username }, 'approved');
  });

  return (
    <Box flexDirection="column" width={columns}>
      <Text bold wrap="truncate">{`pipe-tui · ${workspace}`}</Text>
      {ui.overlay === 'help' ? <HelpOverlay /> : null}
      {ui.overlay === 'picker' ? <Picker matches={matches} query={ui.query} pick={ui.pick} /> : null}
      {ui.overlay === 'confirm-cancel' ? <Text>{`Cancel run ${selectedId}? y to confirm, any other key to keep it`}</Text> : null}
      {ui.overlay === null || ui.overlay === 'confirm-cancel' ? (
        <>
          <RunList entries={runs.entries} selectedId={selectedId} height={box.list} width={columns} now={now} />
          {run ? <Box marginTop={1}><RunDetail run={run} stage={stageIndex} entityRows={box.entities} width={columns} now={now} /></Box> : null}
          {entry && !entry.ok ? <Text>{`${entry.runId}: ${entry.code}: ${entry.message}`}</Text> : null}
          {failed && selectedId ? <ErrorPanel run={failed} runDir={runDir(workspace, selectedId)} logLines={errorLines} width={columns} /> : null}
          {ui.showLog && stage ? <LogPane title={`log: ${stage.id}`} lines={logLines} follow={ui.follow} /> : null}
          {runs.circuits.filter((c) => c.open_until).map((c) => (
            <Text key={c.key}>{`circuit ${c.key} open until ${c.open_until?.slice(11, 19)}`}</Text>
          ))}
        </>
      ) : null}
      <Footer connection={runs.connection} note={ui.note} width={columns} />
    </Box>
  );
}

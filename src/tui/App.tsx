import { userInfo } from 'node:os';
import { Box, Text, useApp } from 'ink';
import { useCallback, useMemo, useReducer } from 'react';
import { runDir } from '../workspace/layout.js';
import { EntityList } from './components/EntityList.js';
import { EntityView } from './components/EntityView.js';
import { ErrorPanel } from './components/ErrorPanel.js';
import { Footer, footerExtraRows } from './components/Footer.js';
import { Header } from './components/Header.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { ItemList } from './components/ItemList.js';
import { LogPane } from './components/LogPane.js';
import { ParamsFormView } from './components/ParamsFormView.js';
import { Picker } from './components/Picker.js';
import { RunDetail } from './components/RunDetail.js';
import { RunList } from './components/RunList.js';
import { StatsView } from './components/StatsView.js';
import { useDisplay } from './display.js';
import { errorPanelLines } from './error-text.js';
import { useBell } from './hooks/use-bell.js';
import { useClock } from './hooks/use-clock.js';
import { useCommands, useStartDaemon } from './hooks/use-commands.js';
import { useEntityContent } from './hooks/use-entity-content.js';
import { useItemList } from './hooks/use-item-list.js';
import { useKeys } from './hooks/use-keys.js';
import { useFailureTop } from './hooks/use-failure-top.js';
import { useLogSearch } from './hooks/use-log-search.js';
import { useLogView } from './hooks/use-log-view.js';
import { useNoteFade } from './hooks/use-note-fade.js';
import { useParamsForm, usePipelines } from './hooks/use-pipelines.js';
import { useRemoveRun } from './hooks/use-remove-run.js';
import { useRunDetail } from './hooks/use-run-detail.js';
import { useRuns } from './hooks/use-runs.js';
import { useStageStats } from './hooks/use-stage-stats.js';
import { useTerminalSize } from './hooks/use-terminal-size.js';
import { itemsLayout, layout } from './layout.js';
import { filterRuns } from './matching.js';
import { clockTick, keyContext, listRuns, pickRun, select, shownFiles } from './selectors.js';
import { cut, glyphs } from './text.js';
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
  const g = glyphs(useDisplay().ascii);
  const { columns, rows } = useTerminalSize();
  const runs = useRuns({ workspace, startDaemon });
  const [ui, dispatch] = useReducer(uiReducer, initialUi);
  // The `/` search goes over every run on disk once per change of them or of the text; the feed's few live runs are
  // laid over the answer per frame.
  const filtered = useMemo(() => filterRuns(runs.base, ui.filter), [runs.base, ui.filter]);
  const lists = useMemo(() => listRuns(runs.base, runs.live, ui.filter, filtered), [runs.base, runs.live, ui.filter, filtered]);
  useBell(lists.all, runs.moving, bell);
  useNoteFade(ui.noteId, ui.note !== null, dispatch);
  const note = useCallback((text: string) => dispatch({ type: 'note', note: text }), []);
  const send = useCommands(runs, startDaemon, note, dispatch);
  const wakeDaemon = useStartDaemon(runs, note);
  const remove = useRemoveRun(workspace, note);
  const pipelines = usePipelines(workspace, ui.overlay === 'picker');
  const names = (pipelines ?? []).map((p) => p.name);
  const openForm = useParamsForm(workspace, dispatch, note);

  // A finished run is listed by its listing alone: its whole state is read when it is selected.
  const detail = useRunDetail(workspace, pickRun(lists.shown, ui).entry);
  const view = select(lists.shown, ui, detail);
  const { selectedId, unreadable, run, stage, stageIndex, failed, entity } = view;
  const items = useItemList(workspace, selectedId, stage, ui);
  const files = shownFiles(workspace, view, items.item);
  const panel = failed && selectedId ? errorPanelLines(failed, runDir(workspace, selectedId), columns, g) : [];
  const question = ui.overlay === 'confirm' ? (ui.confirm?.question ?? null) : null;
  const shownNote = ui.note ?? runs.notice;
  const footerRows = footerExtraRows(shownNote, question, columns);
  const box = layout({ rows, entries: view.entries.length, stages: run?.stages.length ?? 0, error: panel.length, showLog: ui.showLog, footer: footerRows });
  const itemBox = itemsLayout(rows, footerRows);
  const now = useClock(clockTick(view, ui, box.list, Date.now()));
  // In the item list the pane shows the chosen item's log, at its end.
  const log = items.open ? { height: itemBox.log, top: null } : { height: box.log, top: view.logTop };
  const logView = useLogView(files.log, log.height, columns, log.top, ui.showLog || items.open, g.ellipsis);
  const search = useLogSearch({ file: items.open ? null : files.log, active: ui.showLog && !items.open, find: ui.find, top: view.logTop, match: view.logMatch, height: box.log, width: columns, lines: logView.lines, dispatch, note, g });
  // The error panel quotes the failed stage's log from its failure when that is near the end, else its end.
  const failureTop = useFailureTop(files.errorLog, box.errorLog, failed !== null);
  const errorLines = useLogView(files.errorLog, box.errorLog, columns - 4, failureTop, failed !== null, g.ellipsis).lines;
  const matches = filterPipelines(names, ui.query).flatMap((name) => (pipelines ?? []).filter((p) => p.name === name));
  const stats = useStageStats(workspace, run?.pipeline ?? null, run?.stages.map((s) => s.id) ?? [], ui.overlay === 'stats');
  const entityText = useEntityContent(files.entity, entity);
  const entityRows = Math.max(3, rows - 4);
  const screen = { entityLines: entityText?.split('\n').length ?? 0, pageRows: entityRows, listRows: box.list, itemRows: itemBox.items, daemonUp: runs.connection === 'live', find: search.facts };
  useKeys({ ui, context: keyContext(view, names, userInfo().username, screen), logFile: files.log, dispatch, exit, send, openForm, startDaemon: wakeDaemon, remove, page: logView.page, find: search.perform });

  const listShown = ui.overlay === null || ui.overlay === 'confirm' || ui.overlay === 'search' || ui.overlay === 'find';
  const logOpen = ui.showLog && stage !== null && !items.open;
  return (
    <Box flexDirection="column" width={columns}>
      <Header workspace={workspace} width={columns} />
      {ui.overlay === 'help' ? <HelpOverlay /> : null}
      {ui.overlay === 'picker' ? <Picker matches={matches} query={ui.query} pick={ui.pick} width={columns} total={pipelines?.length ?? null} /> : null}
      {ui.overlay === 'params' && ui.form ? <ParamsFormView form={ui.form} pick={ui.pick} width={columns} /> : null}
      {ui.overlay === 'entities' && run ? <EntityList entities={run.entities} pick={ui.pick} height={Math.max(3, rows - 5)} width={columns} /> : null}
      {ui.overlay === 'entity' && entity ? <EntityView title={`${entity.filename} (${entity.type})`} text={entityText} top={ui.scroll} height={entityRows} width={columns} /> : null}
      {ui.overlay === 'stats' && run ? <StatsView run={run} stats={stats} width={columns} now={now} /> : null}
      {ui.overlay === 'items' && !items.open ? <Text>{cut('This stage has no items now: Esc goes back.', columns, g.ellipsis)}</Text> : null}
      {items.open && items.fanout && items.order ? (
        <>
          <ItemList stage={items.fanout} order={items.order} values={items.values.values} error={items.values.error} item={items.item} height={itemBox.items} width={columns} now={now} />
          {items.item !== null ? <LogPane title={cut(itemLogTitle(items.fanout.id, items.item, items.values.values), columns - 12, g.ellipsis)} lines={logView.lines} missing={logView.missing} follow /> : null}
        </>
      ) : null}
      {listShown ? (
        <>
          <RunList entries={view.entries} selectedId={selectedId} height={box.list} width={columns} now={now} filter={ui.filter} />
          {run ? <Box marginTop={1}><RunDetail run={run} stage={stageIndex} entityRows={box.entities} width={columns} now={now} /></Box> : null}
          {unreadable ? <Text>{cut(`${unreadable.runId}: ${unreadable.error.code}: ${unreadable.error.message}`, columns, g.ellipsis)}</Text> : null}
          {failed && selectedId ? <ErrorPanel run={failed} runDir={runDir(workspace, selectedId)} logLines={errorLines} width={columns} /> : null}
          {logOpen && stage ? <LogPane title={`log: ${stage.id}`} lines={search.lines} missing={logView.missing} follow={view.logTop === null} mode={search.filterTitle} empty={search.empty} /> : null}
          {runs.circuits.filter((c) => c.open_until).map((c) => (
            <Text key={c.key}>{`circuit ${c.key} open until ${c.open_until?.slice(11, 19)}`}</Text>
          ))}
        </>
      ) : null}
      <Footer
        connection={runs.connection}
        note={shownNote}
        width={columns}
        search={ui.overlay === 'search' ? ui.filter : null}
        find={ui.overlay === 'find' ? ui.find : null}
        status={logOpen ? search.status : null}
        log={logOpen && ui.overlay === null ? { found: ui.find.kept !== null } : null}
        question={question}
        filter={ui.filter}
        hint={ui.overlay === null && items.fanout ? 'Enter items' : null}
        keys={items.open ? [`${g.up}${g.down} item`, 'PgUp/PgDn page', 'g/G first/last', 'Esc back'] : null}
      />
    </Box>
  );
}

/** `log: tts item 7 (bad7)`: the stage, the item's index and its value. */
const itemLogTitle = (stage: string, item: number, values: string[] | null): string => {
  const value = values?.[item]?.replace(/[\x00-\x1f\x7f-\x9f]+/g, ' ');
  return `log: ${stage} item ${item}${value ? ` (${value})` : ''}`;
};

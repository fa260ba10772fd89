import { useInput } from 'ink';
import { type RefObject, useRef } from 'react';
import { type Effect, type FindEffect, type KeyContext, handleKeys } from '../keymap.js';
import type { UiAction, UiState } from '../ui-state.js';
import type { PageMove } from './use-log-view.js';
import type { Send } from './use-commands.js';

export interface KeyWiring {
  ui: UiState;
  context: KeyContext;
  /** The log the pane shows now: a page move answers for it alone. */
  logFile: string | null;
  dispatch: (action: UiAction) => void;
  exit: () => void;
  send: Send;
  openForm: (pipeline: string) => void;
  startDaemon: () => void;
  /** Removes a finished run's folder. */
  remove: (runId: string) => void;
  page: (move: PageMove) => Promise<number | null>;
  /** The log search's moves and copying (use-log-search.ts). */
  find: (effect: FindEffect) => void;
}

// The keys, decided by the keymap and carried out here. The handler reads the newest render's values through a ref:
// Ink may call a handler registered by an earlier render (its effects flush after the frame), and a stale one would
// act on an old screen.
export function useKeys(wiring: KeyWiring): void {
  const latest = useRef(wiring);
  latest.current = wiring;
  useInput((input, key) => {
    const { actions, effects, state } = handleKeys(latest.current.ui, input, key, latest.current.context);
    // Later keys of the same burst must see this state, before React renders it.
    latest.current = { ...latest.current, ui: state };
    for (const action of actions) latest.current.dispatch(action);
    for (const effect of effects) perform(effect, latest);
  });
}

function perform(effect: Effect, latest: RefObject<KeyWiring>): void {
  const w = latest.current;
  switch (effect.type) {
    case 'exit':
      return w.exit();
    case 'command':
      return w.send(effect.body, effect.done, effect.select);
    case 'open-form':
      return w.openForm(effect.pipeline);
    case 'start-daemon':
      return w.startDaemon();
    case 'remove':
      return w.remove(effect.runId);
    case 'log-find':
    case 'find-stop':
    case 'copy':
      return w.find(effect);
    case 'log-page': {
      // The answer applies only to the log it was asked of, should the selection move meanwhile.
      const file = w.logFile;
      void w.page(effect.move).then((top) => {
        if (latest.current.logFile === file) w.dispatch({ type: 'log-top', runId: effect.runId, top });
      });
    }
  }
}

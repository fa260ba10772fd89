import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { render } from 'ink-testing-library';
import { afterEach, describe, expect, it } from 'vitest';
import { App } from '../../src/tui/App.js';
import { DisplayContext } from '../../src/tui/display.js';
import { cli } from '../helpers/cli.js';
import { removeWorkspaces, tempWorkspace, waitFor } from '../helpers/workspace.js';

let unmount: (() => void) | null = null;
afterEach(async () => {
  unmount?.();
  unmount = null;
  await removeWorkspaces();
});

const MAKER = "params:\n  topic: { default: rainbows }\nstages:\n  - id: make\n    run: 'echo made > note.txt; echo ::pipe:entity note note.txt'\n";

// The TUI only reads: looking at a workspace, whatever view is open, leaves its state folder as it was.
describe('the TUI writes nothing under .pipe-tui/ while looking', () => {
  it('opens every view (help, picker, params form, entities, an entity, stats, log) on a workspace with no .pipe-tui/', async () => {
    const ws = await tempWorkspace({ maker: MAKER });
    const ran = await cli(['run', 'maker', '--foreground', '--workspace', ws]);
    expect(ran.exitCode).toBe(0);
    // The foreground run kept its history; the TUI must not make it again.
    await rm(path.join(ws, '.pipe-tui'), { recursive: true, force: true });

    const app = render(
      <DisplayContext.Provider value={{ ascii: false, color: false }}>
        <App workspace={ws} startDaemon={false} />
      </DisplayContext.Provider>,
    );
    unmount = () => app.unmount();
    const screen = (pattern: RegExp) =>
      waitFor(`the screen to show ${pattern}`, () => (pattern.test(app.lastFrame() ?? '') ? app.lastFrame() : null), 20_000).catch((error: Error) => {
        throw new Error(`${error.message}\n--- last frame ---\n${app.lastFrame()}`);
      });
    const press = async (keys: string, pattern: RegExp): Promise<void> => {
      app.stdin.write(keys);
      await screen(pattern);
    };

    await screen(/✔ maker/);
    await press('?', /this help/);
    await press('x', /✔ maker/);
    await press('n', /New run: /);
    await press('\t', /topic += rainbows/);
    await press('\x1b', /New run: ▏/);
    await press('\x1b', /✔ maker/);
    await press('e', /Entities \(1\)/);
    await press('\r', /made/);
    await press('q', /Entities \(1\)/);
    await press('e', /✔ maker/);
    await press('s', /timeline and recent durations/);
    await press('x', /✔ maker/);
    await press('l', /log: make/);
    // Every view has been drawn from disk; the stats view read the history from the run folders, in memory.
    expect(existsSync(path.join(ws, '.pipe-tui'))).toBe(false);
  });
});

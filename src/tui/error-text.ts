import path from 'node:path';
import type { RunMetadata } from '../shared/metadata-schema.js';
import { failedStage } from '../shared/derive-run.js';
import { errorHint } from './error-hints.js';
import { type Glyphs, cut, wrap } from './text.js';

// The error panel's text, wrapped to the width and most important first: what failed and how (code, stage, exit
// code or signal), then the message, the hint, where the details are. Pure, so the layout can count its rows.

const MESSAGE_LINES = 4;
const HINT_LINES = 2;
const PATH_LINES = 2;

export function errorPanelLines(run: RunMetadata, runDir: string, width: number, g: Glyphs): string[] {
  const stage = failedStage(run);
  const error = stage?.error ?? null;
  const code = error?.code ?? run.error?.code;
  if (!code) return [];
  const message = error?.message ?? run.error?.message ?? '';
  // Said once: a message that already gives the exit code or the signal (`exited with code 1`) is not echoed.
  const exit = error && error.exit_code !== null && !message.includes(`code ${error.exit_code}`) ? `exit code ${error.exit_code}` : null;
  const signal = error?.signal && !message.includes(error.signal) ? `signal ${error.signal}` : null;
  const how = [exit, signal].filter(Boolean).join(', ');
  const entity = [...run.entities].reverse().find((e) => e.type === 'error');
  const hint = errorHint(code);
  return [
    cut(`${code}${stage ? ` in ${stage.id}` : ''}${how ? ` (${how})` : ''}`, width, g.ellipsis),
    ...(message && message !== code ? wrap(`  ${message}`, width, MESSAGE_LINES, g.ellipsis) : []),
    ...(hint ? wrap(`  hint: ${hint}`, width, HINT_LINES, g.ellipsis) : []),
    ...(entity ? wrap(`  details: ${path.join(runDir, entity.filename)}`, width, PATH_LINES, g.ellipsis) : []),
  ];
}

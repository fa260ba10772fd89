// Names that become parts of paths are checked here, before any path is built from them.

export const RUN_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
export const STAGE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const ENTITY_TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const PIPELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export function isRunId(value: string): boolean {
  return RUN_ID.test(value) && !value.includes('..');
}

// Parameter `topic` reaches a stage as PIPE_PARAM_TOPIC; anything but letters and digits becomes `_`.
export function paramEnvName(name: string): string {
  return `PIPE_PARAM_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

// `logs/02_summarize.log` for the stage at index 2 (0-based, as in metadata.json), so the folder lists in order.
export function stageLogName(index: number, stageId: string): string {
  return `logs/${String(index).padStart(2, '0')}_${stageId}.log`;
}

/** An item's log beside its stage's: `logs/03_tts/item-00007.log` for `logs/03_tts.log`. */
export function itemLogName(stageLog: string, item: number): string {
  return `${stageLog.replace(/\.log$/, '')}/item-${String(item).padStart(5, '0')}.log`;
}

export function entityFileName(sequence: number, type: string, ext: string): string {
  const safeExt = /^(\.[A-Za-z0-9]{1,16}){1,2}$/.test(ext) ? ext.toLowerCase() : '';
  return `${String(sequence).padStart(2, '0')}_${type}${safeExt}`;
}

// The part of a run id a person tells runs apart by: its random suffix.
export const shortRunId = (runId: string): string => runId.slice(-6);

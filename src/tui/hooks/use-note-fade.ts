import { useEffect } from 'react';
import type { UiAction } from '../ui-state.js';

/** How long a note stays in the footer. */
export const NOTE_MS = 5000;

// A note fades a few seconds after it was given; a newer note has its own number, so this fade spares it.
export function useNoteFade(noteId: number, shown: boolean, dispatch: (action: UiAction) => void): void {
  useEffect(() => {
    if (!shown) return;
    const timer = setTimeout(() => dispatch({ type: 'note-fade', id: noteId }), NOTE_MS);
    return () => clearTimeout(timer);
  }, [noteId, shown, dispatch]);
}

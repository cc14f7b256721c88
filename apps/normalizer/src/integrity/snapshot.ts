import type { StandardKline } from '@klineflow/schemas';
import type { StreamState } from './stream.js';

/**
 * A stream's state as a `normalizer-state` record stores it. An inferred-closing stream (HTX) snapshots
 * on every tick, and its pending bar is then the bar `lastEmitted` holds: the snapshot says so rather
 * than repeating it, which made a third of the normalizer's output bytes.
 */
export type StreamSnapshot = Omit<StreamState, 'pendingBar'> & {
  pendingBar?: StandardKline | null;
  /** The pending bar is `lastEmitted`. */
  pendingIsLastEmitted?: true;
  /** The pending bar, in snapshots written before it was renamed `pendingBar`. */
  pendingHtxBar?: StandardKline | null;
};

export function toSnapshot(state: StreamState): StreamSnapshot {
  if (state.pendingBar === null || state.pendingBar !== state.lastEmitted) return state;
  // JSON leaves out a property that is undefined.
  return { ...state, pendingBar: undefined, pendingIsLastEmitted: true };
}

export function fromSnapshot(snapshot: StreamSnapshot): StreamState {
  const { pendingBar, pendingIsLastEmitted, pendingHtxBar, ...rest } = snapshot;
  return { ...rest, pendingBar: pendingIsLastEmitted ? rest.lastEmitted : (pendingBar ?? pendingHtxBar ?? null) };
}

import { ConfigError } from './errors.js';

/**
 * Old key names that still work (README.md, Configuration, "Renamed keys"): each value moves to its current key
 * before validation, so an old config loads to the same values. Both names set to different values is
 * an error, since either choice would silently drop one.
 */
export const RENAMED_KEYS: readonly { readonly old: readonly string[]; readonly current: readonly string[] }[] = [
  // Bar closing by inference is a mapper's declaration that any exchange can make, not an HTX rule.
  { old: ['integrity', 'htx_close_grace_ms'], current: ['integrity', 'inferred_close_grace_ms'] },
  { old: ['simulator', 'huobi_ping_interval'], current: ['simulator', 'huobi', 'ping_interval'] },
  { old: ['simulator', 'okx_idle_timeout'], current: ['simulator', 'okx', 'idle_timeout'] },
];

type Table = Record<string, unknown>;

const isTable = (value: unknown): value is Table => typeof value === 'object' && value !== null && !Array.isArray(value);

function tableAt(document: Table, path: readonly string[], create: boolean): Table | undefined {
  let node = document;
  for (const segment of path) {
    if (!isTable(node[segment])) {
      if (!create || node[segment] !== undefined) return undefined;
      node[segment] = {};
    }
    node = node[segment] as Table;
  }
  return node;
}

export function applyRenamedKeys(document: Table, source: string): void {
  for (const { old, current } of RENAMED_KEYS) {
    const oldTable = tableAt(document, old.slice(0, -1), false);
    const oldKey = old[old.length - 1]!;
    if (oldTable?.[oldKey] === undefined) continue;
    const value = oldTable[oldKey];
    delete oldTable[oldKey];
    const table = tableAt(document, current.slice(0, -1), true);
    const key = current[current.length - 1]!;
    // A non-table where a table belongs is left for validation to name.
    if (!table) continue;
    if (table[key] !== undefined && table[key] !== value) {
      throw new ConfigError(
        `invalid configuration (${source}): ${old.join('.')} is the old name of ${current.join('.')}, and they are set to ` +
          `${JSON.stringify(value)} and ${JSON.stringify(table[key])}: keep only ${current.join('.')}`,
      );
    }
    table[key] = value;
  }
}

/**
 * JSON text of a wire message of type `T` (the exchange's wire types in libs/exchange-modules), built
 * from the text of each field. The simulator writes exact literals (decimal text, HTX number literals,
 * 27-digit ids) that JSON.stringify would not choose, yet must write exactly the fields the mapper
 * reads: a field added, removed or renamed in the wire type is a compile error here. Fields are
 * written in the order given.
 */
export type FieldsText<T> = { readonly [K in keyof T]: string };

export function objectText<T>(fields: FieldsText<T>): string {
  let text = '';
  for (const key in fields) text += `,"${key}":${fields[key]}`;
  return `{${text.slice(1)}}`;
}

/** JSON text of a wire tuple (e.g. a kline row): one element's text per position. */
export function tupleText<T extends readonly unknown[]>(items: { readonly [I in keyof T]: string }): string {
  return `[${items.join(',')}]`;
}

/** A JSON string of text that needs no escaping (symbols, topics, decimals). */
export const quoted = (text: string | number): string => `"${text}"`;

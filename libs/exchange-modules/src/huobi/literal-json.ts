/**
 * JSON.parse that keeps every number literal as its exact source text (a string).
 * HTX sends prices, volumes and 27-digit trade ids as JSON numbers; a float round-trip
 * would turn `10050.00` into 10050 and a 27-digit id into 1.3700544510935929e+26.
 * A single pass quotes number literals outside strings, then the native parser does the rest.
 */
export function parseWithNumberLiterals(text: string): unknown {
  return JSON.parse(quoteNumberLiterals(text));
}

const QUOTE = 34; // "
const BACKSLASH = 92;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;

function isNumberChar(c: number): boolean {
  // digits, '.', 'e', 'E', '+', '-'
  return (c >= ZERO && c <= NINE) || c === 46 || c === 101 || c === 69 || c === 43 || c === MINUS;
}

export function quoteNumberLiterals(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  const length = text.length;
  for (let i = 0; i < length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      // Skip the string, honouring escapes.
      for (i++; i < length; i++) {
        const s = text.charCodeAt(i);
        if (s === BACKSLASH) i++;
        else if (s === QUOTE) break;
      }
    } else if ((c >= ZERO && c <= NINE) || c === MINUS) {
      let end = i + 1;
      while (end < length && isNumberChar(text.charCodeAt(end))) end++;
      out += text.slice(copiedUpTo, i) + '"' + text.slice(i, end) + '"';
      copiedUpTo = end;
      i = end - 1;
    }
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}

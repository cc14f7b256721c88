/**
 * ClickHouse exception codes that mean "this data cannot be stored", whatever the server's state:
 * retrying the same rows fails the same way forever. Anything else (no code: connection refused or
 * reset, socket hang up, timeout; or a code such as MEMORY_LIMIT_EXCEEDED, TOO_MANY_SIMULTANEOUS_QUERIES,
 * TABLE_IS_READ_ONLY, UNKNOWN_TABLE) is the store being unavailable, and is retried: an unknown code
 * pauses the sink rather than dead-lettering good rows.
 */
const DATA_ERROR_CODES = new Set([
  6, // CANNOT_PARSE_TEXT
  25, // CANNOT_PARSE_ESCAPE_SEQUENCE
  26, // CANNOT_PARSE_QUOTED_STRING
  27, // CANNOT_PARSE_INPUT_ASSERTION_FAILED: `1e+23` for a UInt64, say
  32, // ATTEMPT_TO_READ_AFTER_EOF
  33, // CANNOT_READ_ALL_DATA
  38, // CANNOT_PARSE_DATE
  41, // CANNOT_PARSE_DATETIME
  53, // TYPE_MISMATCH
  69, // ARGUMENT_OUT_OF_BOUND: 18.16's "Decimal value is too big"
  70, // CANNOT_CONVERT_TYPE
  72, // CANNOT_PARSE_NUMBER
  117, // INCORRECT_DATA
  130, // CANNOT_READ_ARRAY_FROM_TEXT
  131, // TOO_LARGE_STRING_SIZE
  321, // VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE
  407, // DECIMAL_OVERFLOW
]);
/** TOO_MANY_PARTS is overload, except this form: rows whose open times span too many months for one insert. */
const TOO_MANY_PARTS = 252;
const PARTITIONS_PER_INSERT = /partitions for a single INSERT block|partitions for single INSERT block/i;

/** The exception code of a ClickHouse error: `Code: 27, e.displayText()` (18.16) or `Code: 27. DB::Exception` (later). */
export function clickhouseCode(error: unknown): number | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const match = /^Code: (\d+)[.,]/.exec(message) ?? /\bCode: (\d+)[.,]/.exec(message.slice(0, 200));
  return match ? Number(match[1]) : undefined;
}

/** True when ClickHouse refused the rows themselves; false when it could not be reached or could not work. */
export function isDataError(error: unknown): boolean {
  const code = clickhouseCode(error);
  if (code === undefined) return false;
  if (code === TOO_MANY_PARTS) return PARTITIONS_PER_INSERT.test((error as Error).message);
  return DATA_ERROR_CODES.has(code);
}

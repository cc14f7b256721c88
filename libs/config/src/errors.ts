/** A configuration that cannot work; its message names each bad key and what to do about it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A word for /bin/sh: single-quoted, a single quote inside written '\''. */
export const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

import { shellQuote } from "./shell";
/** Config problems, reported all at once, each with the key, what was expected, what was found and the fix. */

export interface ConfigIssue {
  /** Full key with path, e.g. `robotoff:postgres.memory`. */
  readonly key: string;
  readonly expected: string;
  readonly found: string;
  /** Set for secret keys: the fix is `pulumi config set --secret`. */
  readonly secret?: boolean;
  /** The commands that fix it, without `--stack`, when setting the key again is not the fix. */
  readonly fix?: readonly string[];
}

/**
 * Where the config was read from, as the Pulumi CLI's config commands name it: a stack, whose file is
 * Pulumi.<stack>.yaml unless `--config-file` named another (the file a fix must edit).
 */
export interface ConfigSource {
  readonly stack: string;
  readonly configFile?: string;
}

/** A word the shell passes as it is, quoted when it needs to be. */
const shellWord = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : shellQuote(word));

/** The options that make a `pulumi config` command edit the file this config was read from. */
export function configTargetOptions(source: ConfigSource): string {
  return `--stack ${shellWord(source.stack)}${source.configFile ? ` --config-file ${shellWord(source.configFile)}` : ""}`;
}

/** The command that sets a key (a secret with `--secret`, any other with `--path`). */
export const setFix = (key: string, secret = false) => `pulumi config set ${secret ? "--secret" : "--path"} '${key}' <value>`;

/** The fix for a key that should not be there: remove it, then set the one meant (if any). */
export function removalFix(key: string, options: { path: boolean; instead?: string; insteadIsSecret?: boolean }): string[] {
  return [`pulumi config rm ${options.path ? "--path " : ""}'${key}'`, ...(options.instead ? [setFix(options.instead, options.insteadIsSecret)] : [])];
}

export function formatIssues(source: ConfigSource, issues: readonly ConfigIssue[]): string {
  const target = configTargetOptions(source);
  const lines = issues.map((i) => {
    const fix = i.fix ?? [setFix(i.key, i.secret)];
    return `  ${i.key}: expected ${i.expected}, found ${i.found}\n` + fix.map((f, n) => `    ${n === 0 ? "fix" : "then"}: ${f} ${target}`).join("\n");
  });
  const file = source.configFile ? `, read from ${source.configFile}` : "";
  return `Invalid config for stack ${source.stack}${file} (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}

export class ConfigError extends Error {
  readonly stackName: string;
  constructor(
    readonly source: ConfigSource,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(formatIssues(source, issues));
    this.name = "ConfigError";
    this.stackName = source.stack;
  }
}

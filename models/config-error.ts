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

/** The fix for a key that should not be there: remove it, then set the one meant (if any). */
export function removalFix(key: string, options: { path: boolean; instead?: string }): string[] {
  return [
    `pulumi config rm ${options.path ? "--path " : ""}'${key}'`,
    ...(options.instead ? [`pulumi config set --path '${options.instead}' <value>`] : []),
  ];
}

export function formatIssues(stack: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map((i) => {
    const fix = i.fix ?? [`pulumi config set ${i.secret ? "--secret" : "--path"} '${i.key}' <value>`];
    return `  ${i.key}: expected ${i.expected}, found ${i.found}\n` + fix.map((f, n) => `    ${n === 0 ? "fix" : "then"}: ${f} --stack ${stack}`).join("\n");
  });
  return `Invalid config for stack ${stack} (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`;
}

export class ConfigError extends Error {
  constructor(
    readonly stackName: string,
    readonly issues: readonly ConfigIssue[],
  ) {
    super(formatIssues(stackName, issues));
    this.name = "ConfigError";
  }
}

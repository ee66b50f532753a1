/** Config problems, reported all at once, each with the key, what was expected, what was found and the fix. */

export interface ConfigIssue {
  /** Full key with path, e.g. `robotoff:postgres.memory`. */
  readonly key: string;
  readonly expected: string;
  readonly found: string;
  /** Set for secret keys: the fix is `pulumi config set --secret`. */
  readonly secret?: boolean;
}

export function formatIssues(stack: string, issues: readonly ConfigIssue[]): string {
  const lines = issues.map(
    (i) =>
      `  ${i.key}: expected ${i.expected}, found ${i.found}\n` +
      `    fix: pulumi config set ${i.secret ? "--secret" : "--path"} '${i.key}' <value> --stack ${stack}`,
  );
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

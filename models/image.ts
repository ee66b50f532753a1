/** Docker image references, parsed with the grammar of distribution/reference: the one parser of the project. */

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const REPOSITORY = `(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}";

const REPOSITORY_ONLY = new RegExp(`^${REPOSITORY}$`);
const TAG_ONLY = new RegExp(`^${TAG}$`);
const REFERENCE = new RegExp(`^(${REPOSITORY})(?::(${TAG}))?(?:@(${DIGEST}))?$`);

export interface ImageReference {
  /** As written: `postgres`, `ghcr.io/openfoodfacts/robotoff`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** The parts of a reference, or undefined when `text` is not one. */
export function parseImageReference(text: string): ImageReference | undefined {
  const match = text.length <= 255 ? REFERENCE.exec(text) : null;
  if (!match) return undefined;
  const [, repository, tag, digest] = match;
  return { repository, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

export const isImageReference = (text: string): boolean => parseImageReference(text) !== undefined;
export const isImageRepository = (text: string): boolean => text.length <= 255 && REPOSITORY_ONLY.test(text);
export const isImageTag = (text: string): boolean => TAG_ONLY.test(text);

/**
 * The repository as Docker resolves it: `postgres:11.2-alpine` -> `docker.io/library/postgres`. The first
 * component names a registry when it has a dot or a port, or is localhost. Undefined for no reference.
 */
export function canonicalRepository(text: string): string | undefined {
  const repository = parseImageReference(text)?.repository;
  if (repository === undefined) return undefined;
  const [first, ...rest] = repository.split("/");
  if (rest.length > 0 && (first.includes(".") || first.includes(":") || first === "localhost")) return repository;
  return rest.length === 0 ? `docker.io/library/${first}` : `docker.io/${repository}`;
}

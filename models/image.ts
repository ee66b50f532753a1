/** Docker image references, checked with the grammar of distribution/reference. */

const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const DOMAIN_PART = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN = `(?:${DOMAIN_PART}(?:\\.${DOMAIN_PART})*|\\[[0-9a-fA-F:]+\\])(?::[0-9]+)?`;
const REPOSITORY = `(?:${DOMAIN}/)?${COMPONENT}(?:/${COMPONENT})*`;
const TAG = "[\\w][\\w.-]{0,127}";
const DIGEST = "[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[0-9a-fA-F]{32,}";

const REPOSITORY_ONLY = new RegExp(`^${REPOSITORY}$`);
const TAG_ONLY = new RegExp(`^${TAG}$`);
const REFERENCE = new RegExp(`^${REPOSITORY}(?::${TAG})?(?:@${DIGEST})?$`);

export const isImageReference = (text: string): boolean => text.length <= 255 && REFERENCE.test(text);
export const isImageRepository = (text: string): boolean => text.length <= 255 && REPOSITORY_ONLY.test(text);
export const isImageTag = (text: string): boolean => TAG_ONLY.test(text);

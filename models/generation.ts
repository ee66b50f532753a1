/**
 * Which of upstream's compose topologies a stack follows: 2022-09 (one workers container, tf_serving, postgres 11) or
 * 2026-06 (RQ workers on Redis, Triton, fasttext, Elasticsearch 8, postgres 16). Each has a schema and a catalog of
 * its own (models/generations.ts); a stack without the key is 2022-09, what every stack before the key was built for.
 */
export const GENERATIONS = ["2022-09", "2026-06"] as const;
export type Generation = (typeof GENERATIONS)[number];

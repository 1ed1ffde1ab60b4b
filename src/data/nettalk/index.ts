/**
 * NETtalk (Sejnowski & Rosenberg 1987 corpus) as Zhang et al. (2021) used it: readers,
 * feature table, window encoding, the paper's split and a by-word full-corpus split, metrics.
 */
export * from './corpus.js';
export * from './features.js';
export * from './encode.js';
export * from './split.js';
export * from './load.js';
export * from './metrics.js';
